package node

import (
	"errors"
	"sync/atomic"
	"testing"
)

// funcs is a FuncResolver over compiled functions; it counts lookups.
type funcs struct {
	fs      map[string]any
	lookups atomic.Int32
}

func (r *funcs) Module(name string) (Module, error) { return nil, ErrNoModule }
func (r *funcs) Func(module, name string) (any, error) {
	r.lookups.Add(1)
	if f, ok := r.fs[module+"."+name]; ok {
		return f, nil
	}
	return nil, ErrNoModule
}

// A child spec's MFA is looked up at every start and restart, and its
// arguments are passed.
func TestChildMFALookedUpAtEveryStart(t *testing.T) {
	n, _ := testNode(t)
	started := make(chan string, 10)
	r := &funcs{fs: map[string]any{"w.Start": func(tag string) PID {
		return n.SpawnLink(func(p *Proc) { started <- tag; p.Receive() })
	}}}
	sup, err := n.StartSupervisor(SupervisorSpec{Children: []ChildSpec{
		{ID: "w", MFA: MFA{Module: "w", Func: "Start", Args: []any{"a"}}},
	}})
	if !errors.Is(err, ErrNoModule) {
		t.Fatalf("MFA with no FuncResolver: %v, want ErrNoModule", err)
	}
	n.SetResolver(r)
	sup, err = n.StartSupervisor(SupervisorSpec{Children: []ChildSpec{
		{ID: "w", MFA: MFA{Module: "w", Func: "Start", Args: []any{"a"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if tag := <-started; tag != "a" {
		t.Fatalf("started with %q", tag)
	}
	cs, _ := n.WhichChildren(sup)
	n.Exit(cs[0].PID, "crash")
	<-started
	if got := r.lookups.Load(); got != 2 {
		t.Fatalf("%d lookups for a start and a restart, want 2", got)
	}
}
