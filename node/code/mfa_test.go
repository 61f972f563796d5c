package code_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// supSrc is a module that supervises its own worker, whose child spec
// names its start as an MFA.
const supSrc = `package worker

import "github.com/gexdev/gex/node"

const Vsn = %q

// StartSup starts the supervisor, registered as WorkerSup.
func StartSup() (node.PID, error) {
	return node.StartSupervisor(node.SupervisorSpec{Children: []node.ChildSpec{
		{ID: "loop", MFA: node.MFA{Module: "worker", Func: "StartLoop", Args: []any{"tag"}}},
	}}, node.Named("WorkerSup"))
}

// StartLoop spawns the worker, linked to the supervisor.
func StartLoop(tag string) (node.PID, error) {
	return node.SpawnLink(func(p *node.Proc) { loop(p, tag) }), nil
}

// loop answers a PID with this version and the tag it started with.
func loop(p *node.Proc, tag string) {
	for {
		if from, ok := p.Receive().(node.PID); ok {
			node.Send(from, Vsn+":"+tag)
		}
	}
}
`

// TestSupervisedChildMFA: a module's supervised child, started by MFA,
// survives two reloads and a purge and is restarted on current code (issue
// 9.9: a Start closure restarted it through purged code, which killed it
// at once, until its supervisor gave up).
func TestSupervisedChildMFA(t *testing.T) { forTiers(t, testSupervisedChildMFA) }

func testSupervisedChildMFA(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, _ := startTier(t, tier)
	load := func(vsn string) *code.LoadResult {
		t.Helper()
		return must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "worker.go", fmt.Sprintf(supSrc, vsn))))
	}
	// child returns the supervisor's running child, waiting for a restart.
	child := func(not node.PID) node.PID {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for {
			cs, err := n.WhichChildren(node.Name("WorkerSup"))
			if err != nil {
				t.Fatal(err)
			}
			if pid := cs[0].PID; !pid.IsZero() && pid != not && alive(n, pid) {
				return pid
			}
			if time.Now().After(deadline) {
				t.Fatalf("the supervisor did not restart its child: %+v", cs)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// answer asks the child which code it runs.
	answer := func(pid node.PID) string {
		t.Helper()
		got := make(chan any, 1)
		n.Spawn(func(p *node.Proc) {
			n.Send(pid, p.Self())
			got <- p.Receive()
		})
		select {
		case v := <-got:
			return v.(string)
		case <-time.After(2 * time.Second):
			t.Fatalf("child %v does not answer", pid)
			return ""
		}
	}

	load("1")
	sup := must[node.PID](t)(fn[func() (node.PID, error)](t, s, "worker", "StartSup")())
	c1 := child(node.PID{})
	if got := answer(c1); got != "1:tag" {
		t.Fatalf("first child runs %q, want 1:tag", got)
	}

	// Reload: the child keeps running version 1; a restart runs version 2.
	load("2")
	if got := answer(c1); got != "1:tag" {
		t.Fatalf("after a reload the child runs %q, want 1:tag", got)
	}
	must[any](t)(nil, n.Exit(c1, "crash"))
	c2 := child(c1)
	if got := answer(c2); got != "2:tag" {
		t.Fatalf("restarted after a reload, the child runs %q, want 2:tag", got)
	}

	// Second reload: version 1 is purged (nothing runs it now); version 2,
	// which the child runs, is old. Purging it kills the child, and the
	// supervisor restarts it on version 3.
	load("3")
	if got := answer(c2); got != "2:tag" {
		t.Fatalf("after a second reload the child runs %q, want 2:tag", got)
	}
	killed := must[[]node.PID](t)(s.Purge("worker"))
	if len(killed) != 1 || killed[0] != c2 {
		t.Fatalf("purge killed %v, want [%v]", killed, c2)
	}
	c3 := child(c2)
	if got := answer(c3); got != "3:tag" {
		t.Fatalf("restarted after a purge, the child runs %q, want 3:tag", got)
	}
	if !alive(n, sup) {
		t.Fatal("the supervisor died")
	}
}

// TestMFAErrors: an MFA that names no function, a function of the wrong
// type or the wrong arguments fails the start with a clear error.
func TestMFAErrors(t *testing.T) {
	dir := t.TempDir()
	n, s, _ := start(t, code.Options{})
	load := func() {
		must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "worker.go", fmt.Sprintf(supSrc, "1"))))
	}
	load()
	for _, tt := range []struct {
		mfa  node.MFA
		want error
		msg  string
	}{
		{node.MFA{Module: "worker", Func: "Nope"}, nil, "worker.Nope: undefined in vsn 1"},
		{node.MFA{Module: "nosuch", Func: "Start"}, node.ErrNoModule, "nosuch"},
		{node.MFA{Module: "worker", Func: "StartLoop"}, node.ErrBadSpec, "given 0 arguments"},
		{node.MFA{Module: "worker", Func: "StartLoop", Args: []any{1}}, node.ErrBadSpec, "argument 1 is int, the function takes string"},
	} {
		_, err := n.StartSupervisor(node.SupervisorSpec{Children: []node.ChildSpec{{ID: "c", MFA: tt.mfa}}})
		if err == nil {
			t.Errorf("%v started", tt.mfa)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%v: %v is not %v", tt.mfa, err, tt.want)
		}
		if !contains(err.Error(), tt.msg) {
			t.Errorf("%v: %q lacks %q", tt.mfa, err, tt.msg)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
