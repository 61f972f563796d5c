// Package helpers is the console's toolbox as a Go API: the IEx helpers
// c, r, l, i, h, flush, ls, pwd, cd, clear, exports, recompile,
// runtime_info and processes, as methods of an Env.
//
// The console calls them for the IEx forms (`r KV` is env.R("KV")) and
// binds them as session variables for the Go forms (`r("KV")`); Go code
// elsewhere may call them too:
//
//	env := &helpers.Env{Node: n, Code: cs, Out: os.Stdout}
//	env.R("KV") // warning: redefining module KV (current version loaded from kv.go)
//
// Helpers that show something (h, i, ls, processes, runtime_info) write
// it to Env.Out and return nothing else; helpers that do something (c, r,
// l, cd) return what they did, for the console to print. Errors are
// returned, never printed.
package helpers
