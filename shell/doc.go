// Package shell is Gex's console: the evaluation engine (Session), the
// readline front end (Console), printing, IEx-style input, and the attach
// protocol by which other terminals reach a running node.
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
// to interrupt an evaluation and Ctrl-D to leave.
//
// # Attach protocol
//
// A node that can be attached to (node console, node start, node
// foreground) listens on a unix stream socket in its runtime directory (see
// RunDir): $GEX_RUNTIME_DIR, else $XDG_RUNTIME_DIR/gex, else
// $TMPDIR/gex-<uid> (/tmp/gex-<uid>), as <node>.sock beside <node>.pid and
// <node>.log. The directory is mode 0700 and owned by the node's user, the
// socket 0600; and the node asks the kernel who connected (SO_PEERCRED)
// and refuses every other user, saying so to the client and in its log.
// There is no cookie or other secret, on a command line or anywhere else.
//
// Everything on the socket is a frame:
//
//	length  uint32, big-endian: the bytes that follow, 1 to MaxFrameSize
//	type    1 byte, a letter
//	payload length-1 bytes
//
// Inside payloads, numbers are unsigned varints (encoding/binary), strings
// are a varint length and the bytes, and text that ends a payload takes the
// rest of it. A frame of unknown type, an oversized or empty frame, or a
// malformed payload is a protocol error: the node answers with an Error
// frame (or, during the handshake, a Refuse) and closes that connection
// only.
//
// The client speaks first, with a Hello:
//
//	H  Hello    "GEX", version, mode, flags, width
//
// The magic "GEX" and the version come first in every version of the
// protocol; ProtocolVersion is 1. Mode is 's' for an interactive session,
// 'e' for one evaluation (node eval) or 'c' for control: no session, only
// ping and stop. Flags bit 0 says the client's terminal shows colors; width
// is its width in columns, 0 if unknown. The session prints for that
// terminal: the client decides color, not the node. The node answers:
//
//	W  Welcome  version, node name, node OS pid; in mode 's' a Prompt follows
//	R  Refuse   code, reason text; the node then closes
//
// Refuse codes: 1 not the protocol, 2 another version, 3 another user, 4
// the node is stopping, 5 no session could be made, 6 the node already
// serves as many connections as it will (it answers such a client at once,
// without reading its hello). Before the welcome a frame may be at most
// 4 KiB. A client that sends nothing whole within a few seconds is
// disconnected, as is a control client that asks nothing.
//
// The client checks the node too: it asks the kernel who listens on the
// socket, and talks only to a node of its own user. A runtime directory in
// a shared /tmp can be made first by anyone, and a listener there must not
// receive the user's console input.
//
// After the welcome the client sends requests; the node answers them one at
// a time, in order:
//
//	E  Eval       the line               answer: O* P? F
//	C  Complete   cursor pos, line       answer: M
//	S  Stop       (mode 'c' only)        answer: F, then the end of the
//	                                     connection once the node has stopped
//
// and these, which act at once, even while an evaluation runs:
//
//	I  Interrupt  cancel this client's running evaluation, if any
//	D  Detach     end the session; the node keeps running
//
// The node sends:
//
//	O  Output   bytes the evaluation wrote, at most 32 KiB a frame
//	P  Prompt   the prompt to show next
//	M  Matches  length, count, candidates: as readline's AutoCompleter
//	F  Result   status, flags, message
//	!  Error    text; the node is closing this connection (protocol error,
//	            or the node is stopping)
//
// Result status is 0 for success, 1 for an evaluation that failed and whose
// error the session has already shown in Output (the client's Eval returns
// an *EvalError), 2 for a failure of the session itself, not shown (a
// *RemoteError); flags bit 0 says an Interrupt cancelled the evaluation.
// The message is cut at 4 KiB, so that it always fits in a frame.
// Output can also arrive between answers, from work an evaluation left
// running; a client shows it with the answer to its next Eval.
//
// Each connection has its own session, and so its own variables. An
// Interrupt cancels the context of that connection's evaluation and no
// other; a connection that closes, cleanly or because its client died,
// has its evaluation cancelled and its session closed. When the node stops
// it interrupts every evaluation and sends each client an Error frame
// saying so; a session still busy a few seconds later is abandoned, its
// connection closed, so that the node's process can exit.
package shell
