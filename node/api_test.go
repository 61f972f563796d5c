package node

import (
	"errors"
	"testing"
	"time"
)

// echo is a compiled GenServer that answers a call with its request.
type echo struct{}

func (echo) Init(arg any) (any, error) { return arg, nil }
func (echo) HandleCall(req any, _ From, state any) Result {
	return Reply(req, state)
}

// The package-level API acts on the node of the calling process, even while
// other nodes run.
func TestAPIActsOnTheCallersNode(t *testing.T) {
	a, _ := testNode(t)
	b, _ := testNode(t)
	if _, err := b.StartServer(echo{}, nil, Named("echo")); err != nil {
		t.Fatal(err)
	}
	got := make(chan any, 1)
	b.Spawn(func(p *Proc) {
		v, err := Call(Name("echo"), "hi")
		if err != nil {
			got <- err
			return
		}
		self, _ := Self()
		if self != p.Self() {
			got <- "Self is not the calling process"
			return
		}
		got <- v
	})
	if v := <-got; v != "hi" {
		t.Fatalf("Call from a process of b = %v, want hi", v)
	}
	// The same name on a is unknown: the call went to b.
	a.Spawn(func(p *Proc) {
		_, err := Call(Name("echo"), "hi")
		got <- err
	})
	if err, _ := (<-got).(error); !errors.Is(err, ErrNoProc) {
		t.Fatalf("Call from a process of a = %v, want ErrNoProc", err)
	}
}

// Outside any process the API uses the only running node, and refuses with
// ErrNoNode when there is none or several.
func TestAPIOutsideAProcess(t *testing.T) {
	n, _ := testNode(t)
	if _, err := StartServer(echo{}, nil, Named("echo")); err != nil {
		t.Fatalf("StartServer with one node running: %v", err)
	}
	if v, err := Call(Name("echo"), 7); v != 7 || err != nil {
		t.Fatalf("Call = %v, %v; want 7", v, err)
	}
	if _, ok := Whereis("echo"); !ok {
		t.Fatal("Whereis(echo) found nothing on the only node")
	}
	if _, ok := Self(); ok {
		t.Fatal("Self outside a process reported a process")
	}
	if err := Link(PID{}); !errors.Is(err, ErrNotProcess) {
		t.Fatalf("Link outside a process = %v, want ErrNotProcess", err)
	}
	got := make(chan PID, 1)
	AfterFunc(time.Millisecond, func() { self, _ := Self(); got <- self })
	if pid := <-got; pid.IsZero() {
		t.Fatal("AfterFunc did not run f in a process")
	}

	other, _ := testNode(t)
	if _, err := Call(Name("echo"), 7); !errors.Is(err, ErrNoNode) {
		t.Fatalf("Call with two nodes running = %v, want ErrNoNode", err)
	}
	if _, err := Sys().GetState(Name("echo")); !errors.Is(err, ErrNoNode) {
		t.Fatalf("Sys().GetState with two nodes running = %v, want ErrNoNode", err)
	}
	func() {
		defer func() {
			if r := recover(); r != ErrNoNode {
				t.Fatalf("Spawn with two nodes running panicked with %v, want ErrNoNode", r)
			}
		}()
		Spawn(func(*Proc) {})
	}()
	other.Stop()
	n.Stop()
	if err := Cast(Name("echo"), 1); !errors.Is(err, ErrNoNode) {
		t.Fatalf("Cast with no node running = %v, want ErrNoNode", err)
	}
}
