package demoserver_test

import (
	"context"
	"maps"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/native"
)

// TestWalkthrough does what "How to perform Hot Code Swapping using
// GenServer & :sys.change_code" does: version 1 adds money; suspend, load
// version 2, change_code from "1", resume, and the money is a salary. Then
// it goes back, as a release downgrade would. It runs with the module
// interpreted and native (compiled as a plugin).
func TestWalkthrough(t *testing.T) {
	for _, tier := range []code.Tier{code.Interpreted, code.Native} {
		t.Run(tier.String(), func(t *testing.T) { walkthrough(t, tier) })
	}
}

func walkthrough(t *testing.T, tier code.Tier) {
	b := native.New(native.Options{CacheDir: t.TempDir()})
	if tier == code.Native {
		if err := b.Check(context.Background()); err != nil {
			t.Skipf("no native versions here: %v", err)
		}
	}
	n, err := node.Start(node.Options{Name: "hotcode"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	s := code.New(n, code.Options{Tier: tier, Native: b})
	sys := n.Sys()
	load := func(path string) *code.LoadResult {
		t.Helper()
		res, err := s.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if res.Module.Tier != tier {
			t.Fatalf("%s loaded %v: %v", path, res.Module.Tier, res.Fallback)
		}
		return res
	}
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// iex demo_server.ex
	load("demo_server.go")
	exports := s.Exports()["demoserver/demoserver"]
	startLink := exports["StartLink"].Interface().(func(map[string]any) (node.PID, error))
	addMoney := exports["AddMoney"].Interface().(func(node.PID, int) (any, error))

	// iex> employee = %{name: "blackode", money: 30000}
	// iex> {:ok, pid} = DemoServer.start_link employee
	employee := map[string]any{"name": "blackode", "money": 30000}
	pid, err := startLink(employee)
	ok(err)
	// iex> DemoServer.add_money pid, 30000
	got, err := addMoney(pid, 30000)
	ok(err)
	if got != "30000 added to blackode " {
		t.Fatalf("add_money = %q", got)
	}
	// iex> :sys.get_state pid
	state, err := sys.GetState(pid)
	ok(err)
	if !maps.Equal(state.(map[string]any), map[string]any{"name": "blackode", "money": 60000}) {
		t.Fatalf("get_state = %v", state)
	}
	if employee["money"] != 30000 {
		t.Fatal("the server changed the caller's map")
	}

	// iex> :sys.suspend pid
	ok(sys.Suspend(pid))
	// iex> c "demo_server_v2.ex"  (warning: redefining module DemoServer)
	res := load("v2/demo_server.go")
	if res.Replaced == nil || res.Replaced.Vsn != "1" || res.Module.Vsn != "2" {
		t.Fatalf("c demo_server_v2: %+v", res)
	}
	// iex> :sys.change_code pid, DemoServer, "1", nil
	ok(sys.ChangeCode(pid, "DemoServer", "1", nil))
	// iex> :sys.resume pid
	ok(sys.Resume(pid))
	// iex> DemoServer.add_money(pid, 100000)
	got, err = addMoney(pid, 100000)
	ok(err)
	if want := map[string]any{"name": "blackode", "salary": 160000}; !maps.Equal(got.(map[string]any), want) {
		t.Fatalf("add_money after the upgrade = %v, want %v", got, want)
	}

	// Back to version 1: a third load, which purges the first version 1
	// without killing the server (a GenServer runs no old code between
	// messages); version 1's CodeChange renames salary back to money.
	ok(sys.Suspend(pid))
	res = load("demo_server.go")
	if res.Purged == nil || len(res.Killed) != 0 {
		t.Fatalf("downgrade load: %+v", res)
	}
	ok(sys.ChangeCode(pid, "demoserver", "2", nil))
	ok(sys.Resume(pid))
	got, err = addMoney(pid, 1)
	ok(err)
	if got != "1 added to blackode " {
		t.Fatalf("add_money after the downgrade = %q", got)
	}
	state, err = sys.GetState(pid)
	ok(err)
	if state.(map[string]any)["money"] != 160001 {
		t.Fatalf("state after the downgrade = %v", state)
	}
}
