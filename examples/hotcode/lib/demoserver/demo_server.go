// Package demoserver is the DemoServer of "How to perform Hot Code
// Swapping in Elixir" (distillery), in Go: an employee's account that
// money is added to. This is version 1, in release hotcode 0.1.0;
// next/lib/demoserver/demo_server.go is version 2, in 0.2.0, which calls
// the money salary and migrates the state in CodeChange.
//
//	$ bin/hotcode attach
//	gex(hotcode@host)1> pid, _ := demoserver.StartLink(map[string]any{"name": "blackode", "money": 300000})
//	gex(hotcode@host)2> demoserver.AddMoney(pid, 400000)
//	"400000 added to blackode "
//	gex(hotcode@host)3> :sys.get_state pid
//	map[money:700000 name:blackode]
package demoserver

import (
	"fmt"

	"github.com/gexdev/gex/node"
)

const Vsn = "1"

// StartLink starts a server for employee, a map with "name" and "money".
func StartLink(employee map[string]any) (node.PID, error) {
	return node.StartLink("demoserver", employee)
}

// AddMoney adds value to the employee's money and says so.
func AddMoney(pid node.PID, value int) (any, error) {
	return node.Call(pid, []any{"add", value})
}

// Init starts with the employee details passed to StartLink.
func Init(employee any) (any, error) { return employee, nil }

// HandleCall adds the value to the money and replies with a sentence.
func HandleCall(req any, from node.From, state any) node.Result {
	value := req.([]any)[1].(int)
	employee := state.(map[string]any)
	next := with(employee, "money", employee["money"].(int)+value)
	return node.Reply(fmt.Sprintf("%d added to %v ", value, employee["name"]), next)
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
