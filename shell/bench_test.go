package shell

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkSessionEval evaluates 10,000 lines in one session, a mix of
// assignments, expressions, standard library calls and module calls,
// and reports the heap the session keeps per line: a long session must
// not grow without bound (yaegi issue 1678).
func BenchmarkSessionEval(b *testing.B) {
	kv, _ := filepath.Abs("../examples/kv")
	const lines = 10000
	ctx := context.Background()
	for b.Loop() {
		s := testSession(b, SessionOptions{}, kv)
		s.Eval(ctx, "kv.StartLink()", io.Discard)
		s.Eval(ctx, "n := 0", io.Discard)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range lines {
			var line string
			switch i % 5 {
			case 0:
				line = fmt.Sprintf("n = %d", i)
			case 1:
				line = "n * 2 + 1"
			case 2:
				line = fmt.Sprintf(`x%d := strings.Repeat("a", 3)`, i%50)
			case 3:
				line = fmt.Sprintf(`kv.Put("k%d", n)`, i%100)
			case 4:
				line = `kv.Get("k1")`
			}
			if err := s.Eval(ctx, line, io.Discard); err != nil {
				b.Fatalf("%s: %v", line, err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/lines, "bytes/line")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/lines, "ns/line")
		runtime.KeepAlive(s)
	}
}
