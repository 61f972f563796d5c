package code_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node/code"
)

// lateSrc declares the functions a func literal spawns below the literal
// (issue 9.8: the process exited :normal at once without running them).
const lateSrc = `package late

import "github.com/gexdev/gex/node"

// Closure spawns loopLate from a func literal.
func Closure() { f := func() { node.Spawn(loopLate) }; f() }

// Var spawns viaVar from a package var's func literal.
func Var() { spawnVar() }

var spawnVar = func() { node.Spawn(viaVar) }

// Method spawns a method value from a func literal.
func Method() { var s server; f := func() { node.Spawn(s.loop) }; f() }

// Nested spawns from a func literal in a func literal of a function that
// loopLate's own literal needs too.
func Nested() { f := func() { g := func() { node.Spawn(nested) }; g() }; f() }

func loopLate(p *node.Proc) { run(p, "closure") }

func viaVar(p *node.Proc) { run(p, "var") }

type server struct{}

func (server) loop(p *node.Proc) { run(p, "method") }

func nested(p *node.Proc) { f := func() { node.Spawn(helper) }; f(); run(p, "nested") }

func helper(p *node.Proc) { run(p, "helper") }

func run(p *node.Proc, name string) {
	node.Register(name, p.Self())
	for p.Receive() != "stop" {
	}
}
`

// TestFuncLiteralSpawnsLaterFunction: a function declared below the func
// literal that spawns it runs, whether the literal is in a function, a
// package var, a method value or nested.
func TestFuncLiteralSpawnsLaterFunction(t *testing.T) {
	forTiers(t, testFuncLiteralSpawnsLaterFunction)
}

func testFuncLiteralSpawnsLaterFunction(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, _ := startTier(t, tier)
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "late.go", lateSrc)))
	exports := s.Exports()["late/late"]
	for _, c := range []struct{ fn, names string }{
		{"Closure", "closure"}, {"Var", "var"}, {"Method", "method"}, {"Nested", "nested helper"},
	} {
		exports[c.fn].Interface().(func())()
		for _, name := range strings.Fields(c.names) {
			deadline := time.Now().Add(2 * time.Second)
			for {
				if _, ok := n.Whereis(name); ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("late.%s: the process spawned from a func literal never ran %s", c.fn, name)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}
}

// TestFuncLiteralSpawnsItsOwnFunction: a function whose func literal uses
// the function itself as a value cannot be ordered; it is refused with a
// message that says how to write it, at the use.
func TestFuncLiteralSpawnsItsOwnFunction(t *testing.T) {
	forTiers(t, testFuncLiteralSpawnsItsOwnFunction)
}

func testFuncLiteralSpawnsItsOwnFunction(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	_, s, _ := startTier(t, tier)
	src := "package self\n\nimport \"github.com/gexdev/gex/node\"\n\n" +
		"func loop(p *node.Proc) {\n\tf := func() { node.Spawn(loop) }\n\tf()\n}\n"
	path := write(t, dir, "self.go", src)
	_, err := s.LoadFile(path)
	var ce *code.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("loaded, or not a compile error: %v", err)
	}
	if ce.File != path || ce.Line != 6 || ce.Col != 27 {
		t.Errorf("position %s:%d:%d, want %s:6:27", ce.File, ce.Line, ce.Col, path)
	}
	for _, want := range []string{"loop is used as a value inside a func literal of loop", "func(...) { loop(...) }", "f := loop"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}

	// Written as the message says, it loads and runs.
	src = strings.Replace(src, "node.Spawn(loop)", "node.Spawn(func(p *node.Proc) { loop(p) })", 1)
	if _, err := s.LoadFile(write(t, dir, "self.go", src)); err != nil {
		t.Fatal(err)
	}
}
