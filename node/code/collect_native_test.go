package code

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"weak"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/native"
)

// TestPurgedNativeVersionCollected: a purged native version, and the
// interpreted version a tier-up put it in place of, are garbage, though
// the plugin stays mapped and its hooks once pinned to the version.
func TestPurgedNativeVersionCollected(t *testing.T) {
	n, err := node.Start(node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	events := make(chan TierUpEvent, 4)
	b := native.New(native.Options{CacheDir: t.TempDir()})
	if err := b.Check(context.Background()); err != nil {
		t.Skipf("no native versions here: %v", err)
	}
	s := New(n, Options{Native: b, TierUp: true,
		OnTierUp: func(ev TierUpEvent) { events <- ev }})
	defer s.WaitTierUp()
	dir := t.TempDir()
	load := func(vsn string) *version {
		t.Helper()
		path := filepath.Join(dir, "a.go")
		src := "package a\n\nimport \"github.com/gexdev/gex/node\"\n\nconst Vsn = \"" + vsn + "\"\n\n" +
			"func Init(arg any) (any, error) { return arg, nil }\n\n" +
			"func Start() node.PID { return node.Spawn(func(p *node.Proc) { p.Receive() }) }\n\n" +
			"func HandleCall(req any, from node.From, state any) node.Result { return node.Reply(Vsn, state) }\n"
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LoadFile(path); err != nil {
			t.Fatal(err)
		}
		if ev := <-events; ev.Err != nil || ev.Module.Tier != Native {
			t.Fatalf("tier-up of vsn %s: %+v", vsn, ev)
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.module("a").cur.Load()
	}
	v1 := load("1")
	if v1.shadow == nil || v1.native == nil {
		t.Fatalf("vsn 1 after its tier-up: %+v", v1)
	}
	first, shadow := weak.Make(v1), weak.Make(v1.shadow)
	v1 = nil
	pid, err := n.StartServer("a", nil)
	if err != nil {
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
	if first.Value() != nil || shadow.Value() != nil {
		t.Fatalf("purged version 1 still reachable: native %v, interpreted %v", first.Value() != nil, shadow.Value() != nil)
	}
}
