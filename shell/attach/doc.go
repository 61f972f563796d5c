// Package attach is the wire by which terminals reach a running Gex node:
// the attach protocol, its Server (in the node) and Client (in node attach,
// node eval and the control commands), the peer check and the runtime
// directory. A Server serves shell.Engine sessions, one per connection,
// that it makes through ServerOptions.NewSession for each client's
// Terminal; an attached Client is a shell.Engine in turn, for a
// shell.Console to drive.
//
// # Runtime directory and peers
//
// A node that can be attached to (node console, node start, node
// foreground) listens on a unix stream socket in its runtime directory (see
// RunDir): $GEX_RUNTIME_DIR, else $XDG_RUNTIME_DIR/gex, else
// $TMPDIR/gex-<uid> (/tmp/gex-<uid>), as <node>.sock beside <node>.pid and
// <node>.log. While it serves the socket the node holds <node>.lock
// locked (flock), so that of several processes starting one node at once,
// one serves it and the others fail with ErrAlreadyRunning. The directory is mode 0700 and owned by the node's user, the
// socket 0600; and the node asks the kernel who connected (SO_PEERCRED)
// and refuses every other user, saying so to the client and in its log.
// There is no cookie or other secret, on a command line or anywhere else.
//
// The client checks the node too: it asks the kernel who listens on the
// socket, and talks only to a node of its own user. A runtime directory in
// a shared /tmp can be made first by anyone, and a listener there must not
// receive the user's console input.
//
// # Frames
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
// # Handshake
//
// The client speaks first, with a Hello:
//
//	H  Hello    "GEX", version, mode, flags, width
//
// The magic "GEX" and the version come first in every version of the
// protocol; ProtocolVersion is 3. Mode is 's' for an interactive session,
// 'e' for one evaluation (node eval) or 'c' for one control command, with
// no session. Flags bit 0 says the client's terminal shows colors; width
// is its width in columns, 0 if unknown. The session prints for that
// terminal (see Terminal): the client decides color, not the node. The
// node answers:
//
//	W  Welcome  version, node name, node OS pid; in mode 's' a Prompt follows
//	R  Refuse   code, reason text; the node then closes
//
// Refuse codes: 1 not the protocol, 2 another version, 3 another user, 4
// the node is stopping, 5 no session could be made, 6 the node is busy:
// it already serves MaxSessions sessions (a client asking for a session is
// refused after its hello; a control command is still answered), or
// MaxConns connections of any kind (it answers such a client at once,
// without reading its hello). By default MaxConns leaves 64 connections
// beside a full set of sessions, so that control commands always have
// room. Refusals are logged at most once every 10 seconds, with the count
// refused since the last line. Before the welcome a frame may be at most
// 4 KiB. A client that sends nothing whole within a few seconds is
// disconnected, as is a control client that asks nothing.
//
// # Sessions
//
// After the welcome a session's client sends requests; the node answers
// them one at a time, in order:
//
//	E  Eval       the line               answer: O* P? F
//	C  Complete   cursor pos, line       answer: M
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
//	N  Notice   text: lines to show at once, at any time
//	!  Error    code, text; the node is closing this connection, and this
//	            is the last frame it sends: code 1 a protocol error, 2 the
//	            node is stopping
//
// Result status is 0 for success, 1 for an evaluation that failed and whose
// error the session has already shown in Output (the client's Eval returns
// a *shell.EvalError), 2 for a failure of the session itself, not shown (a
// *RemoteError); flags bit 0 says an Interrupt cancelled the evaluation.
// The message is cut at 4 KiB, so that it always fits in a frame.
// Output can also arrive between answers, from work an evaluation left
// running; a client shows it with the answer to its next Eval.
//
// A Notice is news that will not wait for the next Eval: the line of a
// reload done by the node's watcher on save (package node/code/watch),
// which the node sends to every interactive session when it happens, idle
// or busy, between the frames of an answer too. Its text is whole lines,
// at most 8 KiB; it belongs to no request, and a client shows it at once,
// above the line being typed (the session's shell.Notifier). Neither side
// waits for the other over notices: the node's session keeps a few for a
// client slow to read them, the client a few for a terminal slow to show
// them, and both drop the ones beyond. Only mode 's' gets notices.
// Version 3 added the Notice; version 2 had none.
//
// An Interrupt is read while Output streams out: once it has cancelled the
// evaluation, the node sends at most one more chunk (32 KiB) of its output,
// enough for the session to say it was interrupted; if the evaluation goes
// on writing, the rest is dropped, the node adds "** (interrupted) output
// cut", and the Result says status 1, interrupted. A long result never
// holds Ctrl-C back.
//
// Each connection has its own session, and so its own variables. An
// Interrupt cancels the context of that connection's evaluation and no
// other; a connection that closes, cleanly or because its client died,
// has its evaluation cancelled and its session closed. When the node stops
// (Server.Drain, then Close) it sends each session's client an Error frame
// with code 2 at once, idle or busy, and then interrupts every evaluation;
// the client's Done is closed and its Err matches ErrNodeStopped, and node
// attach says "node NAME stopped". A session still busy a few seconds
// later is abandoned, its connection closed, so that the node's process
// can exit.
//
// # Control commands
//
// A control client (mode 'c') sends one request after the welcome:
//
//	X  Command  name, count, args (strings)   answer: O* F, then the end
//
// and may send Interrupt, which cancels the command's context, or Detach,
// while it runs. The node runs the Command of that name, streams what it
// writes as Output, answers a Result (status 0 success; 1 the command
// failed, message its error; 2 no such command, message the names it has)
// and closes the connection; after stop, only once the node has stopped,
// so the client's wait is the stop's. Control commands do not count
// against MaxSessions.
//
// The commands are one table: the built-in ping ("pong"), pid (the node's
// OS pid), version (Version) and stop (ServerOptions.Stop), and those an
// embedder adds in ServerOptions.Commands, such as the release tools'
// upgrade, downgrade and releases. A Command gets the client's arguments
// and a writer for its output, which reaches the client as it is written;
// its ctx ends when the client interrupts or leaves or the node stops; its
// error reaches the client, as the *CommandError that Control returns,
// with its message; a panic in it is such an error. The client side of
// every command is Control (Ping and StopNode are two of them).
package attach
