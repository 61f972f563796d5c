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
//	new         make a Gex project that builds and releases as it stands
//	release     build a release of a project: its binary, manifest, relup and tarball
//	upgrade     upgrade a running release node to another release, hot
//	downgrade   downgrade a running release node to an older release, hot
//	releases    list the releases of a running release node
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
// result is printing; Ctrl-D detaches and leaves the node running. Each
// reload the node does on save (--watch, or the watch helper in any
// console) shows in every attached console as it happens, above the line
// being typed. When
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
// # Releases and hot upgrades
//
//	node new NAME [--gex DIR]
//	node release init
//	node release [NAME] [--env ENV] [--upgrade [--upfrom VSN]] [--dry-run]
//
// A project is a Go module with a gex.toml at its root naming its
// releases: name, version, module directories, the supervision tree to
// start (children as module, function, arguments), the node name, and
// environments that override them; node new makes one, node release init
// writes a commented gex.toml. node release builds _build/ENV/rel/NAME/:
// bin/NAME, a node binary built for the project by go build, carrying the
// interpreter symbols of every package its modules import, and
// releases/VSN/ with the manifest NAME.rel (modules with Vsn and SHA-256,
// the start spec, the Gex and Go versions), the module sources, and
// NAME.tar.gz with its .sha256. With --upgrade it also writes
// releases/VSN/relup, the plan from the newest older release built (or
// --upfrom): readable, editable, validated before it runs; --dry-run
// prints it and writes nothing.
//
// Extract the tarball into an empty directory on a machine of the same
// OS and architecture, with no Go toolchain, and run bin/NAME:
//
//	bin/NAME start | foreground | console | attach | stop | restart | ping | pid | eval | version
//	bin/NAME releases
//	bin/NAME upgrade [--check] [--no-permanent] [--restart] VSN
//	bin/NAME downgrade [--check] [--no-permanent] VSN
//
// node upgrade, downgrade and releases --name NAME do the same for the
// node called NAME.
//
// start boots the newest release placed in releases/ that has never run
// there, else the permanent one, and falls back to the permanent one,
// saying so, if the newest does not boot. To upgrade the live node, copy
// the new release's tarball and its .sha256 into releases/VSN/ and run
// bin/NAME upgrade VSN: the tarball is verified, the relup checked to
// start from the running version, every module compiled before anything
// changes, the processes running a changed module suspended (each within
// the release's suspend_timeout) and migrated by the new CodeChange; only
// if all succeed do code and states switch and the processes resume,
// otherwise every process resumes on its old code and state and the node
// runs the old release. The report tells per module what was done, per
// process the outcome, and how long processes were suspended. The new
// release becomes permanent unless --no-permanent; --check rehearses on
// copies of the states and changes nothing; downgrade runs the relup's
// down step. A release whose relup says restart_new_binary is refused hot;
// upgrade --restart unpacks it whole, binary included, restarts the node
// on it and reports the downtime.
//
// # Exit status
//
// 0 on success, 1 when a command fails, 2 for a command line that cannot
// be understood, 3 for node attach when the node stopped while attached,
// 4 for node foreground when another process serves the node already or
// is starting it.
package main
