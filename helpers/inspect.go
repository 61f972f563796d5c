package helpers

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gexdev/gex/node"
)

// I shows information about x, as IEx's i does: a process for a PID or a
// registered name, a module for a module's name, and for any other value
// its type and what it holds.
func (e *Env) I(x any) error {
	switch x := x.(type) {
	case node.PID:
		return e.processInfo(x)
	case node.Name:
		pid, ok := e.Node.Whereis(string(x))
		if !ok {
			return &node.CallError{Op: "i", Dest: x, Err: node.ErrNoProc}
		}
		return e.processInfo(pid)
	case string:
		if e.Code != nil && e.Code.IsLoaded(x) {
			return e.moduleInfo(x)
		}
		if pid, ok := e.Node.Whereis(x); ok {
			return e.processInfo(pid)
		}
	}
	e.termInfo(x)
	return nil
}

func (e *Env) moduleInfo(name string) error {
	in, err := e.Code.Info(name)
	if err != nil {
		return err
	}
	old := "none"
	if in.OldVsn != "" {
		old = "vsn " + strconv.Quote(in.OldVsn) + " (" + in.OldTier.String() + ")"
	}
	rows := [][2]string{
		{"Term", name},
		{"Data type", "module"},
		{"Module", in.Name},
		{"Vsn", strconv.Quote(in.Vsn)},
		{"Tier", tierOf(in)},
		{"Source", e.Rel(in.Path)},
		{"Loaded", in.Loaded.Format(time.DateTime)},
		{"Old code", old},
	}
	if in.Mapped > 0 {
		// A plugin is never unmapped (golang/go#20461): purged versions
		// count for the life of the node.
		rows = append(rows, [2]string{"Native code", byteSize(int(in.Mapped)) + " mapped, purged versions included"})
	}
	e.table(append(rows, [2]string{"Exports", strings.Join(in.Exports, ", ")}))
	return nil
}

func (e *Env) termInfo(x any) {
	rows := [][2]string{
		{"Term", e.format(x)},
		{"Data type", typeOf(x)},
	}
	if d := describe(x); d != "" {
		rows = append(rows, [2]string{"Description", d})
	}
	e.table(rows)
}

func typeOf(x any) string {
	if x == nil {
		return "nil"
	}
	return typeName(reflect.TypeOf(x))
}

// describe says in words what x holds.
func describe(x any) string {
	if x == nil {
		return "The nil value: no value, of no type."
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map:
		return fmt.Sprintf("A map with %d entries.", v.Len())
	case reflect.Slice:
		return fmt.Sprintf("A slice of %d elements, capacity %d.", v.Len(), v.Cap())
	case reflect.Array:
		return fmt.Sprintf("An array of %d elements.", v.Len())
	case reflect.String:
		return fmt.Sprintf("A string of %d bytes.", v.Len())
	case reflect.Struct:
		return fmt.Sprintf("A struct with %d fields.", v.NumField())
	case reflect.Func:
		return "A function."
	case reflect.Chan:
		return fmt.Sprintf("A channel holding %d of %d values.", v.Len(), v.Cap())
	case reflect.Pointer:
		return "A pointer."
	}
	if _, ok := x.(error); ok {
		return "An error."
	}
	return ""
}

// iForm is i as the console binds it: of the last result when given
// nothing.
func (e *Env) iForm(x ...any) error {
	if len(x) == 0 {
		last, err := e.V()
		if err != nil {
			return err
		}
		x = []any{last}
	}
	for _, v := range x {
		if err := e.I(v); err != nil {
			return err
		}
	}
	return nil
}

// V returns an earlier result, as IEx's v: V() or V(-1) the last, V(-2)
// the one before, V(3) that of line 3.
func (e *Env) V(n ...int) (any, error) {
	if len(n) > 1 {
		return nil, errors.New("v takes one line number")
	}
	line := -1
	if len(n) == 1 {
		line = n[0]
	}
	if e.History == nil {
		return nil, fmt.Errorf("%w: v(%d)", ErrNoHistory, line)
	}
	return e.History(line)
}
