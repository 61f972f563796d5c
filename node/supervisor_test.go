package node

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// supNode starts a node whose crash reports are dropped: the tests below
// crash children on purpose.
func supNode(t *testing.T) *Node {
	t.Helper()
	n, err := Start(Options{Name: "sup", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n
}

// supLog records what children do, in order, across goroutines.
type supLog struct {
	mu     sync.Mutex
	events []string
}

func (l *supLog) add(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// take returns the events so far and forgets them.
func (l *supLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

// supWorker is a child GenServer: its state counts "inc" calls, and it
// logs its Init and Terminate.
type supWorker struct {
	id          string
	log         *supLog
	block       <-chan struct{} // if set, Terminate waits for it to close
	onTerminate func()
}

func (w *supWorker) Init(any) (any, error) {
	w.log.add("init " + w.id)
	return 0, nil
}

func (w *supWorker) HandleCall(req any, _ From, state any) Result {
	n := state.(int)
	if req == "inc" {
		n++
	}
	return Reply(n, n)
}

func (w *supWorker) Terminate(reason, _ any) {
	w.log.add("terminate " + w.id)
	if w.onTerminate != nil {
		w.onTerminate()
	}
	if w.block != nil {
		<-w.block
	}
}

func workerSpec(n *Node, id string, log *supLog) ChildSpec {
	return ChildSpec{ID: id, Start: func() (PID, error) { return n.StartLink(&supWorker{id: id, log: log}, nil) }}
}

// supWait polls cond until it holds, failing the test after 5 s.
func supWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// supChildren returns the PIDs of sup's children by ID.
func supChildren(t *testing.T, n *Node, sup Dest) map[string]PID {
	t.Helper()
	infos, err := n.WhichChildren(sup)
	if err != nil {
		t.Fatalf("WhichChildren: %v", err)
	}
	out := make(map[string]PID, len(infos))
	for _, c := range infos {
		out[c.ID] = c.PID
	}
	return out
}

// supReplaced waits until sup has handled the exit of child id's process
// old: the child then has another PID, zero, or is gone.
func supReplaced(t *testing.T, n *Node, sup Dest, id string, old PID) (PID, bool) {
	t.Helper()
	var pid PID
	var present bool
	supWait(t, "the supervisor to handle the exit of "+id, func() bool {
		pid, present = supChildren(t, n, sup)[id]
		return pid != old
	})
	return pid, present
}

// supWatch monitors pid from a process of its own and delivers its exit
// reason on the channel returned.
func supWatch(t *testing.T, n *Node, pid PID) <-chan any {
	t.Helper()
	ready, down := make(chan struct{}), make(chan any, 1)
	n.Spawn(func(p *Proc) {
		ref := p.Monitor(pid)
		close(ready)
		for {
			if d, ok := p.Receive().(Down); ok && d.Ref == ref {
				down <- d.Reason
				return
			}
		}
	})
	<-ready
	return down
}

func supAwait(t *testing.T, ch <-chan any) any {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for an exit")
		return nil
	}
}

func supCall(t *testing.T, n *Node, pid PID, req string) int {
	t.Helper()
	v, err := n.Call(pid, req)
	if err != nil {
		t.Fatalf("call %v: %v", pid, err)
	}
	return v.(int)
}

func supStart(t *testing.T, n *Node, spec SupervisorSpec, opts ...StartOption) PID {
	t.Helper()
	pid, err := n.StartSupervisor(spec, opts...)
	if err != nil {
		t.Fatalf("StartSupervisor: %v", err)
	}
	return pid
}

func TestSupervisorStrategies(t *testing.T) {
	tests := []struct {
		strategy  Strategy
		crash     string
		restarted []string
		events    []string
	}{
		{OneForOne, "b", []string{"b"}, []string{"terminate b", "init b"}},
		{OneForAll, "b", []string{"a", "b", "c"},
			[]string{"terminate b", "terminate c", "terminate a", "init a", "init b", "init c"}},
		{OneForAll, "c", []string{"a", "b", "c"},
			[]string{"terminate c", "terminate b", "terminate a", "init a", "init b", "init c"}},
		{RestForOne, "b", []string{"b", "c"}, []string{"terminate b", "terminate c", "init b", "init c"}},
		{RestForOne, "a", []string{"a", "b", "c"},
			[]string{"terminate a", "terminate c", "terminate b", "init a", "init b", "init c"}},
		{RestForOne, "c", []string{"c"}, []string{"terminate c", "init c"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/crash_%s", tt.strategy, tt.crash), func(t *testing.T) {
			n := supNode(t)
			log := &supLog{}
			sup := supStart(t, n, SupervisorSpec{Strategy: tt.strategy, Children: []ChildSpec{
				workerSpec(n, "a", log), workerSpec(n, "b", log), workerSpec(n, "c", log),
			}})
			if got, want := log.take(), []string{"init a", "init b", "init c"}; !slices.Equal(got, want) {
				t.Fatalf("start: %q, want %q", got, want)
			}
			before := supChildren(t, n, sup)
			for _, pid := range before {
				supCall(t, n, pid, "inc")
			}

			n.Exit(before[tt.crash], "boom")
			supReplaced(t, n, sup, tt.crash, before[tt.crash])

			if got := log.take(); !slices.Equal(got, tt.events) {
				t.Errorf("events: %q, want %q", got, tt.events)
			}
			after := supChildren(t, n, sup)
			for id, old := range before {
				pid := after[id]
				if slices.Contains(tt.restarted, id) {
					if pid.IsZero() || pid == old {
						t.Errorf("%s: PID %v after restart, was %v", id, pid, old)
					}
					if got := supCall(t, n, pid, "get"); got != 0 {
						t.Errorf("%s: restarted with state %d, want 0", id, got)
					}
					continue
				}
				if pid != old {
					t.Errorf("%s: PID %v, want untouched %v", id, pid, old)
				}
				if got := supCall(t, n, pid, "get"); got != 1 {
					t.Errorf("%s: state %d, want 1 (kept)", id, got)
				}
			}
		})
	}
}

func TestSupervisorRestartTypes(t *testing.T) {
	exits := []struct {
		name   string
		reason any
	}{
		{"normal", Normal},
		{"shutdown", Shutdown},
		{"shutdown_detail", ShutdownReason{Detail: "done"}},
		{"abnormal", "boom"},
		{"killed", Kill},
	}
	for _, restart := range []RestartType{Permanent, Transient, Temporary} {
		for _, exit := range exits {
			t.Run(restart.String()+"/"+exit.name, func(t *testing.T) {
				abnormal := !IsNormal(exit.reason)
				wantRestart := restart == Permanent || (restart == Transient && abnormal)
				wantKept := restart != Temporary

				n := supNode(t)
				log := &supLog{}
				spec := workerSpec(n, "w", log)
				spec.Restart = restart
				sup := supStart(t, n, SupervisorSpec{
					MaxRestarts: 10,
					Children:    []ChildSpec{workerSpec(n, "other", log), spec},
				})
				before := supChildren(t, n, sup)
				old := before["w"]
				if exit.reason == Kill {
					n.Exit(old, Kill)
				} else if err := n.StopServer(old, exit.reason); err != nil {
					t.Fatal(err)
				}
				pid, present := supReplaced(t, n, sup, "w", old)

				if present != wantKept {
					t.Errorf("spec kept = %v, want %v", present, wantKept)
				}
				if restarted := !pid.IsZero(); restarted != wantRestart {
					t.Errorf("restarted = %v (PID %v), want %v", restarted, pid, wantRestart)
				}
				if got := supChildren(t, n, sup)["other"]; got != before["other"] {
					t.Errorf("other child: PID %v, want untouched %v", got, before["other"])
				}
			})
		}
	}
}

// TestSupervisorMaxRestarts: one restart too many makes the supervisor stop
// its other children and exit; the process that started it, linked, sees
// the exit signal.
func TestSupervisorMaxRestarts(t *testing.T) {
	n := supNode(t)
	log := &supLog{}
	started := make(chan PID, 1)
	exited := make(chan ExitSignal, 1)
	n.Spawn(func(p *Proc) {
		p.TrapExit(true)
		sup, err := n.StartSupervisor(SupervisorSpec{MaxRestarts: 2, Period: time.Minute, Children: []ChildSpec{
			workerSpec(n, "steady", log), workerSpec(n, "flaky", log),
		}})
		if err != nil {
			t.Error(err)
		}
		started <- sup
		for {
			if sig, ok := p.Receive().(ExitSignal); ok && sig.From == sup {
				exited <- sig
				return
			}
		}
	})
	sup := <-started
	if sup.IsZero() {
		t.FailNow()
	}
	steady := supChildren(t, n, sup)["steady"]
	steadyDown := supWatch(t, n, steady)

	for i := 0; i < 2; i++ {
		old := supChildren(t, n, sup)["flaky"]
		n.Exit(old, Kill)
		if pid, _ := supReplaced(t, n, sup, "flaky", old); pid.IsZero() {
			t.Fatalf("restart %d: flaky not restarted", i+1)
		}
	}
	log.take()
	supDown := supWatch(t, n, sup)
	n.Exit(supChildren(t, n, sup)["flaky"], Kill)

	var sig ExitSignal
	select {
	case sig = <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("parent got no exit signal from the supervisor")
	}
	reason, _ := sig.Reason.(error)
	var mre *MaxRestartsError
	if !errors.Is(reason, ErrMaxRestarts) || !errors.As(reason, &mre) {
		t.Fatalf("supervisor exit reason %v, want a *MaxRestartsError", sig.Reason)
	}
	if mre.Child != "flaky" || mre.Reason != Killed || mre.MaxRestarts != 2 {
		t.Errorf("MaxRestartsError = %+v", mre)
	}
	if got := supAwait(t, supDown); got != sig.Reason {
		t.Errorf("supervisor Down reason %v, want %v", got, sig.Reason)
	}
	if got := supAwait(t, steadyDown); got != Shutdown {
		t.Errorf("steady child exit reason %v, want %v", got, Shutdown)
	}
	if got, want := log.take(), []string{"terminate steady"}; !slices.Equal(got, want) {
		t.Errorf("events: %q, want %q", got, want)
	}
}

// TestSupervisorIntensityWindow checks the restart count against the
// period with made-up times.
func TestSupervisorIntensityWindow(t *testing.T) {
	s := &supervisor{max: 2, period: time.Second}
	t0 := time.Now()
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true},
		{400 * time.Millisecond, true},
		{800 * time.Millisecond, false}, // a third within 1 s
		{2 * time.Second, true},         // the earlier ones aged out
		{2500 * time.Millisecond, true},
		{2900 * time.Millisecond, false},
	}
	for _, st := range steps {
		if got := s.addRestart(t0.Add(st.at)); got != st.want {
			t.Errorf("restart at +%v: within intensity = %v, want %v", st.at, got, st.want)
		}
	}
	none := &supervisor{max: -1, period: time.Second}
	if none.addRestart(t0) {
		t.Error("MaxRestarts < 0 allowed a restart")
	}
}

// flakyStart is a Start function that fails while fail says so.
func flakyStart(n *Node, id string, log *supLog, fail func(call int) bool, calls *atomic.Int32) func() (PID, error) {
	return func() (PID, error) {
		if fail(int(calls.Add(1))) {
			return PID{}, errFlaky
		}
		return n.StartLink(&supWorker{id: id, log: log}, nil)
	}
}

var errFlaky = errors.New("flaky start")

func TestSupervisorRestartStartFails(t *testing.T) {
	t.Run("recovers", func(t *testing.T) {
		n := supNode(t)
		var calls atomic.Int32
		fail := func(call int) bool { return call == 2 || call == 3 } // the first two restarts fail
		sup := supStart(t, n, SupervisorSpec{MaxRestarts: 3, Children: []ChildSpec{
			{ID: "w", Start: flakyStart(n, "w", &supLog{}, fail, &calls)},
		}})
		old := supChildren(t, n, sup)["w"]
		n.Exit(old, "boom")
		supWait(t, "the restart to succeed", func() bool {
			pid := supChildren(t, n, sup)["w"]
			return !pid.IsZero() && pid != old
		})
		if got := calls.Load(); got != 4 {
			t.Errorf("Start called %d times, want 4", got)
		}
	})
	t.Run("gives_up", func(t *testing.T) {
		n := supNode(t)
		var calls atomic.Int32
		fail := func(call int) bool { return call > 1 }
		sup := supStart(t, n, SupervisorSpec{MaxRestarts: 3, Children: []ChildSpec{
			{ID: "w", Start: flakyStart(n, "w", &supLog{}, fail, &calls)},
		}})
		down := supWatch(t, n, sup)
		n.Exit(supChildren(t, n, sup)["w"], "boom")
		reason, _ := supAwait(t, down).(error)
		var mre *MaxRestartsError
		if !errors.As(reason, &mre) || !errors.Is(reason, errFlaky) || mre.Child != "w" {
			t.Fatalf("supervisor exit reason %v, want max restarts after failed starts", reason)
		}
		// The first start, then three failed restarts; the fourth exceeds.
		if got := calls.Load(); got != 4 {
			t.Errorf("Start called %d times, want 4", got)
		}
	})
}

func TestSupervisorStartFailure(t *testing.T) {
	n := supNode(t)
	log := &supLog{}
	var aPID PID
	a := workerSpec(n, "a", log)
	startA := a.Start
	a.Start = func() (PID, error) {
		pid, err := startA()
		aPID = pid
		return pid, err
	}
	failing := []struct {
		name  string
		start func() (PID, error)
		want  error
	}{
		{"error", func() (PID, error) { return PID{}, errFlaky }, errFlaky},
		{"panic", func() (PID, error) { panic(errFlaky) }, errFlaky},
		{"init_error", func() (PID, error) {
			return n.StartLink(Compiled("bad", failingInit{}), nil)
		}, errFlaky},
	}
	for _, f := range failing {
		t.Run(f.name, func(t *testing.T) {
			_, err := n.StartSupervisor(SupervisorSpec{Children: []ChildSpec{
				a, {ID: "b", Start: f.start}, workerSpec(n, "c", log),
			}})
			var ie *InitError
			var ce *ChildError
			if !errors.As(err, &ie) || !errors.As(err, &ce) || ce.ID != "b" || !errors.Is(err, f.want) {
				t.Fatalf("StartSupervisor error %v, want an InitError for child b wrapping %v", err, f.want)
			}
			if got, want := log.take(), []string{"init a", "terminate a"}; !slices.Equal(got, want) {
				t.Errorf("events: %q, want %q", got, want)
			}
			if _, err := n.Info(aPID); !errors.Is(err, ErrNoProc) {
				t.Errorf("child a still alive after the failed start: %v", err)
			}
		})
	}

	bad := []struct {
		name string
		spec SupervisorSpec
		want error
	}{
		{"no_id", SupervisorSpec{Children: []ChildSpec{{Start: a.Start}}}, ErrBadSpec},
		{"no_start", SupervisorSpec{Children: []ChildSpec{{ID: "x"}}}, ErrBadSpec},
		{"duplicate", SupervisorSpec{Children: []ChildSpec{a, a}}, ErrChildExists},
		{"strategy", SupervisorSpec{Strategy: RestForOne + 1}, ErrBadSpec},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			before := n.ProcessCount()
			if _, err := n.StartSupervisor(b.spec); !errors.Is(err, b.want) {
				t.Errorf("StartSupervisor error %v, want %v", err, b.want)
			}
			if got := n.ProcessCount(); got != before {
				t.Errorf("%d processes after a rejected spec, want %d", got, before)
			}
		})
	}
}

