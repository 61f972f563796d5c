package release

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
)

// TestCallsDuringUpgrades has clients call the DemoServers throughout
// upgrades and downgrades: every call succeeds, and every addition is in
// the final state, so none was lost.
func TestCallsDuringUpgrades(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
	h, n := p.boot("0.1.0")
	const servers, clients = 20, 8
	var pids []node.PID
	for i := range servers {
		pids = append(pids, startDemo(t, h, map[string]any{"name": fmt.Sprint(i), "money": 0}))
	}
	var stop atomic.Bool
	var calls [servers]atomic.Int64
	var longest atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; !stop.Load(); i++ {
				k := i % servers
				start := time.Now()
				if _, err := n.Call(pids[k], []any{"add", 1}); err != nil {
					errs <- err
					return
				}
				calls[k].Add(1)
				if d := int64(time.Since(start)); d > longest.Load() {
					longest.Store(d)
				}
			}
		}()
	}
	for i := range 6 {
		var err error
		if i%2 == 0 {
			_, err = h.Upgrade("0.2.0", Options{})
		} else {
			_, err = h.Downgrade("0.1.0", Options{})
		}
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a call during the upgrades failed: %v", err)
	}
	for k, pid := range pids {
		if got, want := getState(t, n, pid)["money"], int(calls[k].Load()); got != want {
			t.Fatalf("server %d: money %v, %d calls succeeded", k, got, want)
		}
	}
	t.Logf("longest call during the upgrades: %v", time.Duration(longest.Load()))
}

// BenchmarkUpgrade is an upgrade (or downgrade, alternately) migrating
// procs processes, end to end on a live node: verifying and unpacking the
// tarball, reading and checking the relup, compiling, suspending, running
// every CodeChange, switching and resuming.
func BenchmarkUpgrade(b *testing.B) {
	for _, procs := range []int{1, 1000, 10000} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			t := &testing.T{}
			p := &project{t: t, root: b.TempDir(), src: b.TempDir(), name: "hotcode"}
			m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
			n, err := node.Start(node.Options{Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			defer n.Stop()
			h, err := bootFor(p, n)
			if err != nil {
				b.Fatal(err)
			}
			for i := range procs {
				if _, err := h.start.call("demoserver", "StartLink", []any{map[string]any{"name": fmt.Sprint(i), "money": i}}); err != nil {
					b.Fatal(err)
				}
			}
			var suspended time.Duration
			b.ResetTimer()
			for i := range b.N {
				var rep *Report
				if i%2 == 0 {
					rep, err = h.Upgrade("0.2.0", Options{})
				} else {
					rep, err = h.Downgrade("0.1.0", Options{})
				}
				if err != nil {
					b.Fatal(err)
				}
				suspended += rep.Suspended
			}
			b.ReportMetric(float64(suspended.Microseconds())/float64(b.N)/1000, "ms-suspended/op")
		})
	}
}

// BenchmarkCallDuringUpgrade measures, as max-call-ms, the longest call a
// client waited for while upgrades (and downgrades) migrated the 1000
// DemoServers it calls.
func BenchmarkCallDuringUpgrade(b *testing.B) {
	t := &testing.T{}
	p := &project{t: t, root: b.TempDir(), src: b.TempDir(), name: "hotcode"}
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
	n, err := node.Start(node.Options{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Stop()
	h, err := bootFor(p, n)
	if err != nil {
		b.Fatal(err)
	}
	var pids []node.PID
	for i := range 1000 {
		pid, err := h.start.call("demoserver", "StartLink", []any{map[string]any{"name": fmt.Sprint(i), "money": 0}})
		if err != nil {
			b.Fatal(err)
		}
		pids = append(pids, pid)
	}
	var stop atomic.Bool
	var longest atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; !stop.Load(); i++ {
				start := time.Now()
				if _, err := n.Call(pids[i%len(pids)], []any{"add", 1}); err != nil {
					failed.Add(1)
				}
				if d := int64(time.Since(start)); d > longest.Load() {
					longest.Store(d)
				}
			}
		}()
	}
	time.Sleep(10 * time.Millisecond)
	longest.Store(0)
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			_, err = h.Upgrade("0.2.0", Options{})
		} else {
			_, err = h.Downgrade("0.1.0", Options{})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	stop.Store(true)
	wg.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d calls failed during the upgrades", failed.Load())
	}
	b.ReportMetric(float64(longest.Load())/1e6, "max-call-ms")
}
