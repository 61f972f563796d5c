package hotcode_test

import (
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/release"
)

// release0 reads the release of gex.toml in dir, as node release does.
func release0(t *testing.T, dir string) (*release.Manifest, []*code.Source) {
	t.Helper()
	cfg, err := release.ReadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	rc, env, err := cfg.Release("", "")
	if err != nil {
		t.Fatal(err)
	}
	m, srcs, err := release.NewManifest(dir, rc, env)
	if err != nil {
		t.Fatal(err)
	}
	return m, srcs
}

// TestUpgrade is the seeds' upgrade of a live DemoServer from release
// 0.1.0 (this directory) to 0.2.0 (next/ laid over it), and back.
func TestUpgrade(t *testing.T) {
	m1, srcs1 := release0(t, ".")
	m2, srcs2 := release0(t, "next")
	root := t.TempDir()
	if err := release.Assemble(root, m1, srcs1, nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := release.Assemble(root, m2, srcs2, release.GeneratePlan(m1, m2), ""); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(node.Options{Name: "hotcode"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	cs := code.New(n, code.Options{})
	h, err := release.Boot(root, "hotcode", "0.1.0", n, cs)
	if err != nil {
		t.Fatal(err)
	}
	f, err := cs.Func("demoserver", "StartLink")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := f.(func(map[string]any) (node.PID, error))(map[string]any{"name": "blackode", "money": 300000})
	if err != nil {
		t.Fatal(err)
	}
	add := func(v int) any {
		t.Helper()
		r, err := n.Call(pid, []any{"add", v})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if got := add(400000); got != "400000 added to blackode " {
		t.Fatalf("0.1.0: %v", got)
	}
	if rep, err := h.Upgrade("0.2.0", release.Options{}); err != nil {
		t.Fatalf("upgrade: %v\n%s", err, rep)
	}
	if got := add(50000).(map[string]any); got["salary"] != 750000 || got["money"] != nil {
		t.Fatalf("0.2.0: %v", got)
	}
	if rep, err := h.Downgrade("0.1.0", release.Options{}); err != nil {
		t.Fatalf("downgrade: %v\n%s", err, rep)
	}
	if got := add(1); got != "1 added to blackode " {
		t.Fatalf("0.1.0 again: %v", got)
	}
}
