// Package shell is Gex's console: the evaluation engine (Session), the
// readline front end (Console), printing and IEx-style input. Other
// terminals reach a running node's sessions through package
// shell/attach, whose client is an Engine too.
//
// # Console
//
// A Session is one console on a live node: an Engine. It reads each
// complete input (see Incomplete) as one of three forms (see ParseInput):
//
//   - an IEx helper, with or without parentheses: r KV, c "kv.go",
//     v(-2), i pid, h r; the helpers, their arities and their help are
//     one table, helpers.Table, from which the session derives the forms
//     it parses, the Go names it binds, completion and h;
//   - an Erlang-style call: :sys.get_state pid, :sys.change_code pid,
//     DemoServer, "1", nil, :code.load_file KV; its arguments are Go
//     expressions, and a bare name that is no variable names a module or
//     a registered process;
//   - Go, run by yaegi inside the node. Variables persist; the standard
//     library, package node and the loaded modules need no import line,
//     and a module's functions reach its current version. The helpers are
//     there in Go form too: r("KV"), sys.GetState(pid), v(-2).
//
// A line of several statements shows the value of its last, as IEx
// does (a := 1; b := 2; a + b shows 3). Go's convention for a last
// result of type error is applied by the static types: (PID, error)
// shows the PID or the error, (int, any) both values. Input over 64 KiB
// is refused before the interpreter sees it.
//
// Results are printed by package printer, as Go composite literals, in
// color when the terminal has it, strings cut at the session's printable
// limit (printable_limit, as IEx's :printable_limit). Errors print as "** (error) ...", with the
// line and column in the input where the interpreter gives one; a panic
// prints with its interpreted and compiled frames. Nothing typed ends
// the session. A long session does not grow without bound: it moves to
// a fresh interpreter every so many inputs, keeping its variables.
//
// Input is kept from stopping the node where the session can: go
// statements are refused, and a function given to time.AfterFunc or
// context.AfterFunc runs in a process of its own, whose panic is
// reported as any process's. Unbounded recursion in interpreted code
// still overflows its goroutine's stack, a fatal error no recover can
// catch. Ctrl-C interrupts helpers and calls as it does Go: one blocked
// in compiled code goes on in the background while the session goes on.
// What such work, processes or traces write between inputs is held, up
// to 64 KiB, and shown before the next input's output.
//
// A Console is the line-editing front end of any Engine: readline with
// history, Ctrl-R search, Tab completion through Engine.Complete, Ctrl-C
// to interrupt an evaluation and Ctrl-D to leave. An Engine that is a
// Notifier has news that will not wait for the next answer: each session
// hears of every reload its node's watcher does on save (the watch
// helper, node console --watch), and the Console prints the line at once,
// above the line being typed, which it draws again as it was.
package shell
