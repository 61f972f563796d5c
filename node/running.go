package node

import (
	"sync"

	"github.com/petermattis/goid"
)

// runningTable maps goroutine ids to the process whose code runs there, so
// Self works in callbacks and module code without a handle being passed.
// There is one table for the program, not one per node: a process knows its
// node, so the package-level module API (api.go) finds the node of its
// caller from the goroutine alone. It is sharded by goroutine id: entries
// change on every call that runs a callback on the caller's goroutine.
type runningTable struct {
	shards [64]runningShard
}

type runningShard struct {
	mu sync.Mutex
	m  map[int64]*process
}

func (t *runningTable) shard(id int64) *runningShard { return &t.shards[uint64(id)%64] }

// swap records p for goroutine id and returns what was there.
func (t *runningTable) swap(id int64, p *process) *process {
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[int64]*process)
	}
	prev := s.m[id]
	if p == nil {
		delete(s.m, id)
	} else {
		s.m[id] = p
	}
	return prev
}

// runningProcs is the program's goroutine → process table.
var runningProcs runningTable

func (t *runningTable) get(id int64) *process {
	s := t.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

// current returns the process of n that runs on the calling goroutine, or
// nil: a process of another node running there is not n's.
func (n *Node) current() *process {
	p := callerProcess()
	if p == nil || p.n != n {
		return nil
	}
	return p
}

// callerProcess returns the process, of any node, whose code runs on the
// calling goroutine, or nil.
func callerProcess() *process { return runningProcs.get(goid.Get()) }

// enter records that p runs on the calling goroutine until leave.
func (n *Node) enter(p *process) int64 {
	id := goid.Get()
	runningProcs.swap(id, p)
	return id
}

func (n *Node) leave(id int64) { runningProcs.swap(id, nil) }

// swapRunning records p as running on the calling goroutine for the span of
// one callback and returns what to restore.
func (n *Node) swapRunning(p *process) running {
	id := goid.Get()
	return running{id: id, prev: runningProcs.swap(id, p)}
}

func (n *Node) restoreRunning(r running) { runningProcs.swap(r.id, r.prev) }

type running struct {
	id   int64
	prev *process
}

// As runs f on the calling goroutine as process pid: Self, StartLink,
// SpawnLink, Link, Monitor and TrapExit inside f act for pid. A console
// runs each evaluation as its session's process this way, so a server
// started at the prompt is linked to the session, as in IEx.
func (n *Node) As(pid PID, f func()) error {
	p := n.lookup(pid)
	if p == nil {
		return &CallError{Op: "as", Dest: pid, Err: ErrNoProc}
	}
	prev := n.swapRunning(p)
	defer n.restoreRunning(prev)
	f()
	return nil
}
