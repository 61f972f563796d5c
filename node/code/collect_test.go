package code

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"weak"

	"github.com/gexdev/gex/node"
)

// TestPurgedVersionCollected: once purged, a version (and the interpreter
// its functions hold) is garbage, whatever refers to the module: its
// GenServers, importers' stubs, the node's symbols.
func TestPurgedVersionCollected(t *testing.T) {
	n, err := node.Start(node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	s := New(n, Options{})
	dir := t.TempDir()
	load := func(vsn string) *version {
		t.Helper()
		path := filepath.Join(dir, "a.go")
		src := "package a\n\nimport \"github.com/gexdev/gex/node\"\n\nconst Vsn = \"" + vsn + "\"\n\n" +
			"func Init(arg any) (any, error) { return arg, nil }\n\n" +
			"func HandleCall(req any, from node.From, state any) node.Result { return node.Reply(Vsn, state) }\n"
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LoadFile(path); err != nil {
			t.Fatal(err)
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.module("a").cur.Load()
	}
	first := weak.Make(load("1"))
	pid, err := n.StartServer("a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadFile(filepath.Join(dir, "b.go")); err == nil {
		t.Fatal("loaded a missing file")
	}
	os.WriteFile(filepath.Join(dir, "b.go"), []byte("package b\n\nimport \"a\"\n\nfunc Vsn() any { return a.Vsn }\n"), 0o644)
	if _, err := s.LoadFile(filepath.Join(dir, "b.go")); err != nil {
		t.Fatal(err)
	}
	load("2")
	load("3") // purges version 1
	if v, err := n.Call(pid, nil); v != "3" || err != nil {
		t.Fatalf("server after reloads: %v, %v", v, err)
	}
	for range 3 {
		runtime.GC()
	}
	if first.Value() != nil {
		t.Fatal("purged version 1 is still reachable")
	}
}