type failingInit struct{}

func (failingInit) Init(any) (any, error) { return nil, errFlaky }

// TestSupervisorShutdownOrder: stopping a supervision tree, by Node.Stop or
// by stopping the top supervisor, runs Terminate children before parents,
// each supervisor's children newest first, while their parent still lives.
func TestSupervisorShutdownOrder(t *testing.T) {
	for _, how := range []string{"node_stop", "stop_server"} {
		t.Run(how, func(t *testing.T) {
			n := supNode(t)
			log := &supLog{}
			var inner atomic.Value // PID of the inner supervisor
			worker := func(id string, check func()) ChildSpec {
				return ChildSpec{ID: id, Start: func() (PID, error) {
					w := &supWorker{id: id, log: log, onTerminate: func() {
						parentAlive(n, log, id)
						if check != nil {
							check()
						}
					}}
					return n.StartLink(w, nil)
				}}
			}
			innerSpec := SupervisorSpec{Children: []ChildSpec{worker("w2", nil), worker("w3", nil)}}
			top := supStart(t, n, SupervisorSpec{Children: []ChildSpec{
				worker("w1", func() {
					if _, err := n.Info(inner.Load().(PID)); err == nil {
						log.add("inner supervisor alive when w1 stops")
					}
				}),
				{ID: "inner", Type: Supervisor, Start: func() (PID, error) { return n.StartSupervisor(innerSpec) }},
				worker("w4", nil),
			}})
			inner.Store(supChildren(t, n, top)["inner"])
			log.take()

			switch how {
			case "node_stop":
				n.Stop()
			case "stop_server":
				if err := n.StopServer(top, Shutdown); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{"terminate w4", "terminate w3", "terminate w2", "terminate w1"}
			if got := log.take(); !slices.Equal(got, want) {
				t.Errorf("terminate order: %q, want %q", got, want)
			}
		})
	}
}

// parentAlive logs, from a child's Terminate, if the child's parent is gone.
func parentAlive(n *Node, log *supLog, id string) {
	self, _ := n.Self()
	info, err := n.Info(self)
	if err != nil {
		log.add(id + ": no process info")
		return
	}
	if _, err := n.Info(info.Parent); err != nil {
		log.add(id + ": parent gone before the child stopped")
	}
}

func TestSupervisorShutdown(t *testing.T) {
	tests := []struct {
		name          string
		shutdown      time.Duration
		blocks        bool
		wantReason    any
		wantTerminate bool
	}{
		{"in_time", 0, false, Shutdown, true},
		{"timeout_kills", 20 * time.Millisecond, true, Killed, true},
		{"brutal_kill", BrutalKill, false, Killed, false},
		{"infinity", Infinity, false, Shutdown, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := supNode(t)
			block := make(chan struct{})
			t.Cleanup(func() { close(block) }) // before the node stops: frees a stuck Terminate
			log := &supLog{}
			w := &supWorker{id: "w", log: log}
			if tt.blocks {
				w.block = block
			}
			sup := supStart(t, n, SupervisorSpec{Children: []ChildSpec{{
				ID: "w", Shutdown: tt.shutdown, Start: func() (PID, error) { return n.StartLink(w, nil) },
			}}})
			down := supWatch(t, n, supChildren(t, n, sup)["w"])
			log.take()

			if err := n.TerminateChild(sup, "w"); err != nil {
				t.Fatal(err)
			}
			if got := supAwait(t, down); got != tt.wantReason {
				t.Errorf("child exit reason %v, want %v", got, tt.wantReason)
			}
			if got := slices.Contains(log.take(), "terminate w"); got != tt.wantTerminate {
				t.Errorf("Terminate ran = %v, want %v", got, tt.wantTerminate)
			}
			if pid := supChildren(t, n, sup)["w"]; !pid.IsZero() {
				t.Errorf("terminated child has PID %v", pid)
			}
		})
	}
}

