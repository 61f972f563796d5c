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
//	console     start a node and a console on it, loading a directory's modules
//	start       start a node in the background (a daemon), loading a directory's modules
//	foreground  run a node in the foreground, attachable, without a console (for systemd)
//	attach      attach a console to a running node
//	eval        evaluate console input on a running node and print the result
//	stop        stop a running node gracefully
//	ping        check that a node is running: prints pong
//	pid         print the OS process id of a running node
//	version     print the version of Gex
//
// Every command that reaches a running node takes --name NAME (default
// node@HOST) and finds it through its unix socket in the runtime
// directory: $GEX_RUNTIME_DIR, else $XDG_RUNTIME_DIR/gex, else
// /tmp/gex-UID. The directory is 0700 and the socket 0600, and the node
// refuses a peer of another uid (SO_PEERCRED); no secret is ever put on a
// command line. The directory also holds NAME.pid and NAME.log.
//
// # node console
//
//	node console [DIR] [--name NAME] [--max-sessions N]
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
// # node start, attach, stop
//
//	node start [DIR] [--name NAME] [--max-sessions N]
//	node foreground [DIR] [--name NAME] [--max-sessions N]
//	node attach [--name NAME]
//	node eval [--name NAME] EXPR
//	node stop [--name NAME]
//
// Start runs node foreground DIR as a daemon, its output appended to
// NAME.log, and returns once the node answers. Of several starts of one
// node at once, one starts it and says so; the others say that another
// start won and exit with status 1. Attach is the full console on the
// running node, as iex --remsh is, with a session of its own: completion,
// colors and helpers as in node console, history kept on the client's
// side. Ctrl-C interrupts that console's evaluation, even while a long
// result is printing; Ctrl-D detaches and leaves the node running. When
// the node stops, an attached console, at its prompt or in an evaluation,
// prints "node NAME stopped" at once and exits with status 3. node
// console serves the socket too, so others can attach to it. Each
// command's --help tells more.
//
// A node serves at most --max-sessions attached consoles and evals at once
// (default 256); one more is refused, saying so, and the node's log notes
// refusals at most once every 10 seconds. The control commands ping, pid,
// stop and version are answered however many sessions are attached.
//
// # Exit status
//
// 0 on success, 1 when a command fails, 2 for a command line that cannot
// be understood, 3 for node attach when the node stopped while attached,
// 4 for node foreground when another process serves the node already or
// is starting it.
package main
