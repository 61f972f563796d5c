package code

import (
	"fmt"
	"reflect"
)

// Importers of a module (other modules, the console) do not see its
// functions: they see stubs, made with reflect.MakeFunc with the same
// signatures, that find the function in the module's current version at
// each call. Code compiled against one version thus reaches the next one
// after a reload, as Erlang's fully qualified calls do, and a stub holds the
// module, never a version, so purged versions can be collected.

// refreshStubs makes sure every function of v has a stub of its signature.
// A function whose signature changed gets a new stub for new importers;
// old importers keep the old stub, which reports the change when called.
// Called with the Server's mutex held.
func (m *module) refreshStubs(v *version) {
	for name, f := range v.funcs {
		if st, ok := m.stubs[name]; ok && identical(st.Type(), f.Type()) {
			continue
		}
		m.stubs[name] = reflect.MakeFunc(f.Type(), m.dispatch(name, f.Type()))
	}
}

// dispatch is the body of a stub.
func (m *module) dispatch(name string, typ reflect.Type) func([]reflect.Value) []reflect.Value {
	if typ.IsVariadic() {
		// MakeFunc hands the variadic arguments over as one slice.
		return func(args []reflect.Value) []reflect.Value { return m.function(name, typ).CallSlice(args) }
	}
	return func(args []reflect.Value) []reflect.Value { return m.function(name, typ).Call(args) }
}

// function returns the current version's function name, or panics with an
// *UndefError: a stub cannot return an error its signature lacks, and a
// call to an undefined function fails the caller on BEAM too.
func (m *module) function(name string, typ reflect.Type) reflect.Value {
	v := m.cur.Load()
	if v == nil {
		panic(&UndefError{Module: m.name, Func: name, Reason: "module not loaded"})
	}
	f, ok := v.funcs[name]
	if !ok {
		panic(&UndefError{Module: m.name, Func: name, Reason: fmt.Sprintf("undefined in vsn %s", v.vsn)})
	}
	if f.Type() != typ {
		if !identical(f.Type(), typ) {
			panic(&UndefError{Module: m.name, Func: name, Reason: fmt.Sprintf(
				"vsn %s has type %v, the caller was compiled against %v", v.vsn, f.Type(), typ)})
		}
		f = f.Convert(typ) // the same signature, spelled by another tier (identical)
	}
	return f
}
