package node

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func startKV(t *testing.T, n *Node, opts ...StartOption) PID {
	t.Helper()
	pid, err := n.StartServer(kv{}, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestGenServerCallCastInfo(t *testing.T) {
	n, _ := testNode(t)
	pid := startKV(t, n, Named("kv"))
	if v, err := n.Call(Name("kv"), putReq{"a", 42}); err != nil || v != "ok" {
		t.Fatalf("put: %v %v", v, err)
	}
	if v, _ := n.Call(pid, getReq{"a"}); v != 42 {
		t.Fatalf("get: %v", v)
	}
	n.Cast(pid, putReq{"b", 2})
	n.Send(pid, "hello")
	if v, _ := n.Call(pid, getReq{"b"}); v != 2 {
		t.Fatalf("cast not applied before call: %v", v)
	}
	if v, _ := n.Call(pid, getReq{"info"}); v != "hello" {
		t.Fatalf("info: %v", v)
	}
}

func TestStartErrors(t *testing.T) {
	n, _ := testNode(t)
	_, err := n.StartServer(kv{}, errBadState)
	var ie *InitError
	if !errors.As(err, &ie) || !errors.Is(err, errBadState) {
		t.Fatalf("failing Init: %v", err)
	}
	first := startKV(t, n, Named("one"))
	_, err = n.StartServer(kv{}, nil, Named("one"))
	var taken *AlreadyStartedError
	if !errors.As(err, &taken) || taken.PID != first {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := n.StartServer("nosuch", nil); !errors.Is(err, ErrNoModule) {
		t.Fatalf("unknown module: %v", err)
	}
	if _, err := n.StartServer(42, nil); !errors.Is(err, ErrBadModule) {
		t.Fatalf("bad module: %v", err)
	}
}

func TestCallErrors(t *testing.T) {
	n, _ := testNode(t)
	pid := startKV(t, n)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"unknown name", func() error { _, err := n.Call(Name("nobody"), 1); return err }, ErrNoProc},
		{"dead pid", func() error {
			dead := startKV(t, n)
			n.StopServer(dead, Normal)
			_, err := n.Call(dead, 1)
			return err
		}, ErrNoProc},
		{"timeout on busy server", func() error {
			release := make(chan struct{})
			defer close(release)
			n.Cast(pid, blockReq{release})
			_, err := n.CallTimeout(pid, getReq{"a"}, 20*time.Millisecond)
			return err
		}, ErrTimeout},
		{"server dies while caller waits", func() error {
			victim := startKV(t, n)
			release := make(chan struct{})
			n.Cast(victim, blockReq{release})
			errc := make(chan error)
			go func() { _, err := n.Call(victim, getReq{"a"}); errc <- err }()
			eventually(t, "call queued", func() bool { in, _ := n.Info(victim); return in.QueueLen == 1 })
			n.Exit(victim, Kill)
			err := <-errc
			close(release)
			return err
		}, ErrNoProc},
		{"deferred reply never sent, server stops", func() error {
			victim := startKV(t, n)
			errc := make(chan error)
			go func() { _, err := n.Call(victim, deferReq{}); errc <- err }()
			eventually(t, "call pending", func() bool {
				s, _ := n.Sys().GetState(victim)
				return s != nil && s.(map[string]any)["deferred"] != nil
			})
			n.StopServer(victim, Shutdown)
			return <-errc
		}, ErrNoProc},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDeferredReply(t *testing.T) {
	n, _ := testNode(t)
	pid := startKV(t, n)
	got := make(chan any)
	go func() { v, _ := n.Call(pid, deferReq{}); got <- v }()
	eventually(t, "call pending", func() bool {
		s, _ := n.Sys().GetState(pid)
		return s.(map[string]any)["deferred"] != nil
	})
	n.Cast(pid, "answer")
	if v := next(t, got); v != "later" {
		t.Fatalf("deferred reply %v", v)
	}
}

func TestStopServerRunsTerminate(t *testing.T) {
	n, _ := testNode(t)
	pid := startKV(t, n)
	terminated := make(chan any, 1)
	n.Sys().ReplaceState(pid, func(s any) any { s.(map[string]any)["terminated"] = terminated; return s })
	if v, err := n.Call(pid, "stop"); err != nil || v != "bye" {
		t.Fatalf("stop reply: %v %v", v, err)
	}
	if r := next(t, terminated); r != Normal {
		t.Fatalf("Terminate reason %v", r)
	}
	pid = startKV(t, n)
	n.Sys().ReplaceState(pid, func(s any) any { s.(map[string]any)["terminated"] = terminated; return s })
	if err := n.StopServer(pid, "bored"); err != nil {
		t.Fatal(err)
	}
	if r := next(t, terminated); r != "bored" {
		t.Fatalf("Terminate reason %v", r)
	}
}

func TestSuspendKeepsQueueInOrder(t *testing.T) {
	n, _ := testNode(t)
	pid := startKV(t, n)
	sys := n.Sys()
	if err := sys.Suspend(pid); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		n.Cast(pid, putReq{"last", i})
		n.Cast(pid, putReq{"seen", appendSeen(i)})
	}
	// System messages are served while suspended; others wait.
	state, err := sys.GetState(pid)
	if err != nil || state.(map[string]any)["last"] != nil {
		t.Fatalf("state while suspended: %v %v", state, err)
	}
	if in, _ := n.Info(pid); in.QueueLen != 200 {
		t.Fatalf("queue length %d", in.QueueLen)
	}
	callDone := make(chan any)
	go func() { v, _ := n.Call(pid, getReq{"last"}); callDone <- v }()
	select {
	case v := <-callDone:
		t.Fatalf("call answered while suspended: %v", v)
	case <-time.After(20 * time.Millisecond):
	}
	sys.Resume(pid)
	if v := next(t, callDone); v != 99 {
		t.Fatalf("after resume last = %v, want 99 (queue order)", v)
	}
}

func appendSeen(i int) int { return i }

func TestSysTable(t *testing.T) {
	n, _ := testNode(t)
	sys := n.Sys()
	tests := []struct {
		name  string
		run   func(pid PID) (any, error)
		check func(t *testing.T, pid PID, v any, err error)
	}{
		{"get_state", func(pid PID) (any, error) { return sys.GetState(pid) },
			func(t *testing.T, _ PID, v any, err error) {
				if err != nil || v.(map[string]any)["a"] != 1 {
					t.Fatalf("%v %v", v, err)
				}
			}},
		{"replace_state", func(pid PID) (any, error) {
			return sys.ReplaceState(pid, func(s any) any { return map[string]any{"a": 2} })
		}, func(t *testing.T, pid PID, v any, err error) {
			if got, _ := n.Call(pid, getReq{"a"}); err != nil || got != 2 {
				t.Fatalf("%v %v", got, err)
			}
		}},
		{"replace_state panics, state kept", func(pid PID) (any, error) {
			return sys.ReplaceState(pid, func(s any) any { panic("no") })
		}, func(t *testing.T, pid PID, v any, err error) {
			if got, _ := n.Call(pid, getReq{"a"}); err == nil || got != 1 {
				t.Fatalf("%v %v", got, err)
			}
		}},
		{"get_status", func(pid PID) (any, error) { return sys.GetStatus(pid) },
			func(t *testing.T, pid PID, v any, err error) {
				st := v.(Status)
				// Idle but for answering: waiting, as Info says (issue 9.11).
				if err != nil || st.PID != pid || st.Module != "kv" || st.Status != Waiting || st.State.(map[string]any)["a"] != 1 {
					t.Fatalf("%+v %v", st, err)
				}
			}},
		{"change_code refused unless suspended", func(pid PID) (any, error) {
			return nil, sys.ChangeCode(pid, "kv", "0", nil)
		}, func(t *testing.T, _ PID, _ any, err error) {
			if !errors.Is(err, ErrNotSuspended) {
				t.Fatal(err)
			}
		}},
		{"change_code migrates", func(pid PID) (any, error) {
			sys.Suspend(pid)
			defer sys.Resume(pid)
			return nil, sys.ChangeCode(pid, "KV", "0", nil)
		}, func(t *testing.T, pid PID, _ any, err error) {
			s, _ := sys.GetState(pid)
			if err != nil || s.(map[string]any)["migrated_from"] != "0" || s.(map[string]any)["a"] != 1 {
				t.Fatalf("%v %v", s, err)
			}
		}},
		{"change_code error keeps state", func(pid PID) (any, error) {
			sys.Suspend(pid)
			defer sys.Resume(pid)
			return nil, sys.ChangeCode(pid, "kv", "0", "fail")
		}, func(t *testing.T, pid PID, _ any, err error) {
			s, _ := sys.GetState(pid)
			var cce *CodeChangeError
			if !errors.As(err, &cce) || !errors.Is(err, errBadState) || s.(map[string]any)["migrated_from"] != nil {
				t.Fatalf("%v %v", s, err)
			}
		}},
		{"change_code panic keeps state and process", func(pid PID) (any, error) {
			sys.Suspend(pid)
			defer sys.Resume(pid)
			return nil, sys.ChangeCode(pid, "kv", "0", "panic")
		}, func(t *testing.T, pid PID, _ any, err error) {
			if err == nil || !strings.Contains(err.Error(), "code_change exploded") {
				t.Fatal(err)
			}
			if v, err := n.Call(pid, getReq{"a"}); err != nil || v != 1 {
				t.Fatalf("after failed change: %v %v", v, err)
			}
		}},
		{"change_code wrong module", func(pid PID) (any, error) {
			sys.Suspend(pid)
			defer sys.Resume(pid)
			return nil, sys.ChangeCode(pid, "other", "0", nil)
		}, func(t *testing.T, _ PID, _ any, err error) {
			if err == nil || !strings.Contains(err.Error(), "not other") {
				t.Fatal(err)
			}
		}},
		{"statistics", func(pid PID) (any, error) { return sys.Statistics(pid) },
			func(t *testing.T, _ PID, v any, err error) {
				st := v.(Stats)
				if err != nil || st.In != 1 || st.Out != 1 || st.Start.IsZero() {
					t.Fatalf("%+v %v", st, err)
				}
			}},
		{"log", func(pid PID) (any, error) {
			sys.Log(pid, true, 2)
			n.Call(pid, getReq{"a"})
			return sys.GetLog(pid)
		}, func(t *testing.T, _ PID, v any, err error) {
			ev := v.([]Event)
			if err != nil || len(ev) != 2 || ev[0].Dir != "in" || ev[0].Kind != "call" || ev[1].Dir != "out" || ev[1].Msg != 1 {
				t.Fatalf("%v %v", ev, err)
			}
		}},
		{"trace", func(pid PID) (any, error) {
			var out syncBuffer
			tr := sys.WithOutput(&out)
			tr.Trace(pid, true)
			n.Call(pid, getReq{"a"})
			tr.Trace(pid, false)
			n.Call(pid, getReq{"b"})
			return out.String(), nil
		}, func(t *testing.T, pid PID, v any, err error) {
			out := v.(string)
			if !strings.Contains(out, "*DBG* "+pid.String()+" got call {a}") ||
				!strings.Contains(out, "sent 1, new state") || strings.Contains(out, "{b}") {
				t.Fatalf("trace output %q", out)
			}
		}},
		{"suspend and resume", func(pid PID) (any, error) {
			if err := sys.Suspend(pid); err != nil {
				return nil, err
			}
			in, _ := n.Info(pid)
			sys.Resume(pid)
			return in.Status, nil
		}, func(t *testing.T, pid PID, v any, err error) {
			in, _ := n.Info(pid)
			if err != nil || v != Suspended || in.Status == Suspended {
				t.Fatalf("%v %v %v", v, in.Status, err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pid := startKV(t, n)
			n.Call(pid, putReq{"a", 1})
			v, err := tc.run(pid)
			tc.check(t, pid, v, err)
		})
	}
	if _, err := sys.GetState(Name("nobody")); !errors.Is(err, ErrNoProc) {
		t.Fatalf("sys to unknown: %v", err)
	}
}

func TestSysOnFunctionProcess(t *testing.T) {
	n, _ := testNode(t)
	pid, out := inbox(n)
	sys := n.Sys().WithTimeout(time.Second)
	if _, err := sys.GetState(pid); !errors.Is(err, ErrNotServer) {
		t.Fatalf("get_state: %v", err)
	}
	if err := sys.Suspend(pid); err != nil {
		t.Fatal(err)
	}
	n.Send(pid, "held")
	select {
	case m := <-out:
		t.Fatalf("received %v while suspended", m)
	case <-time.After(20 * time.Millisecond):
	}
	sys.Resume(pid)
	if m := next(t, out); m != "held" {
		t.Fatalf("got %v", m)
	}
	st, err := sys.GetStatus(pid)
	if err != nil || st.Kind != "function" {
		t.Fatalf("%+v %v", st, err)
	}
}

func TestBatchIsAllOrNothing(t *testing.T) {
	n, _ := testNode(t)
	var pids []PID
	for i := 0; i < 50; i++ {
		pid := startKV(t, n)
		n.Call(pid, putReq{"i", i})
		pids = append(pids, pid)
	}
	// One process refuses: nobody changes.
	n.Sys().ReplaceState(pids[17], func(s any) any { s.(map[string]any)["refuse"] = true; return s })
	b, err := n.SuspendAll(pids, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	refusing := Compiled("kv", refuser{})
	_ = refusing
	err = b.Prepare("kv", "0", nil)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	b.Abort()
	b.Resume()
	for _, pid := range pids {
		s, _ := n.Sys().GetState(pid)
		if s.(map[string]any)["migrated_from"] != nil {
			t.Fatalf("%v migrated after Abort", pid)
		}
	}
	// ChangeCodeAll with a failing CodeChange on one process.
	n.Sys().ReplaceState(pids[3], func(s any) any { return map[string]any{"fail": true} })
	failing := pids[3]
	err = n.ChangeCodeAll(pids, "kv", "0", nil)
	if err != nil {
		t.Fatalf("change all: %v", err)
	}
	_ = failing
	for _, pid := range pids {
		s, _ := n.Sys().GetState(pid)
		if s.(map[string]any)["migrated_from"] != "0" {
			t.Fatalf("%v not migrated", pid)
		}
		if in, _ := n.Info(pid); in.Status == Suspended {
			t.Fatalf("%v left suspended", pid)
		}
	}
	err = n.ChangeCodeAll(pids, "kv", "1", "fail")
	if !errors.Is(err, errBadState) {
		t.Fatalf("failing change all: %v", err)
	}
	for _, pid := range pids {
		s, _ := n.Sys().GetState(pid)
		if s.(map[string]any)["migrated_from"] != "0" {
			t.Fatalf("%v changed by a failed batch", pid)
		}
	}
}

type refuser struct{ kv }

func TestTraceToLogger(t *testing.T) {
	n, logs := testNode(t)
	pid := startKV(t, n)
	n.Sys().Trace(pid, true)
	n.Call(pid, getReq{"z"})
	if !strings.Contains(logs.String(), "*DBG*") {
		t.Fatalf("no trace in log: %s", logs)
	}
	_ = bytes.MinRead
}

type exiter struct{ kv }

func (exiter) HandleCast(msg any, state any) Result {
	runtime.Goexit()
	return NoReply(state)
}

func TestGoexitInCallbackEndsTheProcess(t *testing.T) {
	n, _ := testNode(t)
	pid, err := n.StartServer(exiter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bystander := startKV(t, n)
	n.Cast(pid, "bye")
	eventually(t, "process gone", func() bool { return !n.IsAlive(pid) })
	if _, err := n.Call(pid, getReq{"a"}); !errors.Is(err, ErrNoProc) {
		t.Fatalf("call after Goexit: %v", err)
	}
	if _, err := n.Call(bystander, getReq{"a"}); err != nil {
		t.Fatal(err)
	}
}
