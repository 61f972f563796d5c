package code_test

import (
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// TestMigrateStructState migrates a state kept in a struct type of the old
// version, which the new version cannot name: it reads it by reflection.
func TestMigrateStructState(t *testing.T) { forTiers(t, testMigrateStructState) }

func testMigrateStructState(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, _ := startTier(t, tier)
	sys := n.Sys()
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "emp.go", `package emp

import "github.com/gexdev/gex/node"

const Vsn = "1"

type employee struct {
	Name  string
	money int
}

func Init(arg any) (any, error) { return &employee{Name: "blackode", money: 30000}, nil }
`)))
	pid := must[node.PID](t)(n.StartServer("emp", nil))
	sys.Suspend(pid)
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "emp.go", `package emp

import (
	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

const Vsn = "2"

type employee struct {
	Name   string
	Salary int
}

func CodeChange(oldVsn string, state any, extra any) (any, error) {
	m, err := migrate.Rename(state, "money", "salary")
	if err != nil {
		return nil, err
	}
	var e employee
	if err := migrate.Into(&e, m); err != nil {
		return nil, err
	}
	return &e, nil
}

func HandleCall(req any, from node.From, state any) node.Result {
	e := state.(*employee)
	e.Salary += req.(int)
	return node.Reply(e.Salary, e)
}
`)))
	if err := sys.ChangeCode(pid, "emp", "1", nil); err != nil {
		t.Fatal(err)
	}
	sys.Resume(pid)
	if got := must[any](t)(n.Call(pid, 1)); got != 30001 {
		t.Fatalf("salary = %v, want 30001", got)
	}
}
