// Package demoserver is version 2 of the DemoServer, in release hotcode
// 0.2.0: the employee's money is now called salary, and adding to it
// replies with the new state instead of a sentence. CodeChange migrates a
// version 1 state, and back on a downgrade.
//
//	$ bin/hotcode upgrade 0.2.0
//	$ bin/hotcode attach
//	gex(hotcode@host)1> demoserver.AddMoney(pid, 50000)
//	map[name:blackode salary:750000]
package demoserver

import (
	"strings"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

const Vsn = "2"

// StartLink starts a server for employee, a map with "name" and "salary".
func StartLink(employee map[string]any) (node.PID, error) {
	return node.StartLink("demoserver", employee)
}

// AddMoney adds value to the employee's salary and returns the new state.
func AddMoney(pid node.PID, value int) (any, error) {
	return node.Call(pid, []any{"add", value})
}

// Init starts with the employee details passed to StartLink.
func Init(employee any) (any, error) { return employee, nil }

// HandleCall adds the value to the salary and replies with the new state.
func HandleCall(req any, from node.From, state any) node.Result {
	value := req.([]any)[1].(int)
	employee := state.(map[string]any)
	next := with(employee, "salary", employee["salary"].(int)+value)
	return node.Reply(next, next)
}

// CodeChange renames version 1's money to salary on an upgrade, and back
// on a downgrade to version 1 (oldVsn "down:1").
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	if strings.HasPrefix(oldVsn, "down:") {
		return migrate.Rename(state, "salary", "money")
	}
	return migrate.Rename(state, "money", "salary")
}

// with returns a copy of m with key set to value.
func with(m map[string]any, key string, value any) map[string]any {
	next := make(map[string]any, len(m)+1)
	for k, v := range m {
		next[k] = v
	}
	next[key] = value
	return next
}
