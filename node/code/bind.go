package code

import (
	"maps"
	"reflect"

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
	spawn := func(f func(*node.Proc), opts node.SpawnOptions) node.PID {
		if opts.Module == "" {
			opts.Module, opts.Vsn = v.name, v.vsn
		}
		pid := n.SpawnOpts(f, opts)
		v.pins.add(n, pid)
		if v.purged.Load() {
			// Spawned by a process of a purged version while the purge ran:
			// it runs code that is gone, as its parent does.
			n.Exit(pid, node.Kill)
		}
		return pid
	}
	return map[string]reflect.Value{
		"Spawn": reflect.ValueOf(func(f func(*node.Proc)) node.PID {
			return spawn(f, node.SpawnOptions{})
		}),
		"SpawnLink": reflect.ValueOf(func(f func(*node.Proc)) node.PID {
			return spawn(f, node.SpawnOptions{Link: true})
		}),
		"SpawnOpts": reflect.ValueOf(spawn),
	}
}