func TestSupervisorManagement(t *testing.T) {
	n := supNode(t)
	log := &supLog{}
	sup := supStart(t, n, SupervisorSpec{Children: []ChildSpec{workerSpec(n, "a", log)}}, Named("Sup"))
	a := supChildren(t, n, sup)["a"]
	stranger, err := n.StartServer(&supWorker{id: "stranger", log: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b PID

	isChildErr := func(target error, id string) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			t.Helper()
			var ce *ChildError
			if !errors.Is(err, target) || !errors.As(err, &ce) || ce.ID != id {
				t.Fatalf("error %v, want a ChildError for %q wrapping %v", err, id, target)
			}
		}
	}
	ok := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	is := func(target error) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			t.Helper()
			if !errors.Is(err, target) {
				t.Fatalf("error %v, want %v", err, target)
			}
		}
	}
	steps := []struct {
		name  string
		do    func() error
		check func(t *testing.T, err error)
	}{
		{"start existing", func() error { _, err := n.StartChild(sup, workerSpec(n, "a", log)); return err },
			isChildErr(ErrChildExists, "a")},
		{"start new", func() (err error) { b, err = n.StartChild(Name("Sup"), workerSpec(n, "b", log)); return err }, ok},
		{"start failing", func() error {
			_, err := n.StartChild(sup, ChildSpec{ID: "f", Start: func() (PID, error) { return PID{}, errFlaky }})
			return err
		}, isChildErr(errFlaky, "f")},
		{"start bad spec", func() error { _, err := n.StartChild(sup, ChildSpec{ID: "nostart"}); return err },
			isChildErr(ErrBadSpec, "nostart")},
		{"restart running", func() error { _, err := n.RestartChild(sup, "a"); return err }, isChildErr(ErrChildRunning, "a")},
		{"delete running", func() error { return n.DeleteChild(sup, "a") }, isChildErr(ErrChildRunning, "a")},
		{"terminate unknown", func() error { return n.TerminateChild(sup, "x") }, isChildErr(ErrNoChild, "x")},
		{"restart unknown", func() error { _, err := n.RestartChild(sup, "x"); return err }, isChildErr(ErrNoChild, "x")},
		{"delete unknown", func() error { return n.DeleteChild(sup, "x") }, isChildErr(ErrNoChild, "x")},
		{"terminate", func() error { return n.TerminateChild(sup, "a") }, ok},
		{"terminate again", func() error { return n.TerminateChild(sup, "a") }, ok},
		{"counts", func() error {
			return wantCounts(n, sup, ChildCounts{Specs: 2, Active: 1, Workers: 2})
		}, ok},
		{"restart", func() error {
			pid, err := n.RestartChild(sup, "a")
			if err == nil && (pid.IsZero() || pid == a) {
				err = fmt.Errorf("restarted PID %v, was %v", pid, a)
			}
			return err
		}, ok},
		{"terminate and delete", func() error {
			return errors.Join(n.TerminateChild(sup, "a"), n.DeleteChild(sup, "a"))
		}, ok},
		{"deleted", func() error { return n.TerminateChild(sup, "a") }, isChildErr(ErrNoChild, "a")},
		{"temporary forgotten on terminate", func() error {
			spec := workerSpec(n, "t", log)
			spec.Restart = Temporary
			_, err := n.StartChild(sup, spec)
			return errors.Join(err, n.TerminateChild(sup, "t"), n.DeleteChild(sup, "t"))
		}, isChildErr(ErrNoChild, "t")},
		{"child supervisor", func() error {
			_, err := n.StartChild(sup, ChildSpec{ID: "s", Type: Supervisor, Start: func() (PID, error) {
				return n.StartSupervisor(SupervisorSpec{})
			}})
			return errors.Join(err, wantCounts(n, sup, ChildCounts{Specs: 2, Active: 2, Supervisors: 1, Workers: 1}))
		}, ok},
		{"not a supervisor", func() error { _, err := n.WhichChildren(stranger); return err }, is(ErrNotSupervisor)},
		{"no process", func() error { _, err := n.CountChildren(Name("nobody")); return err }, is(ErrNoProc)},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) { st.check(t, st.do()) })
	}

	infos, err := n.WhichChildren(sup)
	if err != nil {
		t.Fatal(err)
	}
	want := []ChildInfo{
		{ID: "b", PID: b, Type: Worker, Modules: []string{"supworker"}},
		{ID: "s", PID: infos[len(infos)-1].PID, Type: Supervisor, Modules: []string{"supervisor"}},
	}
	if fmt.Sprint(infos) != fmt.Sprint(want) || infos[1].PID.IsZero() {
		t.Errorf("WhichChildren = %v, want %v", infos, want)
	}
	// A supervisor's status shows its children.
	st, err := n.Sys().GetStatus(sup)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(st.State) != fmt.Sprint(infos) || st.Module != "supervisor" {
		t.Errorf("status: module %q, state %v; want supervisor, %v", st.Module, st.State, infos)
	}
}

