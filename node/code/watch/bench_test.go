package watch_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gexdev/gex/node/code/watch"
)

// BenchmarkWatchReload: from writing kv.go to a call that returns the new
// code's answer, debounce included. Target ≤ 50 ms.
func BenchmarkWatchReload(b *testing.B) {
	f := newFixture(b, watch.Options{}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	pid := f.startServer("kv")
	path := f.path("kv.go")
	srcs := make([][]byte, b.N)
	for i := range srcs {
		srcs[i] = []byte(kvSrc(strconv.Itoa(i+1), ""))
	}
	b.ResetTimer()
	for i := range b.N {
		if err := os.WriteFile(path, srcs[i], 0o644); err != nil {
			b.Fatal(err)
		}
		if ev := f.next(); ev.Outcome != watch.Loaded {
			b.Fatal(ev)
		}
		if got := f.call(pid, "vsn"); got != strconv.Itoa(i+1) {
			b.Fatalf("answer %v after save %d", got, i+1)
		}
	}
}

// saves saves kv.go n times, vsn from+1 to from+n, each loaded before the
// next, with a server running it.
func saves(tb testing.TB, f *fixture, from, n int) {
	path := f.path("kv.go")
	for i := from + 1; i <= from+n; i++ {
		if err := os.WriteFile(path, []byte(kvSrc(strconv.Itoa(i), "")), 0o644); err != nil {
			tb.Fatal(err)
		}
		if ev := f.next(); ev.Outcome != watch.Loaded {
			tb.Fatal(ev)
		}
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC() // purged versions' finalizers run after the first
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestMemoryOver1000Saves: the heap does not grow with saves: every purged
// version is collected. It reports the bytes retained per save.
func TestMemoryOver1000Saves(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 saves")
	}
	const n = 1000
	f := newFixture(t, watch.Options{Debounce: time.Millisecond}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	pid := f.startServer("kv")
	saves(t, f, 0, 50) // warm up: caches, pools, the watcher's maps
	before := heap()
	saves(t, f, 50, n)
	after := heap()
	perSave := (int64(after) - int64(before)) / n
	t.Logf("heap %d → %d bytes over %d saves: %d bytes retained per save", before, after, n, perSave)
	if f.call(pid, "vsn") != strconv.Itoa(50+n) {
		t.Fatal("the server does not run the last save")
	}
	// A version (an interpreter and its module) is ~1 MB: growth by a
	// fraction of that per save is a leak of versions.
	if perSave > 8<<10 {
		t.Fatalf("%d bytes retained per save: versions are not collected", perSave)
	}
}

// BenchmarkWatchSaveMemory reports the heap retained per save
// (retained-B/save), and the allocations of a save and its reload.
func BenchmarkWatchSaveMemory(b *testing.B) {
	f := newFixture(b, watch.Options{Debounce: time.Millisecond}, map[string]string{"kv.go": kvSrc("0", "")}, "kv")
	f.startServer("kv")
	saves(b, f, 0, 20)
	before := heap()
	b.ReportAllocs()
	b.ResetTimer()
	saves(b, f, 20, b.N)
	b.StopTimer()
	b.ReportMetric(float64(int64(heap())-int64(before))/float64(b.N), "retained-B/save")
}
