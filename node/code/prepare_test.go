package code_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/gexdev/gex/node/code"
)

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
	if err := l.Switch(); err != nil {
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
	if err := l.Switch(); !errors.Is(err, code.ErrLoadingState) {
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
	l.Switch()
	l.Revert()
	if in, _ := cs.Info("a"); in.Vsn != "1" || in.OldVsn != "" {
		t.Fatalf("after revert %+v", in)
	}
	l, _ = cs.PrepareLoading([]*code.Source{v2})
	l.Switch()
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
