package code_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// BenchmarkTierUp is `r KV` with tier-up on, up to the first call
// answered by the native version: the interpreted load, the native build
// of source Go's build cache has not seen (the plugin link), the switch
// and one call.
func BenchmarkTierUp(b *testing.B) {
	dir := b.TempDir()
	n, s, events := startTierUp(b)
	kv := readFile("../../examples/kv/kv.go")
	write(b, dir, "kv.go", kv)
	s.AddPath(dir)
	must[*code.LoadResult](b)(s.Load("KV"))
	nextEvent(b, events)
	must[node.PID](b)(n.StartServer("kv", nil, node.Named("KV")))
	stamp := time.Now().UnixNano()
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		write(b, dir, "kv.go", kv+fmt.Sprintf("\n// edit %d-%d\n", stamp, i)) // source the toolchain has not seen
		b.StartTimer()
		must[*code.LoadResult](b)(s.Reload("KV"))
		if ev := nextEvent(b, events); ev.Err != nil || ev.Module.Tier != code.Native {
			b.Fatalf("tier-up: %+v", ev)
		}
		must[any](b)(n.Call(node.Name("KV"), []any{"get", "a", nil}))
	}
}

// BenchmarkTierUpMemory reloads KV 100 times with tier-up on, each time
// new source, and reports what stays: the address space the plugins of
// the purged native versions keep mapped (they are never unmapped,
// golang/go#20461) and the Go heap retained, per cycle.
func BenchmarkTierUpMemory(b *testing.B) {
	const cycles = 100
	dir := b.TempDir()
	n, s, events := startTierUp(b)
	kv := readFile("../../examples/kv/kv.go")
	write(b, dir, "kv.go", kv)
	s.AddPath(dir)
	must[*code.LoadResult](b)(s.Load("KV"))
	nextEvent(b, events)
	must[node.PID](b)(n.StartServer("kv", nil, node.Named("KV")))
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	stamp := time.Now().UnixNano()
	var mapped, retained float64
	for b.Loop() {
		before, mapBefore := heap(), must[code.ModuleInfo](b)(s.Info("kv")).Mapped
		for i := range cycles {
			write(b, dir, "kv.go", kv+fmt.Sprintf("\n// edit %d-%d\n", stamp, i))
			must[*code.LoadResult](b)(s.Reload("KV"))
			if ev := nextEvent(b, events); ev.Err != nil {
				b.Fatal(ev.Err)
			}
		}
		must[any](b)(n.Call(node.Name("KV"), []any{"get", "a", nil}))
		mapped = float64(must[code.ModuleInfo](b)(s.Info("kv")).Mapped-mapBefore) / cycles
		retained = (float64(heap()) - float64(before)) / cycles
	}
	b.ReportMetric(mapped, "mapped-bytes/cycle")
	b.ReportMetric(retained, "heap-bytes/cycle")
}
