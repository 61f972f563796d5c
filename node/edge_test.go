package node

import (
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// rvMod is a Module built from bare callbacks, for edge-case tests.
type rvMod struct {
	name string
	cb   Callbacks
}

func (m *rvMod) Name() string          { return m.name }
func (m *rvMod) Callbacks() *Callbacks { return &m.cb }

// waitIdle waits until pid holds no goroutine, so that a Call claims it.
func waitIdle(t *testing.T, n *Node, pid PID) {
	t.Helper()
	eventually(t, "server idle", func() bool {
		in, err := n.Info(pid)
		return err == nil && in.Status == Waiting && in.QueueLen == 0
	})
}

// A call that runs the callback on the caller's goroutine and gets
// NoReply still waits no longer than its timeout.
func TestDeferredCallOnIdleServerTimesOut(t *testing.T) {
	n, _ := testNode(t)
	pid := startKV(t, n)
	waitIdle(t, n, pid)
	done := make(chan error, 1)
	go func() {
		_, err := n.CallTimeout(pid, deferReq{}, 50*time.Millisecond)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("want timeout, got %v", err)
		}
	case <-time.After(2 * time.Second):
		n.Cast(pid, "answer") // unblock the caller
		<-done
		t.Fatal("CallTimeout(50ms) on a deferred call still waiting after 2s")
	}
}

