// Command node runs a Gex node and its console, the way an Erlang
// release's bin/app script and iex do.
//
// Usage:
//
//	node <command> [arguments]
//	node help <command>
//
// The commands are:
//
//	console   start a node and a console on it, loading a directory's modules
//
// # node console
//
//	node console [DIR] [--name NAME]
//
// Console starts a node named NAME (default node@HOST; a name without a
// host gets this machine's) in this process, puts DIR (default ".") on
// its code path and loads the modules there, as iex -S mix does: each
// file NAME.go, and each directory NAME holding package NAME. It then
// reads console input until Ctrl-D on an empty line, and stops the node
// gracefully: every process's Terminate runs.
//
// Input is Go, evaluated inside the node, or one of IEx's helpers and
// Erlang-style calls:
//
//	gex(node@host)1> pid, _ := kv.StartLink()
//	gex(node@host)2> kv.Put("a", 42)
//	gex(node@host)3> :sys.get_state KV
//	gex(node@host)4> r KV
//
// Type h for the list of helpers. Tab completes helpers, variables,
// modules and their functions, and the :sys and :code calls; Ctrl-R
// searches the history; Ctrl-C interrupts the running evaluation, never
// the node.
//
// The history is kept across runs in $GEX_HISTORY, or else
// $XDG_STATE_HOME/gex/history (~/.local/state/gex/history), at most 1000
// lines, readable by its owner alone. Output is colored when it goes to a
// terminal and NO_COLOR is unset.
//
// # Exit status
//
// 0 on success, 1 when a command fails, 2 for a command line that cannot
// be understood.
package main
