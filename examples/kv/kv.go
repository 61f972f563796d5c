// Package kv is the key-value server of the walkthrough "Elixir/Erlang Hot
// Swapping Code", in Go: a GenServer registered as KV, holding a map.
//
// It is a Gex module: ordinary Go, which go build and go vet check, and
// which the node's interpreter runs, so that a new version can replace it
// while it runs:
//
//	gex(kv@host)1> c "examples/kv/kv.go"
//	gex(kv@host)2> kv.StartLink()
//	gex(kv@host)3> kv.Put("a", 42)
//	gex(kv@host)4> kv.Get("a")
//
// v1/kv.go is the same module after the walkthrough's patch: it logs each
// request. Copy it over kv.go and `r KV` to load it into the running node.
package kv

import "github.com/gexdev/gex/node"

const Vsn = "0"

// StartLink starts the server, registered as KV.
func StartLink() (node.PID, error) {
	return node.StartLink("kv", nil, node.Named("KV"))
}

// Get returns the value stored under key, or nil.
func Get(key any) (any, error) {
	return node.Call(node.Name("KV"), []any{"get", key, nil})
}

// Put stores value under key.
func Put(key, value any) (any, error) {
	return node.Call(node.Name("KV"), []any{"put", key, value})
}

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
	}
	return node.Reply(node.Atom("error"), m)
}
