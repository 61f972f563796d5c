package code

import (
	"reflect"

	"github.com/gexdev/gex/node"
)

// callback describes one GenServer callback a module may export.
type callback struct {
	name string
	typ  reflect.Type
	want string // the signature as a module author writes it
	set  func(cb *node.Callbacks, f any)
}

// callbackSpecs lists the GenServer callbacks, in the order OTP documents
// them. The table is read-only.
var callbackSpecs = [...]callback{
	{"Init", reflect.TypeFor[func(any) (any, error)](),
		"func Init(arg any) (any, error)",
		func(cb *node.Callbacks, f any) { cb.Init = f.(func(any) (any, error)) }},
	{"HandleCall", reflect.TypeFor[func(any, node.From, any) node.Result](),
		"func HandleCall(req any, from node.From, state any) node.Result",
		func(cb *node.Callbacks, f any) { cb.HandleCall = f.(func(any, node.From, any) node.Result) }},
	{"HandleCast", reflect.TypeFor[func(any, any) node.Result](),
		"func HandleCast(msg any, state any) node.Result",
		func(cb *node.Callbacks, f any) { cb.HandleCast = f.(func(any, any) node.Result) }},
	{"HandleInfo", reflect.TypeFor[func(any, any) node.Result](),
		"func HandleInfo(msg any, state any) node.Result",
		func(cb *node.Callbacks, f any) { cb.HandleInfo = f.(func(any, any) node.Result) }},
	{"Terminate", reflect.TypeFor[func(any, any)](),
		"func Terminate(reason any, state any)",
		func(cb *node.Callbacks, f any) { cb.Terminate = f.(func(any, any)) }},
	{"CodeChange", reflect.TypeFor[func(string, any, any) (any, error)](),
		"func CodeChange(oldVsn string, state any, extra any) (any, error)",
		func(cb *node.Callbacks, f any) { cb.CodeChange = f.(func(string, any, any) (any, error)) }},
	{"FormatStatus", reflect.TypeFor[func(node.Status) any](),
		"func FormatStatus(s node.Status) any",
		func(cb *node.Callbacks, f any) { cb.FormatStatus = f.(func(node.Status) any) }},
}

// callbacks converts the module's exported callbacks to the Go function
// types the runtime calls, once per version: converting per message would
// cost an allocation and a type check every time.
func callbacks(v *version, exported map[string]reflect.Value) (*node.Callbacks, error) {
	cb := &node.Callbacks{Vsn: v.vsn}
	for _, spec := range callbackSpecs {
		f, ok := exported[spec.name]
		if !ok {
			continue
		}
		if !identical(f.Type(), spec.typ) {
			return nil, &CallbackError{Module: v.name, Callback: spec.name, Got: f.Type(), Want: spec.want}
		}
		f = f.Convert(spec.typ)
		spec.set(cb, f.Interface())
	}
	return cb, nil
}

// undefined returns callbacks for a module without a current version: each
// fails the process that calls it, as a call to a deleted module does on
// BEAM.
func undefined(name string) *node.Callbacks {
	fail := func(callback string) { panic(&UndefError{Module: name, Func: callback, Reason: "module not loaded"}) }
	return &node.Callbacks{
		Init:       func(any) (any, error) { fail("Init"); return nil, nil },
		HandleCall: func(any, node.From, any) node.Result { fail("HandleCall"); return node.Result{} },
		HandleCast: func(any, any) node.Result { fail("HandleCast"); return node.Result{} },
		HandleInfo: func(any, any) node.Result { fail("HandleInfo"); return node.Result{} },
		CodeChange: func(string, any, any) (any, error) { fail("CodeChange"); return nil, nil },
		Terminate:  func(any, any) {}, // a process ending must not fail again
	}
}
