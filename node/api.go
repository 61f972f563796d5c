package node

import (
	"log/slog"
	"sync"
	"time"
)

// The module API: what module code may call, as package-level functions.
//
// Module source is ordinary Go. It imports "github.com/gexdev/gex/node"
// and calls node.StartLink("kv", nil, node.Named("KV")), node.Call(pid,
// req), node.Spawn(f), ... — the functions below. So go build, go vet and
// gopls check module code as any other, and the same source runs compiled
// and interpreted: the code server binds these names, with these
// signatures, to the node a module is loaded into (and pins what Spawn and
// AfterFunc start to the module version that started it).
//
// Each function acts on the node of the calling process, found from the
// goroutine as Self finds the process: a GenServer callback, a spawned
// function, a console evaluation. Called from outside any process (a
// test, main) it acts on the only running node if exactly one runs, so
// that a test that starts a node can call kv.Put as the console does;
// with no node running, or several, the functions that return an error
// return ErrNoNode, those that report presence (Self, Whereis, IsAlive)
// report absence, and Spawn, SpawnLink, SpawnOpts, AfterFunc and
// SendAfter, which return no error, panic with ErrNoNode.
//
// What manages the node — Start, Stop, SetResolver, SuspendAll, As — is
// not here: it takes the *Node, which module code never holds. Each
// function here is the method of the same name and signature on *Node
// applied to the caller's node; a test keeps the two in step.

// StartServer starts a GenServer; see Node.StartServer.
func StartServer(mod any, arg any, opts ...StartOption) (PID, error) {
	n, err := callerNode()
	if err != nil {
		return PID{}, err
	}
	return n.StartServer(mod, arg, opts...)
}

// StartLink starts a GenServer linked to the calling process; see
// Node.StartLink.
func StartLink(mod any, arg any, opts ...StartOption) (PID, error) {
	n, err := callerNode()
	if err != nil {
		return PID{}, err
	}
	return n.StartLink(mod, arg, opts...)
}

// StopServer stops a GenServer; see Node.StopServer.
func StopServer(dest Dest, reason any) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.StopServer(dest, reason)
}

// Call sends req to a GenServer and waits for its reply; see Node.Call.
func Call(dest Dest, req any) (any, error) {
	n, err := callerNode()
	if err != nil {
		return nil, err
	}
	return n.Call(dest, req)
}

// CallTimeout is Call with a timeout; see Node.CallTimeout.
func CallTimeout(dest Dest, req any, d time.Duration) (any, error) {
	n, err := callerNode()
	if err != nil {
		return nil, err
	}
	return n.CallTimeout(dest, req, d)
}

// Cast sends msg to a GenServer without waiting; see Node.Cast.
func Cast(dest Dest, msg any) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.Cast(dest, msg)
}

// Send sends a plain message; see Node.Send.
func Send(dest Dest, msg any) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.Send(dest, msg)
}

// Spawn starts f in a new process; see Node.Spawn.
func Spawn(f func(p *Proc)) PID { return mustCallerNode().Spawn(f) }

// SpawnLink starts f in a new process linked to the calling one; see
// Node.SpawnLink.
func SpawnLink(f func(p *Proc)) PID { return mustCallerNode().SpawnLink(f) }

// SpawnOpts starts f in a new process as opts say; see Node.SpawnOpts.
func SpawnOpts(f func(p *Proc), opts SpawnOptions) PID {
	return mustCallerNode().SpawnOpts(f, opts)
}

// AfterFunc calls f in a new process after d, as time.AfterFunc calls it
// on a goroutine; see Node.AfterFunc.
func AfterFunc(d time.Duration, f func()) *time.Timer { return mustCallerNode().AfterFunc(d, f) }

// SendAfter sends msg to dest after d, as Erlang's send_after; see
// Node.SendAfter.
func SendAfter(dest Dest, msg any, d time.Duration) *time.Timer {
	return mustCallerNode().SendAfter(dest, msg, d)
}

// Self returns the calling process.
func Self() (PID, bool) {
	p := callerProcess()
	if p == nil {
		return PID{}, false
	}
	return p.pid, true
}

// Register gives pid a name; see Node.Register.
func Register(name string, pid PID) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.Register(name, pid)
}

// Unregister removes a name; see Node.Unregister.
func Unregister(name string) {
	if n, err := callerNode(); err == nil {
		n.Unregister(name)
	}
}

// Whereis returns the process registered under name; see Node.Whereis.
func Whereis(name string) (PID, bool) {
	n, err := callerNode()
	if err != nil {
		return PID{}, false
	}
	return n.Whereis(name)
}

// Registered returns the registered names; see Node.Registered.
func Registered() []string {
	n, err := callerNode()
	if err != nil {
		return nil
	}
	return n.Registered()
}

// IsAlive reports whether pid is a live process; see Node.IsAlive.
func IsAlive(pid PID) bool {
	n, err := callerNode()
	return err == nil && n.IsAlive(pid)
}

