package code_test

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// BenchmarkReload is `r KV`: recompile examples/kv from its file and load
// it into a node where the KV server runs. Target: ≤ 5 ms (BEAM: 22 ms).
func BenchmarkReload(b *testing.B) {
	dir := b.TempDir()
	n, s, _ := start(b, code.Options{Stderr: io.Discard})
	must[*code.LoadResult](b)(s.LoadFile(copyFile(b, "../../examples/kv/kv.go", dir, "kv.go")))
	must[node.PID](b)(n.StartServer("kv", nil, node.Named("KV")))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Reload("KV"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCall is a GenServer call to the KV module, interpreted then
// native, one client. Targets: interpreted ≤ 2 µs; native ≤ 400 ns.
func BenchmarkCall(b *testing.B) {
	dir := b.TempDir()
	n, s, _ := start(b, code.Options{Stderr: io.Discard, Native: builder})
	must[*code.LoadResult](b)(s.LoadFile(copyFile(b, "../../examples/kv/kv.go", dir, "kv.go")))
	must[node.PID](b)(n.StartServer("kv", nil, node.Named("KV")))
	kv := node.Name("KV")
	must[any](b)(n.Call(kv, []any{"put", "a", 42}))

	bench := func(req []any) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Call(kv, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		}
	}
	b.Run("interpreted-get", bench([]any{"get", "a", nil}))
	b.Run("interpreted-put", bench([]any{"put", "a", 42}))

	// The same calls through the module's client functions, as a console
	// or another module makes them: stub, interpreted Get, node.Call.
	get := fn[func(any) (any, error)](b, s, "kv", "Get")
	viaClient := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := get("a"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	}
	b.Run("interpreted-get-via-client", viaClient)

	// The same server after the native version of the same source is
	// loaded: its next message runs compiled code. Target: ≤ 400 ns.
	src := must[*code.Source](b)(code.ReadSource(filepath.Join(dir, "kv.go")))
	must[*code.LoadResult](b)(s.Install(must[*code.Object](b)(s.CompileNative(context.Background(), src))))
	b.Run("native-get", bench([]any{"get", "a", nil}))
	b.Run("native-put", bench([]any{"put", "a", 42}))
	b.Run("native-get-via-client", viaClient)
}

// BenchmarkReloadMemory loads a new version of KV 1,000 times, migrating
// its servers to each (suspend, load, code change, resume) and reports the
// heap retained per cycle once purged versions are collected. Target:
// ≤ 1,024 bytes/cycle: nothing grows with the number of reloads.
func BenchmarkReloadMemory(b *testing.B) {
	const cycles, servers = 1000, 10
	dir := b.TempDir()
	n, s, _ := start(b, code.Options{Stderr: io.Discard})
	srcs := [2]string{readFile("../../examples/kv/kv.go"), readFile("../../examples/kv/v1/kv.go")}
	path := write(b, dir, "kv.go", srcs[0])
	must[*code.LoadResult](b)(s.LoadFile(path))
	var pids []node.PID
	for i := range servers {
		pid := must[node.PID](b)(n.StartServer("kv", nil))
		must[any](b)(n.Call(pid, []any{"put", i, i}))
		pids = append(pids, pid)
	}
	cycle := func(i int) {
		batch, err := n.SuspendAll(pids, 5*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		write(b, dir, "kv.go", srcs[i%2])
		res, err := s.Reload("kv")
		if err != nil {
			b.Fatal(err)
		}
		if err := batch.Prepare("kv", res.Replaced.Vsn, nil); err != nil {
			b.Fatal(err)
		}
		if err := batch.Commit(); err != nil {
			b.Fatal(err)
		}
		if err := batch.Resume(); err != nil {
			b.Fatal(err)
		}
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for i := range 20 { // warm caches that are allocated once
		cycle(i)
	}
	var perCycle float64
	for b.Loop() {
		before := heap()
		for i := range cycles {
			cycle(i)
		}
		after := heap()
		perCycle = (float64(after) - float64(before)) / cycles
	}
	for i, pid := range pids {
		if v := must[any](b)(n.Call(pid, []any{"get", i, nil})); v != i {
			b.Fatalf("server %d lost its state: %v", i, v)
		}
	}
	b.ReportMetric(perCycle, "bytes/cycle")
}
