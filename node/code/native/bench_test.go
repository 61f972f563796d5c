package native_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/native"
)

// kvSource is the module the benchmarks build: the walkthrough's KV.
const kvSource = "../../../examples/kv/kv.go"

// BenchmarkNativeBuild builds KV natively with Go's build cache warm (the
// runtime already compiled for dynamic linking by an earlier build).
// "edited" is source the toolchain has not seen (a comment changed): what
// a reload of an edited module costs; target ≤ 1.5 s. "empty-cache" is
// the same source into an empty plugin cache; "cached" a build of source
// already in the plugin cache, which opens the plugin.
func BenchmarkNativeBuild(b *testing.B) {
	src := source(b, kvSource)
	warm := native.New(native.Options{CacheDir: cacheDir})
	must[string](b)(warm.Compile(context.Background(), src))
	fresh := func(b *testing.B, edit func(i int) native.Source) {
		i := 0
		for b.Loop() {
			i++
			dir, err := os.MkdirTemp("", "gex-native-bench-")
			if err != nil {
				b.Fatal(err)
			}
			nb := native.New(native.Options{CacheDir: dir})
			must[string](b)(nb.Compile(context.Background(), edit(i)))
			os.RemoveAll(dir)
		}
	}
	b.Run("edited", func(b *testing.B) {
		stamp := time.Now().UnixNano()
		fresh(b, func(i int) native.Source {
			e := src
			f := e.Files[0]
			f.Data = append(bytes.Clone(f.Data), fmt.Sprintf("\n// edit %d-%d\n", stamp, i)...)
			e.Files = []native.File{f}
			return e
		})
	})
	b.Run("empty-cache", func(b *testing.B) {
		fresh(b, func(int) native.Source { return src })
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			must[*native.Version](b)(warm.Build(context.Background(), src))
		}
	})
}

// BenchmarkCall is a GenServer call into KV's native HandleCall through
// the node, one client. Target: ≤ 400 ns.
func BenchmarkCall(b *testing.B) {
	v := build(b, native.New(native.Options{CacheDir: cacheDir}), source(b, kvSource))
	n := startNode(b)
	pid := must[node.PID](b)(n.StartServer(module{"kv", callbacks(b, v)}, nil))
	must[any](b)(n.Call(pid, []any{"put", "a", 42}))
	bench := func(req []any) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Call(pid, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		}
	}
	b.Run("native-get", bench([]any{"get", "a", nil}))
	b.Run("native-put", bench([]any{"put", "a", 42}))
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
