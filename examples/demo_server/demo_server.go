// Package demoserver is the DemoServer of "How to perform Hot Code Swapping
// using GenServer & :sys.change_code", in Go: an employee's account that
// money is added to. This is version 1; v2/demo_server.go is version 2,
// which calls the money salary and migrates the state in CodeChange.
//
// It is a Gex module: ordinary Go, which go build and go vet check, and
// which the node's interpreter runs, so that a new version can replace it
// while it runs:
//
//	gex(node@host)1> c "examples/demo_server/demo_server.go"
//	gex(node@host)2> employee := map[string]any{"name": "blackode", "money": 30000}
//	gex(node@host)3> pid, _ := demoserver.StartLink(employee)
//	gex(node@host)4> demoserver.AddMoney(pid, 30000)
//	"30000 added to blackode "
//	gex(node@host)5> :sys.get_state pid
//	map[money:60000 name:blackode]
package demoserver

import (
	"fmt"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

const Vsn = "1"

// StartLink starts a server for employee, a map with "name" and "money".
// The server is not registered: it is reached by its PID.
func StartLink(employee map[string]any) (node.PID, error) {
	return node.StartLink("demoserver", employee)
}

// AddMoney adds value to the employee's money and says so.
func AddMoney(pid node.PID, value int) (any, error) {
	return node.Call(pid, []any{"add", value})
}

// Init starts with the employee details passed to StartLink.
func Init(employee any) (any, error) {
	return employee, nil
}

// HandleCall adds the value to the money and replies with a sentence.
func HandleCall(req any, from node.From, state any) node.Result {
	r := req.([]any)
	employee := state.(map[string]any)
	value := r[1].(int)
	next := with(employee, "money", employee["money"].(int)+value)
	return node.Reply(fmt.Sprintf("%d added to %s ", value, employee["name"]), next)
}

// CodeChange takes the state back from version 2, for a downgrade: salary
// is money again.
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	return migrate.Rename(state, "salary", "money")
}

// with returns a copy of m with key set to value: the state a caller passed
// in stays the caller's, as an Elixir map would.
func with(m map[string]any, key string, value any) map[string]any {
	next := make(map[string]any, len(m)+1)
	for k, v := range m {
		next[k] = v
	}
	next[key] = value
	return next
}
