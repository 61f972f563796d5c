// Package demoserver is the DemoServer with its state in a struct: an
// Employee with Name and Money. typed/v2 renames Money to Salary, and its
// CodeChange converts this version's Employee into its own, by field.
//
// Struct types belong to the version that declares them: after a reload,
// the state a process holds is still a value of the old version's
// Employee, which the new version cannot type-assert. CodeChange reads it
// by field, with package migrate, and builds the new type.
package demoserver

import (
	"fmt"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

const Vsn = "1"

// Employee is the server's state.
type Employee struct {
	Name  string
	Money int
}

// StartLink starts a server for the employee called name, with money.
func StartLink(name string, money int) (node.PID, error) {
	return node.StartLink("demoserver", Employee{Name: name, Money: money})
}

// AddMoney adds value to the employee's money and says so.
func AddMoney(pid node.PID, value int) (any, error) {
	return node.Call(pid, []any{"add", value})
}

// Init starts with the employee passed to StartLink.
func Init(employee any) (any, error) {
	return employee, nil
}

// HandleCall adds the value to the money and replies with a sentence.
func HandleCall(req any, from node.From, state any) node.Result {
	e := state.(Employee)
	value := req.([]any)[1].(int)
	e.Money += value
	return node.Reply(fmt.Sprintf("%d added to %s ", value, e.Name), e)
}

// CodeChange takes the state back from version 2, for a downgrade: Salary
// is Money again.
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	fields, err := migrate.Rename(state, "Salary", "Money")
	if err != nil {
		return nil, err
	}
	var e Employee
	err = migrate.Into(&e, fields)
	return e, err
}
