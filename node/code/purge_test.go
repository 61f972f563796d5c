package code_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// loopSrc is a module whose Start spawns a process that stays in the
// version that spawned it.
const loopSrc = `package loop

import "github.com/gexdev/gex/node"

const Vsn = %q

// Start spawns a process that runs this version's code until told to stop.
func Start() node.PID {
	return node.Spawn(func(p *node.Proc) {
		for p.Receive() != "stop" {
		}
	})
}
`

// exitOf returns a channel that receives the exit reason of pid.
func exitOf(t *testing.T, n *node.Node, pid node.PID) <-chan any {
	t.Helper()
	ch := make(chan any, 1)
	monitoring := make(chan struct{})
	n.Spawn(func(p *node.Proc) {
		p.Monitor(pid)
		close(monitoring)
		ch <- p.Receive().(node.Down).Reason
	})
	<-monitoring
	return ch
}

func alive(n *node.Node, pid node.PID) bool {
	_, err := n.Info(pid)
	return err == nil
}

// fn returns the exported function name of module mod, as importers see it.
func fn[F any](t testing.TB, s *code.Server, mod, name string) F {
	t.Helper()
	v, ok := s.Exports()[mod+"/"+mod][name]
	if !ok {
		t.Fatalf("%s.%s not exported", mod, name)
	}
	f, ok := v.Interface().(F)
	if !ok {
		t.Fatalf("%s.%s is %v", mod, name, v.Type())
	}
	return f
}

func TestTwoVersions(t *testing.T) { forTiers(t, testTwoVersions) }

func testTwoVersions(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, _ := startTier(t, tier)
	load := func(vsn string) *code.LoadResult {
		t.Helper()
		return must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "loop.go", fmt.Sprintf(loopSrc, vsn))))
	}

	load("1")
	start := fn[func() node.PID](t, s, "loop", "Start")
	p1 := start()
	if in, err := n.Info(p1); err != nil || in.Module != "loop" || in.Vsn != "1" {
		t.Fatalf("process info of a process spawned by loop vsn 1: %+v, %v", in, err)
	}
	exit1 := exitOf(t, n, p1)

	res := load("2")
	if res.Replaced == nil || res.Replaced.Vsn != "1" || res.Purged != nil || len(res.Killed) != 0 {
		t.Fatalf("second load: %+v", res)
	}
	if !alive(n, p1) {
		t.Fatal("a process of the old version died on the second load")
	}
	var lerr *code.LingeringError
	if err := s.SoftPurge("loop"); !errors.As(err, &lerr) || !errors.Is(err, code.ErrLingering) ||
		!slices.Equal(lerr.PIDs, []node.PID{p1}) || lerr.Vsn != "1" {
		t.Fatalf("SoftPurge with a lingering process: %v", err)
	}
	if in, _ := s.Info("loop"); in.Vsn != "2" || in.OldVsn != "1" {
		t.Fatalf("after refused soft purge: %+v", in)
	}
	p2 := start() // through the stub: version 2 spawns it

	res = load("3")
	if res.Purged == nil || res.Purged.Vsn != "1" || !slices.Equal(res.Killed, []node.PID{p1}) {
		t.Fatalf("third load: purged %+v, killed %v", res.Purged, res.Killed)
	}
	select {
	case reason := <-exit1:
		if reason != node.Killed {
			t.Fatalf("purged process exited with %v, want killed", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("purged process still alive")
	}
	if !alive(n, p2) {
		t.Fatal("a process of vsn 2 (now old) died on the third load")
	}

	killed, err := s.Purge("loop")
	if err != nil || !slices.Equal(killed, []node.PID{p2}) || alive(n, p2) {
		t.Fatalf("Purge = %v, %v; p2 alive %v", killed, err, alive(n, p2))
	}
	p3 := start()
	if err := s.SoftPurge("loop"); err != nil {
		t.Fatalf("SoftPurge without old code: %v", err)
	}
	n.Send(p3, "stop")
	for deadline := time.Now().Add(5 * time.Second); alive(n, p3); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("p3 did not stop")
		}
	}
	load("4")
	if err := s.SoftPurge("loop"); err != nil {
		t.Fatalf("SoftPurge after the old version's processes ended: %v", err)
	}
	if in, _ := s.Info("loop"); in.OldVsn != "" {
		t.Fatalf("old code after soft purge: %+v", in)
	}
}

