package code

import (
	"context"
	"maps"
	"reflect"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/symbols"
)

// Import paths and symbol keys of the packages the node gives modules.
const (
	nodePath    = "github.com/gexdev/gex/node"
	nodeKey     = nodePath + "/node"
	migratePath = "github.com/gexdev/gex/node/migrate"
	migrateKey  = migratePath + "/migrate"
)

// nodeSymbols returns the package node as modules of n see it: the
// generated symbols (types, functions, constants) and, as package-level
// functions, the methods of n, so that node.Call(pid, req) in a module is
// n.Call. Where a method and a generated symbol share a name (node.Name is
// a type and (*Node).Name a method), the generated symbol wins: the
// architecture gives package-level names precedence.
func nodeSymbols(n *node.Node) map[string]reflect.Value {
	syms := maps.Clone(symbols.Symbols[nodeKey])
	v := reflect.ValueOf(n)
	t := v.Type()
	for i := range t.NumMethod() {
		name := t.Method(i).Name
		if _, taken := syms[name]; taken {
			continue
		}
		// A plain func value, not a method value: the interpreter calls it
		// like any function of a compiled package.
		syms[name] = reflect.ValueOf(v.Method(i).Interface())
	}
	return syms
}

// spawnSymbols returns, for one version, the node functions that start
// processes, pinned to that version: purging the version kills them, as
// purging a module on BEAM kills the processes running its old code.
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
