package node

import (
	"sync"
)

type procKind uint8

const (
	funcProc   procKind = iota // a spawned function that calls Receive
	serverProc                 // a GenServer driven by its mailbox
)

// process is the runtime's record of one process. Its mailbox and links are
// guarded by mu; a GenServer's state belongs to whichever goroutine drains
// the mailbox, and there is at most one such goroutine at a time (active).
//
// A GenServer with an empty mailbox holds no goroutine: delivering a message
// starts one, which ends when the mailbox is empty again.
type process struct {
	n      *Node
	pid    PID
	kind   procKind
	parent PID

	mu        sync.Mutex
	sysq      queue // system requests and exit signals: served first
	msgq      queue // calls, casts and plain messages, in arrival order
	active    bool  // a goroutine is running the process's code
	parked    bool  // a GenServer's goroutine waits on wake for more work
	suspended bool
	dead      bool
	trapExit  bool
	reason    any
	name      string
	links     map[PID]*process
	monitors  map[Ref]*process // who watches this process
	watching  map[Ref]*process // whom this process watches
	done      chan struct{}    // closed at exit; made on first wait
	deferred  []From           // a GenServer's calls to be answered later

	module, vsn string        // the code the process runs
	wake        chan struct{} // Receive, or a parked GenServer, sleeps on it
	srv         *server       // serverProc
	fn          *funcState    // funcProc
}

// newProcess makes a process record; add publishes it once set up.
func (n *Node) newProcess(kind procKind, parent PID) *process {
	return &process{n: n, pid: PID{id: n.nextPID.Add(1)}, kind: kind, parent: parent}
}

// admit makes p visible to lookups, Processes and Stop, unless the node
// is stopping. The order matters: p is published before stopping is read,
// and Stop sets stopping before it looks for processes, so either Stop
// finds p or admit sees Stop.
func (n *Node) admit(p *process) bool {
	n.procs.Store(p.pid.id, p)
	n.count.Add(1)
	if n.stopping.Load() {
		p.finish(Killed)
		return false
	}
	return true
}

// deliver queues e and makes sure some goroutine will look at it.
func (p *process) deliver(e envelope) {
	p.mu.Lock()
	if p.dead {
		reason := p.reason
		p.mu.Unlock()
		bounce(p.pid, e, reason)
		return
	}
	if e.kind == kindSignal && p.trapsSignal(e) {
		// A trapped exit is an ordinary message, in arrival order.
		e = envelope{kind: kindInfo, msg: ExitSignal{From: e.from, Reason: e.msg}}
	}
	if e.kind == kindSys || e.kind == kindSignal {
		p.sysq.push(e)
	} else {
		p.msgq.push(e)
	}
	start := p.kind == serverProc && !p.active && p.runnable()
	if start {
		p.active = true
	}
	var wake chan struct{}
	if p.kind == funcProc || (p.parked && p.runnable()) {
		wake = p.wake
		p.parked = false
	}
	p.mu.Unlock()
	switch {
	case start:
		p.n.goroutine(p.serve)
	case wake != nil:
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// runnable reports whether the mailbox holds something the process may
// take now. mu must be held.
func (p *process) runnable() bool {
	return p.sysq.len() > 0 || (!p.suspended && p.msgq.len() > 0)
}

// next takes the next envelope the process may handle: system requests
// first, then messages unless suspended. mu must be held.
func (p *process) next() (envelope, bool) {
	if e, ok := p.sysq.pop(); ok {
		return e, true
	}
	if p.suspended {
		return envelope{}, false
	}
	return p.msgq.pop()
}

// bounce answers what was sent to a dead process: callers get an error,
// plain messages are dropped, as in Erlang.
func bounce(pid PID, e envelope, reason any) {
	if e.call == nil {
		return
	}
	if reason == nil {
		reason = ErrNoProc
	}
	e.call.fail(&ExitError{PID: pid, Reason: reason})
}

// finish marks the process dead with reason and tells everyone who must
// know: queued callers, links, monitors, the registry and waiters. It runs
// once; later calls do nothing. It reports whether this call finished p.
func (p *process) finish(reason any) bool {
	p.mu.Lock()
	if p.dead {
		p.mu.Unlock()
		return false
	}
	p.dead = true
	p.reason = reason
	pending := append(p.sysq.drain(), p.msgq.drain()...)
	deferred := p.deferred
	p.deferred = nil
	links, monitors, watching, name, done := p.links, p.monitors, p.watching, p.name, p.done
	p.links, p.monitors, p.watching = nil, nil, nil
	if done == nil {
		p.done = closedChan
	}
	p.mu.Unlock()

	n := p.n
	n.unregisterProc(name, p)
	n.procs.Delete(p.pid.id)
	n.count.Add(-1)
	for _, e := range pending {
		bounce(p.pid, e, reason)
	}
	for _, f := range deferred {
		f.c.answer(f.gen, result{err: &ExitError{PID: p.pid, Reason: reason}})
	}
	for pid, q := range links {
		q.unlinkFrom(p.pid)
		q.signal(p.pid, reason, false)
		_ = pid
	}
	for ref, q := range monitors {
		n.monitored.Delete(ref.id)
		q.forget(ref)
		q.deliver(envelope{kind: kindInfo, msg: Down{Ref: ref, PID: p.pid, Reason: reason}})
	}
	for ref, target := range watching {
		n.monitored.Delete(ref.id)
		target.mu.Lock()
		delete(target.monitors, ref)
		target.mu.Unlock()
	}
	if done != nil {
		close(done)
	}
	if !IsNormal(reason) && reason != Killed {
		n.report(p, name, reason)
	}
	return true
}

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// wait returns a channel closed when the process has exited.
func (p *process) wait() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		p.done = make(chan struct{})
	}
	return p.done
}

