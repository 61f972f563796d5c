package node

import (
	"errors"
	"slices"
	"testing"
)

type doubler struct{}

func (doubler) Init(arg any) (any, error) { return arg, nil }
func (doubler) HandleCall(req any, from From, state any) Result {
	return Reply(state, state)
}

func TestPrepareWith(t *testing.T) {
	n, _ := testNode(t)
	mod := Compiled("doubler", doubler{})
	a, _ := n.StartServer(mod, 1)
	b, _ := n.StartServer(mod, 2)
	n.Spawn(func(*Proc) {}) // not a server
	servers := slices.Collect(n.BatchOf(func(m string) bool { return m == "doubler" }, n.timeout).Servers())
	if len(servers) != 2 || servers[0].PID != a && servers[1].PID != a {
		t.Fatalf("BatchOf: %v", servers)
	}
	double := &Callbacks{Vsn: "2", CodeChange: func(old string, st any, _ any) (any, error) { return st.(int) * 2, nil }}
	batch := n.NewBatch([]PID{a, b}, n.timeout)
	if err := batch.PrepareWith(double, "doubler", "1", nil); err != nil {
		t.Fatal(err)
	}
	if err := batch.CommitResume(); err != nil {
		t.Fatal(err)
	}
	if got, _ := n.Call(b, nil); got != 4 {
		t.Fatalf("after commit: %v", got)
	}
	if in, _ := n.Info(b); in.Vsn != "2" {
		t.Fatalf("vsn after commit: %q", in.Vsn)
	}

	fail := &Callbacks{Vsn: "3", CodeChange: func(old string, st any, _ any) (any, error) {
		if st.(int) == 4 {
			return nil, errors.New("no")
		}
		return 0, nil
	}}
	batch = n.NewBatch([]PID{a, b}, n.timeout)
	err := batch.PrepareWith(fail, "doubler", "2", nil)
	var ce *CodeChangeError
	if !errors.As(err, &ce) || ce.PID != b {
		t.Fatalf("a failing CodeChange: %v", err)
	}
	if err := batch.AbortResume(); err != nil {
		t.Fatal(err)
	}
	if got, _ := n.Call(a, nil); got != 2 {
		t.Fatalf("after abort, a has %v; want its old state", got)
	}
}
