package node

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPIDRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0.117.0", 117, true},
		{"<0.117.0>", 117, true},
		{"#PID<0.117.0>", 117, true},
		{" #PID<0.5.0> ", 5, true},
		{"1.117.0", 0, false},
		{"0.0.0", 0, false},
		{"0.x.0", 0, false},
		{"117", 0, false},
	} {
		pid, err := ParsePID(tc.in)
		if tc.ok != (err == nil) || pid.ID() != tc.want {
			t.Errorf("ParsePID(%q) = %v, %v", tc.in, pid, err)
			continue
		}
		if tc.ok && pid.String() != fmt.Sprintf("#PID<0.%d.0>", tc.want) {
			t.Errorf("String() = %s", pid)
		}
		if !tc.ok && !errors.Is(err, ErrBadPID) {
			t.Errorf("ParsePID(%q) error %v is not ErrBadPID", tc.in, err)
		}
	}
}

func TestNodeName(t *testing.T) {
	n, _ := testNode(t)
	if !strings.HasPrefix(n.Name(), "test@") {
		t.Fatalf("name %q, want test@host", n.Name())
	}
	m, err := Start(Options{Name: "kv@box"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	if m.Name() != "kv@box" {
		t.Fatalf("name %q", m.Name())
	}
}

func TestFullName(t *testing.T) {
	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	for in, want := range map[string]string{"": "node@" + host, "kv": "kv@" + host, "kv@box": "kv@box"} {
		if got := FullName(in); got != want {
			t.Errorf("FullName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSendKeepsOrderPerSender(t *testing.T) {
	n, _ := testNode(t)
	pid, out := inbox(n)
	for i := 0; i < 1000; i++ {
		n.Send(pid, i)
	}
	for i := 0; i < 1000; i++ {
		if m := next(t, out); m != i {
			t.Fatalf("message %d is %v", i, m)
		}
	}
}

func TestRegistry(t *testing.T) {
	n, _ := testNode(t)
	pid, out := inbox(n)
	if err := n.Register("box", pid); err != nil {
		t.Fatal(err)
	}
	if got, ok := n.Whereis("box"); !ok || got != pid {
		t.Fatalf("Whereis = %v %v", got, ok)
	}
	other, _ := inbox(n)
	err := n.Register("box", other)
	var taken *AlreadyStartedError
	if !errors.As(err, &taken) || taken.PID != pid || !errors.Is(err, ErrNameTaken) {
		t.Fatalf("second Register: %v", err)
	}
	n.Send(Name("box"), "hi")
	if m := next(t, out); m != "hi" {
		t.Fatalf("got %v", m)
	}
	n.Unregister("box")
	if _, ok := n.Whereis("box"); ok {
		t.Fatal("still registered")
	}
	if err := n.Send(Name("box"), "x"); !errors.Is(err, ErrNoProc) {
		t.Fatalf("send to unknown name: %v", err)
	}
	// A dead process's name is freed.
	n.Register("gone", other)
	n.Exit(other, Kill)
	eventually(t, "name freed", func() bool { _, ok := n.Whereis("gone"); return !ok })
}

func TestLinksAndExitSignals(t *testing.T) {
	tests := []struct {
		name     string
		reason   any
		trap     bool
		wantDead bool
		wantMsg  bool
	}{
		{"abnormal kills", "crash", false, true, false},
		{"normal spares", Normal, false, false, false},
		{"trapped arrives as message", "crash", true, false, true},
		{"trapped normal arrives too", Normal, true, false, true},
		{"kill from link is trappable", Kill, true, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := testNode(t)
			got := make(chan any, 1)
			ready := make(chan PID)
			watcher := n.Spawn(func(p *Proc) {
				p.TrapExit(tc.trap)
				child := p.SpawnLink(func(c *Proc) {
					c.Receive()
					c.Exit(tc.reason)
				})
				ready <- child
				got <- p.Receive()
				p.Receive()
			})
			child := <-ready
			n.Send(child, "go")
			if tc.wantMsg {
				m := (<-got).(ExitSignal)
				if m.From != child || m.Reason != tc.reason {
					t.Fatalf("got %#v", m)
				}
			}
			if tc.wantDead {
				eventually(t, "watcher dead", func() bool { _, err := n.Info(watcher); return err != nil })
			} else {
				time.Sleep(10 * time.Millisecond)
				if _, err := n.Info(watcher); err != nil {
					t.Fatal("watcher died")
				}
			}
		})
	}
}

func TestExitKillCannotBeTrapped(t *testing.T) {
	n, _ := testNode(t)
	pid, _ := inbox(n) // traps exits
	downs := make(chan any, 1)
	ref := monitorFrom(t, n, pid, downs)
	n.Exit(pid, Kill)
	d := next(t, downs).(Down)
	if d.Ref != ref || d.PID != pid || d.Reason != Killed {
		t.Fatalf("down %#v", d)
	}
}

// monitorFrom makes a new process monitor target and forward its messages to out.
func monitorFrom(t *testing.T, n *Node, target PID, out chan any) Ref {
	refs := make(chan Ref)
	n.Spawn(func(p *Proc) {
		refs <- p.Monitor(target)
		out <- p.Receive()
	})
	return <-refs
}

func TestMonitor(t *testing.T) {
	n, _ := testNode(t)
	out := make(chan any, 4)
	pid := n.Spawn(func(p *Proc) { p.Receive(); panic("oops") })
	ref := monitorFrom(t, n, pid, out)
	n.Send(pid, "go")
	d := next(t, out).(Down)
	pe, ok := d.Reason.(*PanicError)
	if d.Ref != ref || !ok || pe.Value != "oops" {
		t.Fatalf("down %#v", d)
	}
	// Monitoring a dead process gives Down at once.
	monitorFrom(t, n, pid, out)
	if d := next(t, out).(Down); d.PID != pid {
		t.Fatalf("down %#v", d)
	}
}

func TestDemonitor(t *testing.T) {
	n, _ := testNode(t)
	target, _ := inbox(n)
	got := make(chan any, 2)
	demonitored := make(chan struct{})
	n.Spawn(func(p *Proc) {
		ref := p.Monitor(target)
		p.Demonitor(ref)
		close(demonitored)
		m, ok := p.ReceiveTimeout(50 * time.Millisecond)
		got <- fmt.Sprint(m, ok)
	})
	<-demonitored
	n.Exit(target, Kill)
	if m := next(t, got); m != "<nil> false" {
		t.Fatalf("received %v after Demonitor", m)
	}
}

func TestPanicEndsOnlyThatProcess(t *testing.T) {
	n, logs := testNode(t)
	bystander, err := n.StartServer(kv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Call(bystander, putReq{"a", 1})
	victim, _ := n.StartServer(kv{}, nil, Named("victim"))
	_, err = n.Call(victim, panicReq{})
	var ee *ExitError
	if !errors.As(err, &ee) || !errors.Is(err, ErrNoProc) {
		t.Fatalf("call to panicking server: %v", err)
	}
	if pe, ok := ee.Reason.(*PanicError); !ok || pe.Value != "boom" || !strings.Contains(pe.Stack, "HandleCall") {
		t.Fatalf("reason %#v", ee.Reason)
	}
	if v, err := n.Call(bystander, getReq{"a"}); err != nil || v != 1 {
		t.Fatalf("bystander: %v %v", v, err)
	}
	eventually(t, "crash report", func() bool {
		l := logs.String()
		return strings.Contains(l, "process exited") && strings.Contains(l, "boom") &&
			strings.Contains(l, "name=victim") && strings.Contains(l, "stack=")
	})
}

func TestProcessInfo(t *testing.T) {
	n, _ := testNode(t)
	pid, err := n.StartServer(kv{}, nil, Named("kv"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := n.Info(pid)
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "kv" || in.Module != "kv" || in.Kind != "genserver" || in.Status != Waiting || in.Memory <= 0 {
		t.Fatalf("info %+v", in)
	}
	found := false
	for _, p := range n.Processes() {
		found = found || p.PID == pid
	}
	if !found {
		t.Fatal("not in Processes")
	}
	n.Sys().Suspend(pid)
	n.Cast(pid, putReq{"a", 1})
	if in, _ := n.Info(pid); in.Status != Suspended || in.QueueLen != 1 {
		t.Fatalf("suspended info %+v", in)
	}
}

func TestStopIsGracefulAndIdempotent(t *testing.T) {
	n, _ := testNode(t)
	terminated := make(chan any, 2)
	pid, _ := n.StartServer(kv{}, nil)
	n.Sys().ReplaceState(pid, func(s any) any {
		s.(map[string]any)["terminated"] = terminated
		return s
	})
	done := make(chan struct{})
	go func() { n.Stop(); close(done) }()
	n.Stop()
	<-done
	if r := next(t, terminated); r != Shutdown {
		t.Fatalf("Terminate reason %v", r)
	}
	if n.ProcessCount() != 0 {
		t.Fatalf("%d processes left", n.ProcessCount())
	}
	if _, err := n.StartServer(kv{}, nil); !errors.Is(err, ErrNodeStopped) {
		t.Fatalf("start after stop: %v", err)
	}
}

func TestStopFromInsideAProcess(t *testing.T) {
	n, _ := testNode(t)
	n.Spawn(func(p *Proc) {
		p.Receive()
		p.Node().Stop()
		p.Receive()
	})
	pid := n.PIDs()[0]
	start := time.Now()
	n.Send(pid, "stop")
	select {
	case <-n.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("node did not stop")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("stop from inside a process took %v", d)
	}
}

// lateSpawn spawns, on n, which is stopping or stopped, a function that
// is handed a resource (done) and closes it in a defer, and reports
// whether it ran, its first Receive ended it and ran the defer, and its
// process is dead.
func lateSpawn(n *Node) error {
	ran, done := make(chan bool, 2), make(chan struct{})
	pid := n.Spawn(func(p *Proc) {
		defer close(done)
		ran <- p.Node().IsAlive(p.Self())
		p.Receive()
		ran <- true
	})
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		return errors.New("a function spawned while the node stopped did not run its deferred call")
	}
	alive := <-ran
	switch {
	case alive:
		return errors.New("the process of a spawn while the node stopped is alive")
	case len(ran) > 0:
		return errors.New("Receive returned in a process spawned while the node stopped")
	case n.IsAlive(pid):
		return fmt.Errorf("%v is alive", pid)
	}
	return nil
}

func TestSpawnWhileStopping(t *testing.T) {
	n, _ := testNode(t)
	stopping := make(chan error, 1)
	n.Spawn(func(p *Proc) {
		n.Stop() // from a process it returns at once; the stop goes on
		for i := 0; i < 1000 && n.IsAlive(n.Spawn(func(q *Proc) { q.Receive() })); i++ {
			time.Sleep(time.Millisecond) // until the node admits no process
		}
		stopping <- lateSpawn(n)
	})
	if err := <-stopping; err != nil {
		t.Errorf("while stopping: %v", err)
	}
	<-n.Done()
	if err := lateSpawn(n); err != nil {
		t.Errorf("once stopped: %v", err)
	}
}

func TestAs(t *testing.T) {
	n, _ := testNode(t)
	shell, out := inbox(n) // traps exits
	var self PID
	var server PID
	err := n.As(shell, func() {
		self, _ = n.Self()
		server, _ = n.StartLink(kv{}, nil)
	})
	if err != nil || self != shell {
		t.Fatalf("As: self %v, err %v", self, err)
	}
	if _, ok := n.Self(); ok {
		t.Fatal("still a process after As returned")
	}
	in, _ := n.Info(server)
	if in.Parent != shell || len(in.Links) != 1 || in.Links[0] != shell {
		t.Fatalf("server started in As: %+v", in)
	}
	n.Exit(server, "crash")
	if m := next(t, out).(ExitSignal); m.From != server || m.Reason != "crash" {
		t.Fatalf("got %#v", m)
	}
	if err := n.As(PID{}, func() {}); !errors.Is(err, ErrNoProc) {
		t.Fatalf("As of no process: %v", err)
	}
}

func TestIdleServerIsWaiting(t *testing.T) {
	n, _ := testNode(t)
	pid, _ := n.StartServer(kv{}, nil)
	n.Cast(pid, putReq{"a", 1}) // a cast leaves the server's goroutine parked for a while
	n.Call(pid, getReq{"a"})
	// Parked, between messages, the server waits; the goroutine it keeps
	// is an implementation detail. It gives the goroutine up only after
	// idle sweeps (50 ms and more), so look well before that.
	for deadline := time.Now().Add(20 * time.Millisecond); ; time.Sleep(time.Millisecond) {
		in, _ := n.Info(pid)
		if in.Status == Waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle server between messages: status %s", in.Status)
		}
	}
}