func TestDelete(t *testing.T) { forTiers(t, testDelete) }

func testDelete(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, _ := startTier(t, tier)
	path := write(t, dir, "kv.go", kvSrc("0", ""))
	must[*code.LoadResult](t)(s.LoadFile(path))
	pid := must[node.PID](t)(n.StartServer("kv", nil))

	if err := s.Delete("KV"); err != nil {
		t.Fatal(err)
	}
	if s.IsLoaded("kv") || len(s.AllLoaded()) != 0 {
		t.Fatal("deleted module still loaded")
	}
	if _, err := s.Info("kv"); !errors.Is(err, code.ErrNotLoaded) {
		t.Fatalf("Info of deleted module: %v", err)
	}
	if err := s.Delete("kv"); !errors.Is(err, code.ErrNotLoaded) {
		t.Fatalf("second Delete: %v", err)
	}
	// The module's GenServer fails at its next message, as on BEAM after
	// code:delete; the caller gets an error, not a hang.
	if _, err := n.Call(pid, []any{"get", "a", nil}); err == nil {
		t.Fatal("call to a GenServer of a deleted module succeeded")
	}

	res := must[*code.LoadResult](t)(s.LoadFile(path))
	if res.Replaced != nil || res.Purged != nil || res.Module.OldVsn != "0" {
		t.Fatalf("load after delete: %+v", res)
	}
	if err := s.Delete("kv"); !errors.Is(err, code.ErrOldCode) {
		t.Fatalf("Delete with old code: %v", err)
	}
	if _, err := s.Purge("kv"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("kv"); err != nil {
		t.Fatalf("Delete after purge: %v", err)
	}
	if _, err := s.Purge("nosuch"); !errors.Is(err, code.ErrNotLoaded) {
		t.Fatalf("Purge of an unknown module: %v", err)
	}
}

// TestPurgeRestartsSupervisedProcesses: a process killed by a purge is
// restarted by its supervisor, on the current code.
func TestPurgeRestartsSupervisedProcesses(t *testing.T) {
	forTiers(t, testPurgeRestartsSupervisedProcesses)
}

func testPurgeRestartsSupervisedProcesses(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, _ := startTier(t, tier)
	load := func(vsn string) *code.LoadResult {
		t.Helper()
		return must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "loop.go", fmt.Sprintf(loopSrc, vsn))))
	}
	load("1")
	start := fn[func() node.PID](t, s, "loop", "Start")
	sup := must[node.PID](t)(n.StartSupervisor(node.SupervisorSpec{
		Strategy: node.OneForOne,
		Children: []node.ChildSpec{{ID: "loop", Start: func() (node.PID, error) { return start(), nil }}},
	}))
	child := func() node.PID {
		t.Helper()
		cs := must[[]node.ChildInfo](t)(n.WhichChildren(sup))
		return cs[0].PID
	}
	p1 := child()
	load("2")
	res := load("3")
	if !slices.Equal(res.Killed, []node.PID{p1}) {
		t.Fatalf("killed %v, want [%v]", res.Killed, p1)
	}
	deadline := time.Now().Add(5 * time.Second)
	for child() == p1 || child().IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("the supervisor did not restart the killed child")
		}
		time.Sleep(time.Millisecond)
	}
	if in, err := n.Info(child()); err != nil || in.Vsn != "3" {
		t.Fatalf("restarted child: %+v, %v", in, err)
	}
}
