// Package helpers is the console's toolbox as a Go API: the IEx helpers
// c, r, l, i, h, v, pid, flush, ls, pwd, cd, clear, exports, recompile,
// watch, unwatch, runtime_info, processes and printable_limit, as methods
// of an Env.
//
// The console calls them for the IEx forms (`r KV` is env.R("KV")) and
// binds them as session variables for the Go forms (`r("KV")`); Go code
// elsewhere may call them too:
//
//	env := &helpers.Env{Node: n, Code: cs, Out: os.Stdout}
//	env.R("KV") // warning: redefining module KV (current version loaded from kv.go)
//
// The catalogue of helpers is one table, Table: each entry's name,
// synopsis, doc, the parameters of its IEx form and its Go function. The
// console derives from it every form it parses, every name it binds,
// what Tab completes and what h shows, so adding a helper is adding an
// entry. The :sys and :code calls are entries too, beside sys and code,
// the names bound for their Go forms.
//
// Helpers that show something (h, i, ls, processes, runtime_info) write
// it to Env.Out and return nothing else; helpers that do something (c, r,
// l, cd) return what they did, for the console to print. Errors are
// returned, never printed.
package helpers
