package node

// ExitSignal is the message a process that traps exits receives when a
// linked process exits (Erlang's {'EXIT', From, Reason}).
type ExitSignal struct {
	From   PID
	Reason any
}

// Down is the message a monitoring process receives when the monitored
// process exits (Erlang's {'DOWN', Ref, process, PID, Reason}).
type Down struct {
	Ref    Ref
	PID    PID
	Reason any
}

// link links a and b both ways, or sends a a noproc signal if b is gone.
func link(a, b *process) {
	a.mu.Lock()
	if a.dead {
		// a finished already and told its links; b must hear it too.
		reason := a.reason
		a.mu.Unlock()
		b.signal(a.pid, reason, false)
		return
	}
	if a.links == nil {
		a.links = make(map[PID]*process, 1)
	}
	a.links[b.pid] = b
	a.mu.Unlock()

	b.mu.Lock()
	if b.dead {
		reason := b.reason
		b.mu.Unlock()
		a.unlinkFrom(b.pid)
		a.signal(b.pid, reason, false)
		return
	}
	if b.links == nil {
		b.links = make(map[PID]*process, 1)
	}
	b.links[a.pid] = a
	b.mu.Unlock()
}

func (n *Node) linkTo(p *process, pid PID) error {
	q := n.lookup(pid)
	if q == nil {
		return &CallError{Op: "link", Dest: pid, Err: ErrNoProc}
	}
	link(p, q)
	return nil
}

func (n *Node) unlink(p *process, pid PID) {
	p.unlinkFrom(pid)
	if q := n.lookup(pid); q != nil {
		q.unlinkFrom(p.pid)
	}
}

// Link links the calling process to pid.
func (n *Node) Link(pid PID) error {
	p := n.current()
	if p == nil {
		return ErrNotProcess
	}
	return n.linkTo(p, pid)
}

// Unlink removes the link between the calling process and pid.
func (n *Node) Unlink(pid PID) {
	if p := n.current(); p != nil {
		n.unlink(p, pid)
	}
}

// TrapExit sets whether the calling process traps exits; see Proc.TrapExit.
func (n *Node) TrapExit(on bool) (bool, error) {
	p := n.current()
	if p == nil {
		return false, ErrNotProcess
	}
	return p.setTrapExit(on), nil
}

// Monitor makes the calling process watch dest; see Proc.Monitor.
func (n *Node) Monitor(dest Dest) (Ref, error) {
	p := n.current()
	if p == nil {
		return Ref{}, ErrNotProcess
	}
	return n.monitor(p, dest), nil
}

// Demonitor removes a monitor made by Monitor.
func (n *Node) Demonitor(ref Ref) { n.demonitor(ref) }

func (n *Node) monitor(watcher *process, dest Dest) Ref {
	ref := n.newRef()
	target := n.resolve(dest)
	if target == nil {
		pid, _ := dest.(PID)
		watcher.deliver(envelope{kind: kindInfo, msg: Down{Ref: ref, PID: pid, Reason: ErrNoProc}})
		return ref
	}
	// The watcher notes the monitor first: once the target has it, the
	// target's exit may fire it, and forget, at any moment.
	watcher.mu.Lock()
	if watcher.watching == nil {
		watcher.watching = make(map[Ref]*process, 1)
	}
	watcher.watching[ref] = target
	watcher.mu.Unlock()
	n.monitored.Store(ref.id, target)

	target.mu.Lock()
	if target.dead {
		reason := target.reason
		target.mu.Unlock()
		n.monitored.Delete(ref.id)
		watcher.forget(ref)
		watcher.deliver(envelope{kind: kindInfo, msg: Down{Ref: ref, PID: target.pid, Reason: reason}})
		return ref
	}
	if target.monitors == nil {
		target.monitors = make(map[Ref]*process, 1)
	}
	target.monitors[ref] = watcher
	target.mu.Unlock()
	return ref
}

func (n *Node) demonitor(ref Ref) {
	v, ok := n.monitored.LoadAndDelete(ref.id)
	if !ok {
		return
	}
	target := v.(*process)
	target.mu.Lock()
	watcher := target.monitors[ref]
	delete(target.monitors, ref)
	target.mu.Unlock()
	if watcher != nil {
		watcher.forget(ref)
	}
}

// Exit sends an exit signal with reason to pid, as Erlang's exit/2: Kill
// cannot be trapped; Normal does nothing to a process that does not trap
// exits.
func (n *Node) Exit(pid PID, reason any) error {
	p := n.lookup(pid)
	if p == nil {
		return &CallError{Op: "exit", Dest: pid, Err: ErrNoProc}
	}
	var from PID
	if self := n.current(); self != nil {
		from = self.pid
	}
	p.signal(from, reason, reason == Kill)
	return nil
}
