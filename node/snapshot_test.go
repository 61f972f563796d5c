package node

import (
	"errors"
	"reflect"
	"testing"
)

// A cyclic state is copied as a cycle: the copy of a map that holds itself
// holds itself, and so for slices and pointers; shared parts stay shared.
func TestSnapshotKeepsCycles(t *testing.T) {
	m := map[string]any{"a": 1}
	m["m"] = m
	s := []any{nil, "x"}
	s[0] = s
	type node struct {
		next *node
		Next *node
	}
	p := &node{}
	p.Next = p
	shared := []int{1, 2}
	v, err := snapshot([]any{m, s, p, shared, shared})
	if err != nil {
		t.Fatal(err)
	}
	got := v.([]any)
	cm := got[0].(map[string]any)
	if reflect.ValueOf(cm).Pointer() == reflect.ValueOf(m).Pointer() {
		t.Fatal("the map was shared, not copied")
	}
	if reflect.ValueOf(cm["m"]).Pointer() != reflect.ValueOf(cm).Pointer() || cm["a"] != 1 {
		t.Fatalf("copy of a map holding itself: %v", cm)
	}
	cs := got[1].([]any)
	if &cs[0] == &s[0] || &cs[0].([]any)[0] != &cs[0] || cs[1] != "x" {
		t.Fatal("copy of a slice holding itself is not a slice holding itself")
	}
	cp := got[2].(*node)
	if cp == p || cp.Next != cp {
		t.Fatal("copy of a pointer cycle is not a cycle")
	}
	a, b := got[3].([]int), got[4].([]int)
	if &a[0] == &shared[0] || &a[0] != &b[0] {
		t.Fatal("a slice held twice is not one copy held twice")
	}
}

// A state nested deeper than the bound is refused with ErrTooDeep, however
// deep it is; one at the bound is copied.
func TestSnapshotBoundsDepth(t *testing.T) {
	type chain struct{ Next *chain }
	var deep *chain
	for range 3_000_000 {
		deep = &chain{Next: deep}
	}
	if _, err := snapshot(deep); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("3M-deep pointer chain: err %v, want ErrTooDeep", err)
	}
	var list any
	for range 100_000 {
		list = []any{list}
	}
	if _, err := snapshot(list); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("100k-deep list: err %v, want ErrTooDeep", err)
	}
	var ok *chain
	for range maxCopyDepth / 2 {
		ok = &chain{Next: ok}
	}
	if _, err := snapshot(ok); err != nil {
		t.Fatalf("a chain of %d: %v", maxCopyDepth/2, err)
	}
}

// Through sys, a cyclic state is shown and a too deep one refused; the
// server lives on and keeps its state.
func TestSysCyclicAndDeepState(t *testing.T) {
	n, _ := testNode(t)
	pid, err := n.StartServer(echo{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sys := n.Sys()
	m := map[string]any{}
	m["m"] = m
	if _, err := sys.ReplaceState(pid, func(any) any { return m }); err != nil {
		t.Fatal(err)
	}
	st, err := sys.GetState(pid)
	if err != nil {
		t.Fatal(err)
	}
	if cm := st.(map[string]any); reflect.ValueOf(cm["m"]).Pointer() != reflect.ValueOf(cm).Pointer() {
		t.Fatal("get_state of a cyclic map is not a cyclic map")
	}
	if _, err := sys.GetStatus(pid); err != nil {
		t.Fatal(err)
	}

	var deep any
	for range 3 * maxCopyDepth {
		deep = []any{deep}
	}
	if _, err := sys.ReplaceState(pid, func(any) any { return deep }); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("replace_state with a too deep state: err %v, want ErrTooDeep", err)
	}
	st, err = sys.GetState(pid) // refused above: still the cyclic map
	if _, ok := st.(map[string]any); err != nil || !ok {
		t.Fatalf("state after a refused replace_state: %v, %v", st, err)
	}
	if _, err := n.Call(pid, "ping"); err != nil {
		t.Fatal("server died:", err)
	}

	// A server that made such a state itself: get_state and get_status
	// say so, and the server lives on.
	holder, err := n.StartServer(setter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Call(holder, deep); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.GetState(holder); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("get_state of a too deep state: err %v, want ErrTooDeep", err)
	}
	if _, err := sys.GetStatus(holder); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("get_status of a too deep state: err %v, want ErrTooDeep", err)
	}
	if _, err := n.Call(holder, 1); err != nil {
		t.Fatal("server died:", err)
	}
}

// setter is a GenServer whose state becomes each call's request.
type setter struct{}

func (setter) Init(arg any) (any, error)                { return arg, nil }
func (setter) HandleCall(req any, _ From, _ any) Result { return Reply(nil, req) }
