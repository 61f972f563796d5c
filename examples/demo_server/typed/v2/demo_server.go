// Package demoserver is version 2 of the typed DemoServer: the employee's
// Money is now Salary, and adding to it replies with the new state.
package demoserver

import (
	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

const Vsn = "2"

// Employee is the server's state.
type Employee struct {
	Name   string
	Salary int
}

// StartLink starts a server for the employee called name, with salary.
func StartLink(name string, salary int) (node.PID, error) {
	return node.StartLink("demoserver", Employee{Name: name, Salary: salary})
}

// AddMoney adds value to the employee's salary and returns the new state.
func AddMoney(pid node.PID, value int) (any, error) {
	return node.Call(pid, []any{"add", value})
}

// Init starts with the employee passed to StartLink.
func Init(employee any) (any, error) {
	return employee, nil
}

// HandleCall adds the value to the salary and replies with the new state.
func HandleCall(req any, from node.From, state any) node.Result {
	e := state.(Employee)
	e.Salary += req.([]any)[1].(int)
	return node.Reply(e, e)
}

// CodeChange converts version 1's Employee, a type of that version, into
// this version's: Money becomes Salary, the other fields keep their names.
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	fields, err := migrate.Rename(state, "Money", "Salary")
	if err != nil {
		return nil, err
	}
	var e Employee
	err = migrate.Into(&e, fields)
	return e, err
}
