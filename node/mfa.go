package node

import (
	"fmt"
	"reflect"
)

// MFA names a function by module, name and arguments, as OTP's {M, F, A}.
// A child spec's MFA is looked up in the module's current version each time
// the child starts, so a restart after a reload runs the new code: a Start
// closure belongs to the version of the code that built it, and once that
// version is purged a process it starts is killed at once.
type MFA struct {
	Module string // a module name, matched as StartServer matches it
	Func   string // an exported function of the module
	Args   []any  // its arguments; nil stands for a parameter's zero value
}

func (m MFA) String() string { return fmt.Sprintf("%s.%s/%d", m.Module, m.Func, len(m.Args)) }

// FuncResolver is a Resolver that also finds the exported functions of a
// module's current version, for MFAs; the code server is one. Func returns
// the function as a Go func value.
type FuncResolver interface {
	Resolver
	Func(module, name string) (any, error)
}

var (
	pidType   = reflect.TypeFor[PID]()
	errorType = reflect.TypeFor[error]()
)

// apply calls the function m names, in its module's current version,
// with m's arguments. The function returns (PID, error) or PID, as a
// child's start does.
func (n *Node) apply(m MFA) (PID, error) {
	box := n.resolver.Load()
	fr, ok := box.funcs()
	if !ok {
		return PID{}, fmt.Errorf("%v: %w (no code server that finds functions)", m, ErrNoModule)
	}
	f, err := fr.Func(m.Module, m.Func)
	if err != nil {
		return PID{}, fmt.Errorf("%v: %w", m, err)
	}
	fv := reflect.ValueOf(f)
	args, err := mfaArgs(m, fv.Type())
	if err != nil {
		return PID{}, err
	}
	out := fv.Call(args)
	pid := out[0].Interface().(PID)
	if len(out) == 2 && !out[1].IsNil() {
		return pid, out[1].Interface().(error)
	}
	return pid, nil
}

func (b *resolverBox) funcs() (FuncResolver, bool) {
	if b == nil {
		return nil, false
	}
	fr, ok := b.r.(FuncResolver)
	return fr, ok
}

// mfaArgs checks that a function of type t starts a child and takes m's
// arguments, and returns them as values of its parameter types.
func mfaArgs(m MFA, t reflect.Type) ([]reflect.Value, error) {
	bad := func(why string) error { return fmt.Errorf("%v: %w: %s", m, ErrBadSpec, why) }
	if t.Kind() != reflect.Func {
		return nil, bad(fmt.Sprintf("not a function but %v", t))
	}
	switch {
	case t.NumOut() == 1 && t.Out(0) == pidType:
	case t.NumOut() == 2 && t.Out(0) == pidType && t.Out(1) == errorType:
	default:
		return nil, bad(fmt.Sprintf("has type %v; a start function returns (node.PID, error) or node.PID", t))
	}
	fixed := t.NumIn()
	if t.IsVariadic() {
		fixed--
	}
	if len(m.Args) < fixed || (!t.IsVariadic() && len(m.Args) > fixed) {
		return nil, bad(fmt.Sprintf("has type %v, given %d arguments", t, len(m.Args)))
	}
	args := make([]reflect.Value, len(m.Args))
	for i, a := range m.Args {
		pt := t.In(min(i, t.NumIn()-1))
		if t.IsVariadic() && i >= fixed {
			pt = pt.Elem()
		}
		switch {
		case a == nil:
			args[i] = reflect.Zero(pt)
		case reflect.TypeOf(a).AssignableTo(pt):
			args[i] = reflect.ValueOf(a)
		default:
			return nil, bad(fmt.Sprintf("argument %d is %T, the function takes %v", i+1, a, pt))
		}
	}
	return args, nil
}
