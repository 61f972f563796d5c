package node

import (
	"iter"
	"time"
)

// A release upgrade moves many processes in two messages each: the first
// suspends a process and migrates its state with the CodeChange of a
// version compiled but not loaded yet (PrepareWith); the second, once
// every migration succeeded and the code was switched, installs the state
// and resumes it (CommitResume), or drops it and resumes (AbortResume).

// NewBatch returns a batch of pids without suspending them: PrepareWith
// suspends each as it migrates it. Processes that have exited are left
// out (PIDs tells which are in).
func (n *Node) NewBatch(pids []PID, timeout time.Duration) *Batch {
	b := &Batch{n: n, timeout: timeout}
	for _, pid := range pids {
		if p := n.lookup(pid); p != nil {
			b.procs = append(b.procs, p)
		}
	}
	return b
}

// PrepareWith is Prepare with cb's CodeChange (and cb.Vsn as the version
// the new state is from) instead of the module's current one; each
// process is suspended first, in the same message. A process that does not
// answer within the batch's timeout fails it.
func (b *Batch) PrepareWith(cb *Callbacks, module, oldVsn string, extra any) error {
	return b.prepare(codeChange{module: module, oldVsn: oldVsn, extra: extra, cb: cb})
}

// CommitResume installs every prepared state and resumes every process of
// the batch that was prepared.
func (b *Batch) CommitResume() error {
	return b.each(sysFinish, func(*process) any { return commitResumeReq })
}

// AbortResume drops every prepared state and resumes.
func (b *Batch) AbortResume() error {
	return b.each(sysFinish, func(*process) any { return abortResumeReq })
}

// BatchOf returns a batch of the GenServers whose module match accepts,
// without suspending them, as NewBatch: the processes a release upgrade of
// those modules suspends, found in one pass over the node's processes.
func (n *Node) BatchOf(match func(module string) bool, timeout time.Duration) *Batch {
	b := &Batch{n: n, timeout: timeout, procs: make([]*process, 0, n.count.Load())}
	n.procs.Range(func(_, v any) bool {
		// A process's kind and a server's module are set before it is
		// admitted and never change: read without its lock.
		if p := v.(*process); p.kind == serverProc && match(p.module) {
			b.procs = append(b.procs, p)
		}
		return true
	})
	return b
}

// Servers describes the processes of the batch, in the batch's order, one
// at a time: a report of 10k processes is built without a copy of their
// descriptions. Only PID, Name, Kind, Module and Vsn are filled in: the
// rest of Processes's description costs milliseconds for 10k processes.
func (b *Batch) Servers() iter.Seq[ProcessInfo] {
	return func(yield func(ProcessInfo) bool) {
		for _, p := range b.procs {
			p.mu.Lock()
			in := ProcessInfo{PID: p.pid, Name: p.name, Kind: "genserver", Module: p.module, Vsn: p.vsn}
			p.mu.Unlock()
			if !yield(in) {
				return
			}
		}
	}
}