func wantCounts(n *Node, sup PID, want ChildCounts) error {
	got, err := n.CountChildren(sup)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("CountChildren = %+v, want %+v", got, want)
	}
	return nil
}

// TestSupervisorChildKinds: children started unlinked get linked; spawned
// functions are supervised like servers; a Start that ignores keeps the spec
// with no process (a temporary one is dropped).
func TestSupervisorChildKinds(t *testing.T) {
	n := supNode(t)
	log := &supLog{}
	loop := func(p *Proc) {
		for {
			p.Receive()
		}
	}
	sup := supStart(t, n, SupervisorSpec{Children: []ChildSpec{
		{ID: "unlinked", Start: func() (PID, error) { return n.StartServer(&supWorker{id: "u", log: log}, nil) }},
		{ID: "func", Start: func() (PID, error) { return n.SpawnLink(loop), nil }},
		{ID: "func_unlinked", Start: func() (PID, error) { return n.Spawn(loop), nil }},
		{ID: "ignored", Start: func() (PID, error) { return PID{}, nil }},
		{ID: "ignored_temp", Restart: Temporary, Start: func() (PID, error) { return PID{}, nil }},
	}})
	children := supChildren(t, n, sup)
	if _, ok := children["ignored_temp"]; ok {
		t.Error("ignored temporary child kept")
	}
	if pid, ok := children["ignored"]; !ok || !pid.IsZero() {
		t.Errorf("ignored child: PID %v, present %v; want zero PID, kept", pid, ok)
	}
	info, err := n.Info(sup)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"unlinked", "func", "func_unlinked"} {
		old := children[id]
		if !slices.Contains(info.Links, old) {
			t.Errorf("%s (%v) not linked to the supervisor: links %v", id, old, info.Links)
		}
		n.Exit(old, "boom")
		if pid, _ := supReplaced(t, n, sup, id, old); pid.IsZero() {
			t.Errorf("%s not restarted", id)
		}
	}
	pid := supChildren(t, n, sup)["func"]
	down := supWatch(t, n, pid)
	if err := n.TerminateChild(sup, "func"); err != nil {
		t.Fatal(err)
	}
	if got := supAwait(t, down); got != Shutdown {
		t.Errorf("function child exit reason %v, want %v", got, Shutdown)
	}
}

