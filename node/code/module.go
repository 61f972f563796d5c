package code

import (
	"reflect"
	"sync/atomic"

	"github.com/gexdev/gex/node"
)

// module is a module as the runtime and importers see it: a name whose
// current version changes under them. It implements node.Module.
//
// cur is read without locks, for every message a GenServer of the module
// handles; everything else is guarded by the Server's mutex.
type module struct {
	name  string
	undef *node.Callbacks // served while there is no current version
	cur   atomic.Pointer[version]

	old   *version
	stubs map[string]reflect.Value // exported function name → dispatch stub

	mapped map[string]int64 // plugin file → bytes mapped, for every native version installed
}

func newModule(name string) *module {
	return &module{name: name, undef: undefined(name), stubs: make(map[string]reflect.Value), mapped: make(map[string]int64)}
}

// Name returns the module's package name.
func (m *module) Name() string { return m.name }

// Callbacks returns the current version's callbacks. The runtime calls it
// for every message, so the message after a load runs the new code with
// the state the old code left, as OTP's fully qualified calls do.
func (m *module) Callbacks() *node.Callbacks {
	if v := m.cur.Load(); v != nil {
		return v.cb
	}
	return m.undef
}

// exports returns the symbols an importer of the module is given: a stub
// for each function of the current version, and its constants and types.
// Called with the Server's mutex held.
func (m *module) exports() map[string]reflect.Value {
	v := m.cur.Load()
	if v == nil {
		return nil
	}
	out := make(map[string]reflect.Value, len(v.funcs)+len(v.other))
	for name := range v.funcs {
		out[name] = m.stubs[name]
	}
	for name, val := range v.other {
		out[name] = val
	}
	return out
}
