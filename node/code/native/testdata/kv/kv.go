// Package kv is examples/kv's server without its client functions, which
// call package node's functions of the calling process.
package kv

import "github.com/gexdev/gex/node"

const Vsn = "0"

// Entry is an exported type, for the exports table.
type Entry struct{ Key, Value any }

// Double is an exported function that is not a callback.
func Double(x int) int { return 2 * x }

func Init(arg any) (any, error) {
	return map[any]any{}, nil
}

// HandleCall serves {"get", key, default} and {"put", key, value}.
func HandleCall(req any, from node.From, state any) node.Result {
	m := state.(map[any]any)
	r := req.([]any)
	switch op, _ := r[0].(string); op {
	case "get":
		if v, ok := m[r[1]]; ok {
			return node.Reply(v, m)
		}
		return node.Reply(r[2], m)
	case "put":
		m[r[1]] = r[2]
		return node.Reply(node.Atom("ok"), m)
	case "vsn":
		return node.Reply(Vsn, m)
	}
	return node.Reply(node.Atom("error"), m)
}
