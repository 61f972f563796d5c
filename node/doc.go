// Package node is the Gex runtime: a live Go node of processes with the
// semantics of Erlang/OTP.
//
// # Nodes and processes
//
// Start returns a Node, which owns every process, name and goroutine it
// runs; a program may run several nodes. The only package-level state is
// which process runs on which goroutine, and which nodes run, for the
// module API. Stop shuts the node down gracefully (newest top-level process
// first; supervisors stop their children before themselves, so Terminate
// callbacks run children before parents) and may be called more than once.
//
// A process is identified by a PID, printed #PID<0.N.0>. It has a mailbox
// that keeps messages in order per sender and never fills. There are two
// kinds:
//
//   - a spawned function (Spawn, SpawnLink), which owns a goroutine and
//     takes messages with Proc.Receive;
//   - a GenServer (StartServer, StartLink), driven by callbacks. A GenServer
//     whose mailbox is empty holds no goroutine: a message starts one, which
//     stays while messages keep coming and ends after an idle spell. A Call
//     to an idle server runs the callback on the caller's goroutine, which
//     would only wait otherwise.
//
// Links, monitors and exit signals follow Erlang: an abnormal exit of a
// linked process ends the process too unless it traps exits (TrapExit),
// in which case an ExitSignal message arrives instead; Exit with Kill
// cannot be trapped; monitors receive Down. Go cannot preempt a goroutine,
// so a process killed while its code runs finishes at once for everyone
// else (links, monitors, names, callers) and its goroutine ends the next
// time it returns to the runtime.
//
// A panic in a callback or a spawned function ends that process alone with
// a *PanicError reason, reported through the node's log/slog logger with
// pid, name, module and stack; callers waiting on it get an *ExitError.
//
// # GenServers and modules
//
// The runtime finds a GenServer's callbacks through the Module contract:
// Module.Callbacks is asked for each message, so a module whose code is
// replaced serves the next message with its new version, as a
// fully-qualified call does in Erlang. Compiled Go types that implement
// GenServer (Init, plus any of HandleCall, HandleCast, HandleInfo,
// Terminate, CodeChange, FormatStatus, Vsn) are adapted by Compiled; the
// code server (package node/code) supplies interpreted modules; a module
// name given to StartServer is looked up through the Resolver set with
// SetResolver.
//
// Callbacks return a Result: Reply, NoReply, StopReply or StopWith. A
// callback that returns NoReply for a call keeps the From and answers later
// with From.Reply, from any goroutine. Call waits 5 s by default and
// returns an error, never hangs, when the server is unknown, dies or does
// not answer in time (a callback run on the caller's goroutine is not
// interrupted: Go cannot).
//
// # sys
//
// Node.Sys returns the system-message interface: GetState, ReplaceState,
// GetStatus, Suspend, Resume, ChangeCode, Trace, Log, GetLog and Statistics,
// each bounded by a timeout. System messages have their own queue, served
// before ordinary messages and also while a process is suspended; a
// suspended process keeps its other messages queued, in order. ChangeCode
// is accepted only while suspended, and if CodeChange fails or panics the
// process keeps its old state and the caller gets the error.
//
// Batch (SuspendAll, Prepare, Commit, Abort, Resume) and ChangeCodeAll move
// many processes to new code as one all-or-nothing step: every new state is
// prepared before any is installed.
//
// # The module API
//
// Module code — interpreted modules and compiled code alike — calls the
// package-level functions of api.go: node.StartLink("kv", nil,
// node.Named("KV")), node.Call(pid, req), node.Spawn(f), node.Sys(), ...
// Each is the *Node method of the same name and signature, applied to the
// node of the calling process; outside any process, to the only running
// node, or else it fails with ErrNoNode (api.go says exactly how). The
// code server binds the same names to the node a module is loaded into.
package node
