package node

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

type counter struct{}

func (counter) Init(arg any) (any, error) { return 0, nil }
func (counter) HandleCall(req any, _ From, state any) Result {
	return Reply(state, state.(int)+1)
}
func (counter) CodeChange(oldVsn string, state any, extra any) (any, error) {
	return state.(int) + 1000, nil
}

func startNode(tb testing.TB) *Node {
	tb.Helper()
	n, err := Start(Options{Name: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Stop() })
	return n
}

func BenchmarkCall(b *testing.B) {
	b.Run("compiled", func(b *testing.B) {
		n := startNode(b)
		pid, err := n.StartServer(Compiled("counter", counter{}), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := n.Call(pid, i); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}

// BenchmarkIdleProcess measures the memory of an idle GenServer: 100k of
// them, started and left waiting.
func BenchmarkIdleProcess(b *testing.B) {
	const procs = 100_000
	for i := 0; i < b.N; i++ {
		n := startNode(b)
		mod := Compiled("counter", counter{})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for j := 0; j < procs; j++ {
			if _, err := n.StartServer(mod, nil); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(10 * time.Millisecond) // let server goroutines finish their Init
		runtime.GC()
		runtime.ReadMemStats(&after)
		perProc := float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse) / procs
		b.ReportMetric(perProc, "bytes/proc")
		b.StopTimer()
		n.Stop()
		b.StartTimer()
	}
}

func BenchmarkChangeCode(b *testing.B) {
	for _, procs := range []int{1, 1000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			n := startNode(b)
			mod := Compiled("counter", counter{})
			pids := make([]PID, procs)
			for i := range pids {
				pid, err := n.StartServer(mod, nil)
				if err != nil {
					b.Fatal(err)
				}
				pids[i] = pid
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := n.ChangeCodeAll(pids, "counter", "0", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
