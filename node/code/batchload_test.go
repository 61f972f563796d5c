package code_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

func sources(t *testing.T, paths ...string) []*code.Source {
	t.Helper()
	out := make([]*code.Source, len(paths))
	for i, p := range paths {
		out[i] = must[*code.Source](t)(code.ReadSource(p))
	}
	return out
}

// TestLoadAllRenameAcrossModules: a function renamed in a and its caller
// in b, loaded as one change. b compiles against a's new exports, whatever
// the order given, and calls reach the new a.
func TestLoadAllRenameAcrossModules(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{})
	a := write(t, dir, "a.go", helloSrc("a1", ""))
	b := write(t, dir, "b.go", "package b\n\nimport \"a\"\n\nfunc Greet() string { return \"b:\" + a.Hello() }\n")
	must[[]*code.LoadResult](t)(s.LoadAll(sources(t, a, b)))
	greet := fn[func() string](t, s, "b", "Greet")
	if got := greet(); got != "b:a1" {
		t.Fatalf("Greet = %q", got)
	}

	write(t, dir, "a.go", "package a\n\nfunc Hi() string { return \"a2\" }\n")
	write(t, dir, "b.go", "package b\n\nimport \"a\"\n\nfunc Greet() string { return \"b2:\" + a.Hi() }\n")
	res := must[[]*code.LoadResult](t)(s.LoadAll(sources(t, b, a)))
	if res[0].Module.Name != "b" || res[1].Module.Name != "a" || res[1].Replaced == nil {
		t.Fatalf("results not in the order given: %+v, %+v", res[0].Module, res[1].Module)
	}
	if got := greet(); got != "b2:a2" {
		t.Fatalf("after loading both: Greet = %q", got)
	}
}

// TestLoadAllNone: one module of two does not compile; neither loads, and
// a module that imports the broken one is not compiled at all.
func TestLoadAllNone(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{})
	a := write(t, dir, "a.go", helloSrc("a1", ""))
	kv := write(t, dir, "kv.go", kvSrc("0", ""))
	must[[]*code.LoadResult](t)(s.LoadAll(sources(t, a, kv)))
	gen := s.Generation()

	write(t, dir, "kv.go", kvSrc("1", ""))
	write(t, dir, "a.go", helloSrc("a2", "func broken() { undefinedThing() }\n"))
	b := write(t, dir, "b.go", "package b\n\nimport \"a\"\n\nfunc Greet() string { return a.Hello() }\n")
	_, err := s.LoadAll(sources(t, kv, a, b))
	var ce *code.CompileError
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.File, "a.go") || ce.Line != 4 || ce.Col != 17 {
		t.Fatalf("LoadAll with a broken module: %v", err)
	}
	if !strings.Contains(err.Error(), "module b not compiled: it imports a, which failed") {
		t.Fatalf("the importer of the broken module: %v", err)
	}
	if in, _ := s.Info("kv"); in.Vsn != "0" {
		t.Fatalf("kv vsn %q after a failed LoadAll, want 0", in.Vsn)
	}
	if s.IsLoaded("b") || s.Generation() != gen {
		t.Fatalf("a failed LoadAll changed what is loaded (b loaded %v)", s.IsLoaded("b"))
	}
	if hello := fn[func() string](t, s, "a", "Hello"); hello() != "a1" {
		t.Fatal("a changed")
	}
}

// TestInstallAllSoftAndUndo: a soft install refuses to purge old code a
// process runs, changing nothing; Undo puts back the current and old
// versions, and the processes the undone version spawned die.
func TestInstallAllSoftAndUndo(t *testing.T) {
	dir := t.TempDir()
	n, s, _ := start(t, code.Options{})
	path := write(t, dir, "loop.go", fmt.Sprintf(loopSrc, "1"))
	load := func(vsn string) []*code.Object {
		t.Helper()
		write(t, dir, "loop.go", fmt.Sprintf(loopSrc, vsn))
		return must[[]*code.Object](t)(s.CompileAll(sources(t, path)))
	}
	must[[]*code.LoadResult](t)(s.LoadAll(sources(t, path)))
	start := fn[func() node.PID](t, s, "loop", "Start")
	p1 := start()
	must[*code.Swap](t)(s.InstallAll(load("2"), true)).Commit()

	objs := load("3")
	_, err := s.InstallAll(objs, true)
	var le *code.LingeringError
	if !errors.As(err, &le) || !slices.Equal(le.PIDs, []node.PID{p1}) || le.Vsn != "1" {
		t.Fatalf("soft InstallAll over lingering vsn 1: %v", err)
	}
	s.Discard(objs...)
	if in, _ := s.Info("loop"); in.Vsn != "2" || in.OldVsn != "1" || !alive(n, p1) {
		t.Fatalf("after the refusal: %+v, p1 alive %v", in, alive(n, p1))
	}

	sw := must[*code.Swap](t)(s.InstallAll(load("3"), false))
	p3 := start() // spawned by vsn 3 while the swap is open
	if in, _ := s.Info("loop"); in.Vsn != "3" || in.OldVsn != "2" || !alive(n, p1) {
		t.Fatalf("swap open: %+v; vsn 1's process must live until Commit", in)
	}
	if err := sw.Undo(); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.Info("loop"); in.Vsn != "2" || in.OldVsn != "1" || !alive(n, p1) {
		t.Fatalf("after Undo: %+v, p1 alive %v", in, alive(n, p1))
	}
	if alive(n, p3) {
		t.Fatal("a process of the undone version lives on")
	}
	if sw.Commit(); !alive(n, p1) {
		t.Fatal("Commit after Undo acted")
	}

	res := must[*code.Swap](t)(s.InstallAll(load("4"), false)).Commit()
	if !slices.Equal(res[0].Killed, []node.PID{p1}) || res[0].Purged == nil || res[0].Purged.Vsn != "1" {
		t.Fatalf("hard install over vsn 1: %+v", res[0])
	}
}