// A callback that answers with From.Reply and then panics must not
// answer a later call that reuses the same pooled call record.
func TestPanicAfterReplyAnswersNoOtherCall(t *testing.T) {
	n, _ := testNode(t)
	for iter := 0; iter < 30; iter++ {
		relCast := make(chan struct{})
		relPanic := make(chan struct{})
		replied := make(chan struct{})
		x, err := n.StartServer(&rvMod{name: "rp", cb: Callbacks{
			HandleCast: func(msg any, st any) Result { <-msg.(chan struct{}); return NoReply(st) },
			HandleCall: func(req any, from From, st any) Result {
				from.Reply("ok")
				close(replied)
				<-relPanic
				panic("after reply")
			},
		}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		y := startKV(t, n)
		relY := make(chan struct{})
		n.Cast(y, blockReq{relY})
		eventually(t, "y busy", func() bool { in, _ := n.Info(y); return in.QueueLen == 0 })
		n.Cast(x, relCast) // x busy: the call below is queued, served by x's goroutine

		got := make(chan error, 1)
		go func() {
			if _, err := n.Call(x, "rp"); err != nil {
				got <- err
				return
			}
			// Same goroutine, next call: the pool hands back the same record.
			_, err := n.CallTimeout(y, getReq{"a"}, 500*time.Millisecond)
			got <- err
		}()
		close(relCast)
		<-replied
		eventually(t, "call to y queued", func() bool {
			in, _ := n.Info(y)
			return in.QueueLen == 1
		})
		close(relPanic)
		time.Sleep(5 * time.Millisecond)
		close(relY)
		if err := <-got; err != nil {
			var ee *ExitError
			if errors.As(err, &ee) && ee.PID == x {
				t.Fatalf("iteration %d: call to %v answered with the exit of %v: %v", iter, y, x, err)
			}
			t.Fatalf("unexpected error: %v", err)
		}
		n.StopServer(y, Normal)
	}
}

// Long timeouts are counted on the node's idle sweeps; when the node
// stops, and its sweeps with it, a waiting caller still gets its timeout.
func TestLongTimeoutEndsAfterStop(t *testing.T) {
	n, _ := testNode(t)
	relCast := make(chan struct{})
	stuck := make(chan struct{})
	defer close(stuck)
	inCall := make(chan struct{})
	pid, err := n.StartServer(&rvMod{name: "stuck", cb: Callbacks{
		HandleCast: func(msg any, st any) Result { <-relCast; return NoReply(st) },
		HandleCall: func(req any, from From, st any) Result { close(inCall); <-stuck; return Reply(nil, st) },
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Cast(pid, "block")
	eventually(t, "cast taken", func() bool { in, _ := n.Info(pid); return in.QueueLen == 0 })
	done := make(chan error, 1)
	go func() { _, err := n.CallTimeout(pid, "x", 3*time.Second); done <- err }()
	eventually(t, "call queued", func() bool { in, _ := n.Info(pid); return in.QueueLen == 1 })
	close(relCast)
	<-inCall
	n.Stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("CallTimeout(3s) still waiting 5s after the node stopped")
	}
}

// A long timeout ends when the clock says, not at whatever sweep comes
// next.
func TestLongTimeoutKeepsToTheClock(t *testing.T) {
	n, err := Start(Options{Name: "t", Logger: slog.New(slog.DiscardHandler), IdleTimeout: 4 * time.Second, ShutdownTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	rel := make(chan struct{})
	defer close(rel)
	pid, err := n.StartServer(kv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Cast(pid, blockReq{rel})
	start := time.Now()
	_, err = n.CallTimeout(pid, getReq{"a"}, time.Second)
	if el := time.Since(start); !errors.Is(err, ErrTimeout) || el < 900*time.Millisecond || el > 1500*time.Millisecond {
		t.Fatalf("CallTimeout(1s) returned %v after %v", err, el)
	}
}

// A server is visible (by PID or name) only once its Init is queued and
// it is owned: no call or cast runs ahead of Init.
func TestNothingRunsBeforeInit(t *testing.T) {
	n, _ := testNode(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if p := n.lookup(PID{id: n.nextPID.Load()}); p != nil {
					n.Cast(p.pid, putReq{"k", 1})
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	for i := 0; i < 500; i++ {
		pid, err := n.StartServer(kv{}, nil)
		if err != nil {
			t.Fatalf("iteration %d: start failed: %v", i, err)
		}
		n.StopServer(pid, Normal)
	}
}

// Info while Init runs is not a data race.
func TestInfoWhileInitRuns(t *testing.T) {
	n, _ := testNode(t)
	rel := make(chan struct{})
	go func() {
		n.StartServer(&rvMod{name: "slow", cb: Callbacks{Vsn: "1",
			Init: func(arg any) (any, error) { <-rel; return 0, nil }}}, nil)
	}()
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
		for _, in := range n.Processes() {
			_ = in.Vsn
		}
	}
	close(rel)
}

// Linking from a process that has already exited (code still running
// after it was killed, here a supervisor's child Start) signals the other
// process, which would otherwise be orphaned.
func TestLinkFromDeadProcessSignals(t *testing.T) {
	n, _ := testNode(t)
	sup, err := n.StartSupervisor(SupervisorSpec{})
	if err != nil {
		t.Fatal(err)
	}
	rel := make(chan struct{})
	inStart := make(chan struct{})
	res := make(chan PID, 1)
	go func() {
		pid, _ := n.StartChild(sup, ChildSpec{ID: "c", Start: func() (PID, error) {
			close(inStart)
			<-rel
			return n.StartLink(kv{}, nil)
		}})
		res <- pid
	}()
	<-inStart
	n.Exit(sup, Kill)
	eventually(t, "supervisor dead", func() bool { return !n.IsAlive(sup) })
	close(rel)
	child := <-res
	if child.IsZero() {
		t.Fatal("no child")
	}
	eventually(t, "child of killed supervisor to exit", func() bool { return !n.IsAlive(child) })
}

// A monitor that fired is forgotten by the node.
func TestMonitorsOfDeadTargetAreForgotten(t *testing.T) {
	n, _ := testNode(t)
	w, out := inbox(n)
	target := startKV(t, n)
	var ref Ref
	n.As(w, func() { ref, _ = n.Monitor(target) })
	n.StopServer(target, Normal)
	if d, ok := next(t, out).(Down); !ok || d.Ref != ref {
		t.Fatalf("want Down, got %v", d)
	}
	if _, ok := n.monitored.Load(ref.id); ok {
		t.Fatal("n.monitored still holds the monitor of a dead process")
	}
}

// A watcher's monitors are removed from their targets when it exits.
func TestMonitorsOfDeadWatcherAreForgotten(t *testing.T) {
	n, _ := testNode(t)
	target := startKV(t, n)
	for i := 0; i < 3; i++ {
		w := n.Spawn(func(p *Proc) { p.Monitor(target) })
		eventually(t, "watcher exit", func() bool { return !n.IsAlive(w) })
	}
	in, _ := n.Info(target)
	if in.Monitors != 0 {
		t.Fatalf("target reports %d monitors, all watchers are dead", in.Monitors)
	}
}

// A server killed while a callback runs does not run Terminate when that
// callback returns a stop.
func TestKilledServerSkipsTerminate(t *testing.T) {
	n, _ := testNode(t)
	rel := make(chan struct{})
	in := make(chan struct{})
	terminated := make(chan any, 1)
	pid, err := n.StartServer(&rvMod{name: "k", cb: Callbacks{
		HandleCast: func(msg any, st any) Result { close(in); <-rel; return StopWith(Normal, st) },
		Terminate:  func(reason any, st any) { terminated <- reason },
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Cast(pid, "go")
	<-in
	n.Exit(pid, Kill)
	close(rel)
	select {
	case r := <-terminated:
		t.Fatalf("Terminate(%v) ran for a killed process", r)
	case <-time.After(200 * time.Millisecond):
	}
}

// The deferred calls of a server killed while its goroutine is busy fail
// at once with ExitError, not at their timeout.
func TestKilledBusyServerFailsDeferredCalls(t *testing.T) {
	n, _ := testNode(t)
	pid := startKV(t, n)
	r1, r2 := make(chan struct{}), make(chan struct{})
	defer close(r2)
	n.Cast(pid, blockReq{r1})
	eventually(t, "cast taken", func() bool { in, _ := n.Info(pid); return in.QueueLen == 0 })
	done := make(chan error, 1)
	go func() { _, err := n.CallTimeout(pid, deferReq{}, 3*time.Second); done <- err }()
	eventually(t, "call queued", func() bool { in, _ := n.Info(pid); return in.QueueLen == 1 })
	n.Cast(pid, blockReq{r2})
	close(r1)
	eventually(t, "deferred", func() bool { in, _ := n.Info(pid); return in.QueueLen == 0 })
	n.Exit(pid, Kill)
	select {
	case err := <-done:
		if errors.Is(err, ErrTimeout) {
			t.Fatalf("caller of killed server got %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("caller of a killed server still waiting 1s after the kill")
	}
}