// Info describes a process; see Node.Info.
func Info(pid PID) (ProcessInfo, error) {
	n, err := callerNode()
	if err != nil {
		return ProcessInfo{}, err
	}
	return n.Info(pid)
}

// Exit sends an exit signal to pid; see Node.Exit.
func Exit(pid PID, reason any) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.Exit(pid, reason)
}

// Link links the calling process to pid; see Node.Link.
func Link(pid PID) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.Link(pid)
}

// Unlink removes a link of the calling process; see Node.Unlink.
func Unlink(pid PID) {
	if n, err := callerNode(); err == nil {
		n.Unlink(pid)
	}
}

// TrapExit sets whether the calling process traps exits; see Node.TrapExit.
func TrapExit(on bool) (bool, error) {
	n, err := callerNode()
	if err != nil {
		return false, err
	}
	return n.TrapExit(on)
}

// Monitor makes the calling process watch dest; see Node.Monitor.
func Monitor(dest Dest) (Ref, error) {
	n, err := callerNode()
	if err != nil {
		return Ref{}, err
	}
	return n.Monitor(dest)
}

// Demonitor drops a monitor; see Node.Demonitor.
func Demonitor(ref Ref) {
	if n, err := callerNode(); err == nil {
		n.Demonitor(ref)
	}
}

// Sys returns the system-message interface of the caller's node; see
// Node.Sys. With no node its calls return ErrNoNode.
func Sys() System {
	n, err := callerNode()
	if err != nil {
		return System{}
	}
	return n.Sys()
}

// Logger returns the logger of the caller's node, or slog.Default() with
// no node.
func Logger() *slog.Logger {
	n, err := callerNode()
	if err != nil {
		return slog.Default()
	}
	return n.Logger()
}

// Uptime returns how long the caller's node has run, or 0 with no node.
func Uptime() time.Duration {
	n, err := callerNode()
	if err != nil {
		return 0
	}
	return n.Uptime()
}

// StartSupervisor starts a supervisor; see Node.StartSupervisor.
func StartSupervisor(spec SupervisorSpec, opts ...StartOption) (PID, error) {
	n, err := callerNode()
	if err != nil {
		return PID{}, err
	}
	return n.StartSupervisor(spec, opts...)
}

// StartChild adds a child to a supervisor; see Node.StartChild.
func StartChild(sup Dest, spec ChildSpec) (PID, error) {
	n, err := callerNode()
	if err != nil {
		return PID{}, err
	}
	return n.StartChild(sup, spec)
}

// TerminateChild stops a child of a supervisor; see Node.TerminateChild.
func TerminateChild(sup Dest, id string) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.TerminateChild(sup, id)
}

// RestartChild restarts a stopped child; see Node.RestartChild.
func RestartChild(sup Dest, id string) (PID, error) {
	n, err := callerNode()
	if err != nil {
		return PID{}, err
	}
	return n.RestartChild(sup, id)
}

// DeleteChild drops the spec of a stopped child; see Node.DeleteChild.
func DeleteChild(sup Dest, id string) error {
	n, err := callerNode()
	if err != nil {
		return err
	}
	return n.DeleteChild(sup, id)
}

// WhichChildren lists the children of a supervisor; see Node.WhichChildren.
func WhichChildren(sup Dest) ([]ChildInfo, error) {
	n, err := callerNode()
	if err != nil {
		return nil, err
	}
	return n.WhichChildren(sup)
}

// CountChildren counts the children of a supervisor; see
// Node.CountChildren.
func CountChildren(sup Dest) (ChildCounts, error) {
	n, err := callerNode()
	if err != nil {
		return ChildCounts{}, err
	}
	return n.CountChildren(sup)
}

// liveNodes holds the nodes started and not yet stopping, for callers of
// the module API outside any process.
var liveNodes struct {
	mu    sync.Mutex
	nodes map[*Node]struct{}
}

func addLive(n *Node) {
	liveNodes.mu.Lock()
	defer liveNodes.mu.Unlock()
	if liveNodes.nodes == nil {
		liveNodes.nodes = make(map[*Node]struct{})
	}
	liveNodes.nodes[n] = struct{}{}
}

func removeLive(n *Node) {
	liveNodes.mu.Lock()
	defer liveNodes.mu.Unlock()
	delete(liveNodes.nodes, n)
}

// callerNode returns the node of the calling process or else the only
// running node.
func callerNode() (*Node, error) {
	if p := callerProcess(); p != nil {
		return p.n, nil
	}
	liveNodes.mu.Lock()
	defer liveNodes.mu.Unlock()
	if len(liveNodes.nodes) == 1 {
		for n := range liveNodes.nodes {
			return n, nil
		}
	}
	return nil, ErrNoNode
}

func mustCallerNode() *Node {
	n, err := callerNode()
	if err != nil {
		panic(err)
	}
	return n
}
