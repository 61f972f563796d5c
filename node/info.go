package node

import (
	"sort"
	"unsafe"
)

// ProcStatus is what a process is doing.
type ProcStatus string

const (
	Running   ProcStatus = "running"   // its code is executing
	Waiting   ProcStatus = "waiting"   // idle, waiting for a message
	Suspended ProcStatus = "suspended" // sys.Suspend: only system messages are served
	Exited    ProcStatus = "exited"
)

// ProcessInfo describes a process, as Erlang's process_info.
type ProcessInfo struct {
	PID         PID
	Name        string // registered name, if any
	Kind        string // "genserver" or "function"
	Module, Vsn string // the module and the version its state or code is from
	Status      ProcStatus
	QueueLen    int
	Memory      int // bytes held by the process record and its mailbox (an estimate)
	Links       []PID
	Monitors    int // how many processes monitor it
	TrapExit    bool
	Parent      PID
}

// Info describes one process, as Erlang's process_info.
func (n *Node) Info(pid PID) (ProcessInfo, error) {
	p := n.lookup(pid)
	if p == nil {
		return ProcessInfo{}, &CallError{Op: "process_info", Dest: pid, Err: ErrNoProc}
	}
	return p.info(), nil
}

// Processes describes every live process, in PID order.
func (n *Node) Processes() []ProcessInfo {
	all := n.all()
	out := make([]ProcessInfo, len(all))
	for i, p := range all {
		out[i] = p.info()
	}
	return out
}

// PIDs returns the PIDs of every live process, in PID order.
func (n *Node) PIDs() []PID {
	all := n.all()
	out := make([]PID, len(all))
	for i, p := range all {
		out[i] = p.pid
	}
	return out
}

// IsAlive reports whether pid names a live process.
func (n *Node) IsAlive(pid PID) bool { return n.lookup(pid) != nil }

// ProcessCount returns how many processes are alive.
func (n *Node) ProcessCount() int { return int(n.count.Load()) }

func (p *process) info() ProcessInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := ProcessInfo{
		PID: p.pid, Name: p.name, Module: p.module, Vsn: p.vsn,
		Status:   p.statusLocked(),
		QueueLen: p.msgq.len(), Links: p.linkPIDs(),
		Monitors: len(p.monitors), TrapExit: p.trapExit, Parent: p.parent,
		Kind: "function",
	}
	if p.kind == serverProc {
		in.Kind = "genserver"
	}
	in.Memory = int(unsafe.Sizeof(*p)) + cap(p.msgq.buf)*int(unsafe.Sizeof(envelope{})) +
		cap(p.sysq.buf)*int(unsafe.Sizeof(envelope{}))
	if p.srv != nil {
		in.Memory += int(unsafe.Sizeof(*p.srv))
	}
	return in
}

func (p *process) statusLocked() ProcStatus {
	switch {
	case p.dead:
		return Exited
	case p.suspended:
		return Suspended
	case p.active && p.kind == serverProc && !p.parked:
		return Running
	case p.kind == funcProc && p.active:
		return Running
	}
	return Waiting
}

func (p *process) linkPIDs() []PID {
	out := make([]PID, 0, len(p.links))
	for pid := range p.links {
		out = append(out, pid)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// status builds sys.GetStatus's answer on the process's own goroutine.
func (p *process) status() (Status, error) {
	in := p.info()
	st := Status{
		PID: p.pid, Name: in.Name, Module: in.Module, Vsn: in.Vsn, Status: in.Status,
		Parent: in.Parent, QueueLen: in.QueueLen, Kind: in.Kind, TrapExit: in.TrapExit,
		Links: in.Links, Suspended: in.Status == Suspended,
	}
	if st.Status == Running && p.kind == serverProc && in.QueueLen == 0 {
		// Answering this request is all it does: between messages, a
		// GenServer waits, as Info reports it from outside.
		st.Status = Waiting
	}
	if s := p.srv; s != nil {
		state, err := snapshot(s.state)
		if err != nil {
			return Status{}, err
		}
		st.State = state
		st.Trace = s.debug != nil && s.debug.trace
		if f := s.mod.Callbacks().FormatStatus; f != nil {
			var shown any
			if pe := p.protect(func() { shown = f(st) }); pe == nil {
				st.State = shown
			}
		}
	} else if p.fn != nil {
		st.Trace = p.fn.trace
	}
	return st, nil
}

func (p *process) statistics() Stats {
	p.mu.Lock()
	q := p.msgq.len()
	p.mu.Unlock()
	if p.srv == nil {
		return Stats{QueueLength: q}
	}
	st := p.srv.stats
	st.QueueLength = q
	return st
}
