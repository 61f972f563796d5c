package code_test

import (
	"errors"
	"fmt"
	"path/filepath"
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

// TestSwitchSoftAndRevert: a soft switch refuses to purge old code a
// process runs, changing nothing; Revert puts back the current and old
// versions, and the processes the undone version spawned die.
func TestSwitchSoftAndRevert(t *testing.T) {
	dir := t.TempDir()
	n, s, _ := start(t, code.Options{})
	path := write(t, dir, "loop.go", fmt.Sprintf(loopSrc, "1"))
	load := func(vsn string) *code.Loading {
		t.Helper()
		write(t, dir, "loop.go", fmt.Sprintf(loopSrc, vsn))
		return must[*code.Loading](t)(s.PrepareLoading(sources(t, path)))
	}
	switched := func(l *code.Loading, soft bool) *code.Loading {
		t.Helper()
		if err := l.Switch(soft); err != nil {
			t.Fatal(err)
		}
		return l
	}
	must[[]*code.LoadResult](t)(s.LoadAll(sources(t, path)))
	start := fn[func() node.PID](t, s, "loop", "Start")
	p1 := start()
	must[[]*code.LoadResult](t)(switched(load("2"), true).Commit())

	l := load("3")
	err := l.Switch(true)
	var le *code.LingeringError
	if !errors.As(err, &le) || !slices.Equal(le.PIDs, []node.PID{p1}) || le.Vsn != "1" {
		t.Fatalf("soft Switch over lingering vsn 1: %v", err)
	}
	l.Discard()
	if in, _ := s.Info("loop"); in.Vsn != "2" || in.OldVsn != "1" || !alive(n, p1) {
		t.Fatalf("after the refusal: %+v, p1 alive %v", in, alive(n, p1))
	}

	sw := switched(load("3"), false)
	p3 := start() // spawned by vsn 3 while the swap is open
	if in, _ := s.Info("loop"); in.Vsn != "3" || in.OldVsn != "2" || !alive(n, p1) {
		t.Fatalf("swap open: %+v; vsn 1's process must live until Commit", in)
	}
	if err := sw.Revert(); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.Info("loop"); in.Vsn != "2" || in.OldVsn != "1" || !alive(n, p1) {
		t.Fatalf("after Revert: %+v, p1 alive %v", in, alive(n, p1))
	}
	if alive(n, p3) {
		t.Fatal("a process of the undone version lives on")
	}
	if _, err := sw.Commit(); !errors.Is(err, code.ErrLoadingState) || !alive(n, p1) {
		t.Fatalf("Commit after Revert acted: %v", err)
	}

	res := must[[]*code.LoadResult](t)(switched(load("4"), false).Commit())
	if !slices.Equal(res[0].Killed, []node.PID{p1}) || res[0].Purged == nil || res[0].Purged.Vsn != "1" {
		t.Fatalf("hard install over vsn 1: %+v", res[0])
	}
}
func source(t *testing.T, dir, name, text string) *code.Source {
	t.Helper()
	src, err := code.ReadSource(write(t, dir, filepath.Join(name, name+".go"), text))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestPrepareLoadingAllOrNone(t *testing.T) {
	_, cs, _ := start(t, code.Options{})
	dir := t.TempDir()
	a := source(t, dir, "a", "package a\nconst Vsn = \"1\"\nfunc F() int { return 1 }\n")
	bad := source(t, dir, "b", "package b\nfunc F() int { return \"x\" }\n")
	if _, err := cs.PrepareLoading([]*code.Source{a, bad}); err == nil {
		t.Fatal("a failed compile prepared")
	}
	if cs.IsLoaded("a") || cs.IsLoaded("b") {
		t.Fatal("a failed prepare installed a module")
	}
	// An import that would load a module from the code path is refused.
	c := source(t, dir, "c", "package c\nimport \"a\"\nfunc G() int { return a.F() }\n")
	if _, err := cs.PrepareLoading([]*code.Source{c}); err == nil {
		t.Fatal("an import of a module not loaded was prepared")
	}
	if cs.IsLoaded("a") {
		t.Fatal("prepare loaded an imported module")
	}

	l, err := cs.PrepareLoading([]*code.Source{a})
	if err != nil {
		t.Fatal(err)
	}
	if cs.IsLoaded("a") {
		t.Fatal("prepared but not switched, yet loaded")
	}
	if err := l.Switch(false); err != nil {
		t.Fatal(err)
	}
	if !cs.IsLoaded("a") {
		t.Fatal("switched, not loaded")
	}
	if err := l.Revert(); err != nil {
		t.Fatal(err)
	}
	if cs.IsLoaded("a") {
		t.Fatal("reverted, still loaded")
	}
	if err := l.Switch(false); !errors.Is(err, code.ErrLoadingState) {
		t.Fatalf("switch after revert: %v", err)
	}
}

func TestPrepareLoadingCommit(t *testing.T) {
	_, cs, _ := start(t, code.Options{})
	dir := t.TempDir()
	v1 := source(t, dir, "a", "package a\nconst Vsn = \"1\"\n")
	if _, err := cs.LoadSource(v1); err != nil {
		t.Fatal(err)
	}
	v2 := source(t, t.TempDir(), "a", "package a\nconst Vsn = \"2\"\n")
	l, err := cs.PrepareLoading([]*code.Source{v2})
	if err != nil {
		t.Fatal(err)
	}
	l.Switch(false)
	l.Revert()
	if in, _ := cs.Info("a"); in.Vsn != "1" || in.OldVsn != "" {
		t.Fatalf("after revert %+v", in)
	}
	l, _ = cs.PrepareLoading([]*code.Source{v2})
	l.Switch(false)
	res, err := l.Commit()
	if err != nil || len(res) != 1 || res[0].Replaced == nil || res[0].Replaced.Vsn != "1" {
		t.Fatalf("commit %+v %v", res, err)
	}
	if in, _ := cs.Info("a"); in.Vsn != "2" || in.OldVsn != "1" {
		t.Fatalf("after commit %+v", in)
	}
	if vsn, err := v2.Vsn(); err != nil || vsn != "2" {
		t.Fatalf("Source.Vsn %q %v", vsn, err)
	}
}

// TestPrepareLoadingAddsAnImport: one set changes a to import a module it
// adds, which is not loaded: a compiles against the added module's
// exports, and both load; reverted, neither is left loaded or current.
func TestPrepareLoadingAddsAnImport(t *testing.T) {
	_, cs, _ := start(t, code.Options{})
	dir := t.TempDir()
	a1 := source(t, dir, "a", "package a\nconst Vsn = \"1\"\nfunc F() int { return 1 }\n")
	must[*code.LoadResult](t)(cs.LoadSource(a1))
	a2 := source(t, t.TempDir(), "a", "package a\nimport \"helper\"\nconst Vsn = \"2\"\nfunc F() int { return helper.Two() }\n")
	helper := source(t, dir, "helper", "package helper\nfunc Two() int { return 2 }\n")

	l := must[*code.Loading](t)(cs.PrepareLoading([]*code.Source{a2, helper}))
	if cs.IsLoaded("helper") {
		t.Fatal("prepared, not switched, yet helper is loaded")
	}
	if err := l.Switch(false); err != nil {
		t.Fatal(err)
	}
	if err := l.Revert(); err != nil {
		t.Fatal(err)
	}
	if in, _ := cs.Info("a"); in.Vsn != "1" || cs.IsLoaded("helper") {
		t.Fatalf("after revert: a %+v, helper loaded %v", in, cs.IsLoaded("helper"))
	}

	res := must[[]*code.LoadResult](t)(cs.LoadAll([]*code.Source{a2, helper}))
	if res[0].Module.Vsn != "2" || res[1].Module.Name != "helper" || res[1].Replaced != nil {
		t.Fatalf("results %+v, %+v", res[0].Module, res[1].Module)
	}
	if f := fn[func() int](t, cs, "a", "F"); f() != 2 {
		t.Fatalf("a.F() = %d after the set loaded, want 2", f())
	}
}