// TestSupervisorExits: exit signals from processes other than children and
// the parent are ignored, as OTP's supervisor does; killing the supervisor
// takes its children with it.
func TestSupervisorExits(t *testing.T) {
	n := supNode(t)
	log := &supLog{}
	sup := supStart(t, n, SupervisorSpec{Children: []ChildSpec{workerSpec(n, "a", log)}})
	a := supChildren(t, n, sup)["a"]
	n.Exit(sup, "boom")
	n.Send(sup, "hello")
	if got := supChildren(t, n, sup)["a"]; got != a {
		t.Fatalf("child a: PID %v, want %v", got, a)
	}
	down := supWatch(t, n, a)
	n.Exit(sup, Kill)
	if got := supAwait(t, down); got != Killed {
		t.Errorf("child exit reason %v, want %v", got, Killed)
	}
}

// TestSupervisorGroupRestartRetry: when a child of a group restart fails to
// start, the children after it wait; the retry restarts the group from the
// failed child, as OTP's try_again_restart does.
func TestSupervisorGroupRestartRetry(t *testing.T) {
	n := supNode(t)
	log := &supLog{}
	var calls atomic.Int32
	fail := func(call int) bool { return call == 2 } // b's first restart fails
	sup := supStart(t, n, SupervisorSpec{Strategy: RestForOne, Children: []ChildSpec{
		workerSpec(n, "a", log),
		{ID: "b", Start: flakyStart(n, "b", log, fail, &calls)},
		workerSpec(n, "c", log),
	}})
	before := supChildren(t, n, sup)
	log.take()
	n.Exit(before["a"], "boom")
	supWait(t, "the group to restart", func() bool {
		now := supChildren(t, n, sup)
		for id, old := range before {
			if now[id].IsZero() || now[id] == old {
				return false
			}
		}
		return true
	})
	want := []string{"terminate a", "terminate c", "terminate b", "init a", "init b", "init c"}
	if got := log.take(); !slices.Equal(got, want) {
		t.Errorf("events: %q, want %q", got, want)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("b started %d times, want 3 (start, failed restart, retry)", got)
	}
}

// TestSupervisorOneForAllDropsTemporary: a group restart stops temporary
// children and forgets them, as OTP's terminate_children does.
func TestSupervisorOneForAllDropsTemporary(t *testing.T) {
	n := supNode(t)
	log := &supLog{}
	temp := workerSpec(n, "t", log)
	temp.Restart = Temporary
	sup := supStart(t, n, SupervisorSpec{Strategy: OneForAll, Children: []ChildSpec{
		workerSpec(n, "a", log), temp,
	}})
	old := supChildren(t, n, sup)["a"]
	n.Exit(old, "boom")
	supReplaced(t, n, sup, "a", old)
	if got, want := supChildren(t, n, sup), []string{"a"}; len(got) != 1 || got["a"].IsZero() {
		t.Errorf("children %v, want only %q running", got, want)
	}
}