// kill ends the process at once with reason, whatever it is doing. Code
// running on its goroutine is not preempted; it finds itself dead the next
// time it touches the runtime.
func (p *process) kill(reason any) {
	if p.finish(reason) {
		p.mu.Lock()
		wake := p.wake
		p.mu.Unlock()
		if wake != nil {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}
}

// signal sends an exit signal from pid with reason. untrappable is Exit
// with Kill, which no process can trap.
func (p *process) signal(from PID, reason any, untrappable bool) {
	if untrappable {
		p.kill(Killed)
		return
	}
	p.deliver(envelope{kind: kindSignal, msg: reason, from: from})
}

// trapsSignal reports whether the exit signal e becomes a message: the
// process traps exits, and e is not its parent ending a GenServer. mu must
// be held.
func (p *process) trapsSignal(e envelope) bool {
	fromParent := p.kind == serverProc && !p.parent.IsZero() && e.from == p.parent
	return p.trapExit && !fromParent
}

// onSignal decides what an exit signal does to the process, on the
// process's own goroutine: turn it into a message, ignore it, or exit.
// It returns the reason to exit with, or nil.
func (p *process) onSignal(e envelope) any {
	reason := e.msg
	p.mu.Lock()
	trap := p.trapExit
	p.mu.Unlock()
	fromParent := p.kind == serverProc && !p.parent.IsZero() && e.from == p.parent
	switch {
	case reason == Kill && !trap:
		return Killed
	case trap && fromParent:
		// A GenServer stops with its parent, whatever the reason (OTP).
		return reason
	case trap:
		p.deliver(envelope{kind: kindInfo, msg: ExitSignal{From: e.from, Reason: reason}})
		return nil
	case reason == Normal && e.from != p.pid:
		return nil
	}
	return reason
}

func (p *process) unlinkFrom(pid PID) {
	p.mu.Lock()
	delete(p.links, pid)
	p.mu.Unlock()
}

func (n *Node) report(p *process, name string, reason any) {
	attrs := []any{"pid", p.pid.String(), "reason", formatReason(reason)}
	if name != "" {
		attrs = append(attrs, "name", name)
	}
	if module, vsn := p.pinned(); module != "" {
		attrs = append(attrs, "module", module, "vsn", vsn)
	}
	if pe, ok := reason.(*PanicError); ok {
		attrs = append(attrs, "stack", pe.Stack)
	}
	n.log.Error("process exited", attrs...)
}

func (p *process) isDead() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dead
}

// forget drops a monitor this process held, once it has fired.
func (p *process) forget(ref Ref) {
	p.mu.Lock()
	delete(p.watching, ref)
	p.mu.Unlock()
}
