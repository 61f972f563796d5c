package node

import (
	"runtime"
	"runtime/debug"
	"time"
)

// Proc is a spawned function's handle on its own process. Its methods are
// meant for the process's own goroutine, as self() and receive are in Erlang.
type Proc struct {
	p *process
}

// funcState is what a spawned function's process keeps beyond the mailbox.
type funcState struct {
	trace bool
}

// SpawnOptions configures SpawnOpts.
type SpawnOptions struct {
	// Link links the new process to the calling process, if there is one.
	Link bool
	// Module and Vsn pin the process to a module version: purging that
	// version kills the process. The code server sets them for functions
	// spawned by interpreted modules.
	Module, Vsn string
}

// Spawn starts f in a new process and returns its PID.
//
// While the node is stopping, the new process is dead from the start,
// killed, and f runs all the same: its first Receive (or ReceiveTimeout)
// ends it, running its deferred calls, so a function that is handed a
// resource and closes it in a defer closes it then too. Linked to a
// live process, it ends that one with reason Killed, as a process that
// is gone does.
func (n *Node) Spawn(f func(p *Proc)) PID {
	return n.SpawnOpts(f, SpawnOptions{})
}

// SpawnLink starts f in a new process linked to the calling process.
func (n *Node) SpawnLink(f func(p *Proc)) PID {
	return n.SpawnOpts(f, SpawnOptions{Link: true})
}

// SpawnOpts starts f in a new process as opts say.
func (n *Node) SpawnOpts(f func(p *Proc), opts SpawnOptions) PID {
	parent := n.current()
	var parentPID PID
	if parent != nil {
		parentPID = parent.pid
	}
	p := n.newProcess(funcProc, parentPID)
	p.fn = &funcState{}
	p.wake = make(chan struct{}, 1)
	p.module, p.vsn = opts.Module, opts.Vsn
	if opts.Module == "" && parent != nil && parent.kind == funcProc {
		// Code spawned by a pinned function runs the same version.
		p.module, p.vsn = parent.pinned()
	}
	p.active = true
	if !n.admit(p) {
		// The node is stopping, and p is dead already (killed). f runs
		// all the same, so that what it defers runs: a resource handed
		// to it, that it closes on its way out, is not left open. Its
		// first Receive ends it. Stop does not wait for it, since it may
		// be past waiting; a function that never receives and blocks
		// runs on, as a killed process blocked outside Receive does.
		go p.runFunc(f)
		return p.pid
	}
	if opts.Link && parent != nil {
		link(parent, p)
	}
	n.goroutine(func() { p.runFunc(f) })
	return p.pid
}

func (p *process) runFunc(f func(*Proc)) {
	id := p.n.enter(p)
	defer p.n.leave(id)
	reason := any(Normal)
	exited := true
	defer func() {
		if exited {
			// runtime.Goexit from Receive after a fatal signal: the
			// process finished already, or the exit reason is recorded.
			p.finish(p.pendingReason())
			return
		}
		p.finish(reason)
	}()
	defer func() {
		if v := recover(); v != nil {
			reason = &PanicError{Value: v, Stack: string(debug.Stack())}
			exited = false
		}
	}()
	f(&Proc{p: p})
	exited = false
}

func (p *process) pendingReason() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reason != nil {
		return p.reason
	}
	return Normal
}

// Self returns the process's PID.
func (pr *Proc) Self() PID { return pr.p.pid }

// Node returns the node the process runs on.
func (pr *Proc) Node() *Node { return pr.p.n }

// Receive waits for the next message and returns it. System requests
// (sys.Suspend, sys.GetStatus, ...) are answered meanwhile; while the
// process is suspended other messages stay queued. An exit signal the
// process does not trap ends it here.
func (pr *Proc) Receive() any {
	m, _ := pr.receive(nil)
	return m
}

// ReceiveTimeout is Receive that gives up after d, reporting false.
func (pr *Proc) ReceiveTimeout(d time.Duration) (any, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	return pr.receive(t.C)
}

func (pr *Proc) receive(timeout <-chan time.Time) (any, bool) {
	p := pr.p
	for {
		p.mu.Lock()
		if p.dead {
			p.mu.Unlock()
			runtime.Goexit()
		}
		e, ok := p.next()
		p.active = ok
		p.mu.Unlock()
		if !ok {
			select {
			case <-p.wake:
				continue
			case <-timeout:
				return nil, false
			}
		}
		switch e.kind {
		case kindSys:
			p.handleFuncSys(e)
		case kindSignal:
			if reason := p.onSignal(e); reason != nil {
				p.exitSelf(reason)
			}
		default:
			if p.fn.trace {
				p.n.traceOut(p, "got", e.msg)
			}
			return e.msg, true
		}
	}
}

// exitSelf ends the calling process with reason.
func (p *process) exitSelf(reason any) {
	p.finish(reason)
	runtime.Goexit()
}

// Exit ends the calling process with reason.
func (pr *Proc) Exit(reason any) { pr.p.exitSelf(reason) }

// TrapExit sets whether exit signals from linked processes arrive as
// ExitSignal messages instead of ending the process. It returns the old setting.
func (pr *Proc) TrapExit(on bool) bool { return pr.p.setTrapExit(on) }

func (p *process) setTrapExit(on bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.trapExit
	p.trapExit = on
	return old
}

// Link links the process to pid: when either exits, the other gets an exit
// signal.
func (pr *Proc) Link(pid PID) error { return pr.p.n.linkTo(pr.p, pid) }

// Unlink removes a link.
func (pr *Proc) Unlink(pid PID) { pr.p.n.unlink(pr.p, pid) }

// Monitor watches dest: when it exits, a Down message arrives.
func (pr *Proc) Monitor(dest Dest) Ref { return pr.p.n.monitor(pr.p, dest) }

// Demonitor stops watching. A Down message already queued stays queued.
func (pr *Proc) Demonitor(ref Ref) { pr.p.n.demonitor(ref) }

// SpawnLink starts f in a new process linked to this one.
func (pr *Proc) SpawnLink(f func(*Proc)) PID {
	return pr.p.n.SpawnOpts(f, SpawnOptions{Link: true})
}

func (p *process) pinned() (module, vsn string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.module, p.vsn
}
