// Package demoserver is version 2 of the DemoServer (see ../demo_server.go):
// the employee's money is now called salary, and adding to it replies with
// the new state instead of a sentence. CodeChange turns a version 1 state
// into a version 2 one, whichever shape it has.
//
//	gex(node@host)6> :sys.suspend pid
//	gex(node@host)7> c "examples/demo_server/v2/demo_server.go"
//	warning: redefining module demoserver (current version loaded from demo_server.go)
//	gex(node@host)8> :sys.change_code pid, DemoServer, "1", nil
//	gex(node@host)9> :sys.resume pid
//	gex(node@host)10> demoserver.AddMoney(pid, 100000)
//	map[name:blackode salary:160000]
package demoserver

import (
	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

const Vsn = "2"

// StartLink starts a server for employee, a map with "name" and "salary".
// The server is not registered: it is reached by its PID.
func StartLink(employee map[string]any) (node.PID, error) {
	return node.StartLink("demoserver", employee)
}

// AddMoney adds value to the employee's salary and returns the new state.
func AddMoney(pid node.PID, value int) (any, error) {
	return node.Call(pid, []any{"add", value})
}

// Init starts with the employee details passed to StartLink.
func Init(employee any) (any, error) {
	return employee, nil
}

// HandleCall adds the value to the salary and replies with the new state.
func HandleCall(req any, from node.From, state any) node.Result {
	r := req.([]any)
	employee := state.(map[string]any)
	value := r[1].(int)
	next := with(employee, "salary", employee["salary"].(int)+value)
	return node.Reply(next, next)
}

// CodeChange renames version 1's money to salary.
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	return migrate.Rename(state, "money", "salary")
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
