package code

import (
	"context"
	"maps"
	"reflect"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/interp"
	"github.com/gexdev/gex/node/symbols"
)

// Symbol keys of the packages the node gives modules.
var (
	nodeKey    = interp.Key(interp.NodePath)
	migrateKey = interp.Key(interp.MigratePath)
)

// notForModules are the names of package node that manage a node rather
// than act in one: module code never holds the *Node, so in the
// interpreter they are missing and a module that calls node.Start fails
// to compile (`package node "github.com/gexdev/gex/node" has no symbol
// Start`). Compiled code sees them, as the
// embedder of a node must.
var notForModules = []string{"Start", "Options", "Node", "Resolver", "_Resolver", "FuncResolver", "_FuncResolver", "Batch"}

// nodeSymbols returns the package node as modules of n see it: the
// generated symbols of the module API (node/api.go), less notForModules,
// with each API function bound to n — the method of *node.Node with the
// same name and signature. The compiled API finds the caller's node from
// the goroutine; bound, a module's init (run on whatever goroutine loads
// it) acts on the node it is loaded into too.
func nodeSymbols(n *node.Node) map[string]reflect.Value {
	syms := maps.Clone(symbols.Symbols[nodeKey])
	for _, name := range notForModules {
		delete(syms, name)
	}
	v := reflect.ValueOf(n)
	for name, sym := range syms {
		if sym.Kind() != reflect.Func {
			continue
		}
		if m := v.MethodByName(name); m.IsValid() && m.Type() == sym.Type() {
			// A plain func value, not a method value: the interpreter calls
			// it like any function of a compiled package.
			syms[name] = reflect.ValueOf(m.Interface())
		}
	}
	return syms
}

// spawnSymbols returns, for one version, the node functions that start
// processes, pinned to that version: purging the version kills them, as
// purging a module on BEAM kills the processes running its old code. They
// have the signatures of the module API's.
func spawnSymbols(n *node.Node, v *version) map[string]reflect.Value {
	return map[string]reflect.Value{
		"Spawn": reflect.ValueOf(func(f func(*node.Proc)) node.PID {
			return v.spawn(n, f, node.SpawnOptions{})
		}),
		"SpawnLink": reflect.ValueOf(func(f func(*node.Proc)) node.PID {
			return v.spawn(n, f, node.SpawnOptions{Link: true})
		}),
		"SpawnOpts": reflect.ValueOf(func(f func(*node.Proc), opts node.SpawnOptions) node.PID {
			return v.spawn(n, f, opts)
		}),
		"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
			return time.AfterFunc(d, func() { v.spawn(n, func(*node.Proc) { f() }, node.SpawnOptions{}) })
		}),
	}
}

// afterFuncSymbols returns, for one version, its time.AfterFunc or
// context.AfterFunc, as ipath asks, calling f in a process pinned to the
// version.
func afterFuncSymbols(n *node.Node, v *version, ipath string) map[string]reflect.Value {
	return AfterFuncSymbols(ipath, func(f func()) {
		v.spawn(n, func(*node.Proc) { f() }, node.SpawnOptions{})
	})
}

// AfterFuncSymbols returns time.AfterFunc or context.AfterFunc, as ipath
// ("time" or "context") asks, for interpreted code: they hand f to start
// rather than call it. The standard ones call f on a goroutine of their
// own, where a panic would kill the node as in a go statement; start
// should run it in a process, which recovers and reports. The timer's
// goroutine only calls start, so Stop works as documented. For another
// package AfterFuncSymbols returns nil.
func AfterFuncSymbols(ipath string, start func(f func())) map[string]reflect.Value {
	switch ipath {
	case "time":
		return map[string]reflect.Value{"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
			return time.AfterFunc(d, func() { start(f) })
		})}
	case "context":
		return map[string]reflect.Value{"AfterFunc": reflect.ValueOf(func(ctx context.Context, f func()) (stop func() bool) {
			return context.AfterFunc(ctx, func() { start(f) })
		})}
	}
	return nil
}

// spawn starts f in a process pinned to v.
func (v *version) spawn(n *node.Node, f func(*node.Proc), opts node.SpawnOptions) node.PID {
	if opts.Module == "" {
		opts.Module, opts.Vsn = v.name, v.vsn
	}
	pid := n.SpawnOpts(f, opts)
	v.pins.add(n, pid)
	if v.purged.Load() {
		// Spawned by code of a purged version (a process while the purge
		// ran, a timer) or of one that failed to compile: it runs code
		// that is gone.
		n.Exit(pid, node.Kill)
	}
	return pid
}
