package code_test

import "fmt"

// kvSrc is a small KV module; extra is added to its body.
func kvSrc(vsn, extra string) string {
	return fmt.Sprintf(`package kv

import "github.com/gexdev/gex/node"

const Vsn = %q

func Init(arg any) (any, error) { return map[any]any{}, nil }

func HandleCall(req any, from node.From, state any) node.Result {
	m := state.(map[any]any)
	r := req.([]any)
	switch op, _ := r[0].(string); op {
	case "get":
		return node.Reply(m[r[1]], m)
	case "put":
		m[r[1]] = r[2]
		return node.Reply(node.Atom("ok"), m)
	case "vsn":
		return node.Reply(Vsn, m)
	}
	return node.Reply(nil, m)
}
%s`, vsn, extra)
}
