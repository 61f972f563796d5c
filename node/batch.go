package node

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Batch moves many GenServers to new code as one step, the way a release
// upgrade does: suspend them all, load the new code, prepare every new state,
// then commit all of them or none, and resume.
//
// Prepare runs each process's CodeChange but keeps the old state in place;
// only Commit installs the prepared states. So a failure anywhere — a
// CodeChange that errs or panics, a module that does not load — leaves every
// process on its old state after Abort.
type Batch struct {
	n       *Node
	procs   []*process
	timeout time.Duration
}

type prepareReq struct {
	change codeChange
}

type finishReq struct {
	commit bool
	resume bool
}

// change is a migrated state waiting for Commit. A server holds it by
// value: a batch of 10k processes would allocate 10k of them otherwise.
type change struct {
	state any
	vsn   string
	ok    bool // a change is prepared
}

// SuspendAll suspends every process in pids and returns them as a Batch.
// If any cannot be suspended, those suspended are resumed and the error
// returned. timeout bounds the whole step.
func (n *Node) SuspendAll(pids []PID, timeout time.Duration) (*Batch, error) {
	b := &Batch{n: n, timeout: timeout}
	for _, pid := range pids {
		p := n.lookup(pid)
		if p == nil {
			return nil, &CallError{Op: "sys.suspend", Dest: pid, Err: ErrNoProc}
		}
		b.procs = append(b.procs, p)
	}
	if err := b.each(sysSuspend, func(*process) any { return nil }); err != nil {
		b.Resume()
		return nil, err
	}
	return b, nil
}

// Len returns how many processes the batch has.
func (b *Batch) Len() int { return len(b.procs) }

// PIDs returns the processes of the batch.
func (b *Batch) PIDs() []PID {
	out := make([]PID, len(b.procs))
	for i, p := range b.procs {
		out[i] = p.pid
	}
	return out
}

// Prepare computes the new state of every process of the batch that runs
// module, with the module's current CodeChange(oldVsn, state, extra). It
// fails if any process fails; states are not changed until Commit.
func (b *Batch) Prepare(module, oldVsn string, extra any) error {
	return b.prepare(codeChange{module: module, oldVsn: oldVsn, extra: extra})
}

// prepare sends c to every process of the batch that runs c.module.
func (b *Batch) prepare(c codeChange) error {
	var req any = &prepareReq{change: c} // boxed once, not per process
	key := ModuleKey(c.module)
	return b.each(sysPrepare, func(p *process) any {
		if c.module != "" && p.module != c.module && ModuleKey(p.module) != key {
			return nil
		}
		return req
	})
}

// The finish requests, boxed once.
var (
	commitReq       any = &finishReq{commit: true}
	abortReq        any = &finishReq{}
	commitResumeReq any = &finishReq{commit: true, resume: true}
	abortResumeReq  any = &finishReq{resume: true}
)

// Commit installs every prepared state.
func (b *Batch) Commit() error {
	return b.each(sysFinish, func(*process) any { return commitReq })
}

// Abort drops every prepared state; the processes keep their old state.
func (b *Batch) Abort() error {
	return b.each(sysFinish, func(*process) any { return abortReq })
}

// Resume resumes every process of the batch.
func (b *Batch) Resume() error {
	return b.each(sysResume, func(*process) any { return nil })
}

// ChangeCodeAll suspends, migrates and resumes pids as one all-or-nothing
// step: either every process runs CodeChange successfully and takes its new
// state, or none does and the first error is returned. It needs two
// messages per process.
func (n *Node) ChangeCodeAll(pids []PID, module, oldVsn string, extra any) error {
	b := &Batch{n: n, timeout: n.timeout}
	for _, pid := range pids {
		p := n.lookup(pid)
		if p == nil {
			return &CallError{Op: "sys.change_code", Dest: pid, Err: ErrNoProc}
		}
		b.procs = append(b.procs, p)
	}
	var req any = &prepareReq{change: codeChange{module: module, oldVsn: oldVsn, extra: extra}}
	err := b.each(sysPrepare, func(*process) any { return req })
	fin := commitResumeReq
	if err != nil {
		fin = abortResumeReq
	}
	ferr := b.each(sysFinish, func(*process) any { return fin })
	return errors.Join(err, ferr)
}

// each sends op with arg(p) to every process, then collects the answers;
// a nil arg skips the process for ops that need one. An idle process is
// served on the batch's own goroutine, directly, with no message or call
// record; the goroutines are one per processor, each over a run of the
// batch, so a batch of 100k processes does not start 100k goroutines. Only
// the processes that were busy are sent a message and waited for.
func (b *Batch) each(op sysOp, arg func(*process) any) error {
	n := len(b.procs)
	waiting := make([]*call, n) // sent, not answered yet
	workers := min(runtime.GOMAXPROCS(0), max(1, n/256))
	failed := make([][]failure, workers)
	run := func(w, from, to int) {
		for i := from; i < to; i++ {
			p := b.procs[i]
			a := arg(p)
			if a == nil && (op == sysPrepare || op == sysFinish) {
				continue
			}
			if p.claim(true) {
				if err := p.runBatchOp(op, a); err != nil {
					failed[w] = append(failed[w], failure{i, err})
				}
				continue
			}
			c := b.n.calls.get()
			p.deliver(envelope{kind: kindSys, sys: op, msg: a, call: c})
			waiting[i] = c
		}
	}
	if workers == 1 {
		run(0, 0, n)
	} else {
		var wg sync.WaitGroup
		per := (n + workers - 1) / workers
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(w, w*per, min(n, (w+1)*per))
			}()
		}
		wg.Wait()
	}
	deadline := time.Now().Add(b.timeout)
	fails := slices.Concat(failed...)
	for i, c := range waiting {
		if c == nil {
			continue
		}
		if _, err := b.n.await(c, max(time.Until(deadline), time.Millisecond)); err != nil {
			fails = append(fails, failure{i, err})
		}
	}
	if len(fails) == 0 {
		return nil
	}
	slices.SortFunc(fails, func(a, b failure) int { return a.i - b.i })
	errs := make([]error, len(fails))
	for k, f := range fails {
		errs[k] = &CallError{Op: "batch", Dest: b.procs[f.i].pid, Err: f.err}
	}
	return errors.Join(errs...)
}

// failure is the error of the batch's process i.
type failure struct {
	i   int
	err error
}

// runBatchOp serves a batch's op with arg a on the calling goroutine,
// which claimed p, as p's own goroutine would serve the message (sys.go),
// and hands p back.
func (p *process) runBatchOp(op sysOp, a any) error {
	var err error
	switch op {
	case sysPrepare:
		prev := p.n.swapRunning(p) // CodeChange runs as p: Self, Spawn, ...
		err = p.prepare(a.(*prepareReq))
		p.n.restoreRunning(prev)
	case sysFinish:
		p.finishChange(a.(*finishReq))
	case sysSuspend:
		p.setSuspended(true)
	case sysResume:
		p.setSuspended(false)
	}
	p.handBack()
	return err
}

// prepare suspends the server and migrates its state without keeping it.
func (p *process) prepare(req *prepareReq) error {
	p.setSuspended(true)
	next, vsn, err := p.codeChange(req.change)
	if err != nil {
		return err
	}
	p.srv.prepared = change{state: next, vsn: vsn, ok: true}
	return nil
}

// finishChange commits or drops a prepared change and, if asked, resumes.
func (p *process) finishChange(req *finishReq) {
	c := p.srv.prepared
	commit := c.ok && req.commit
	if commit {
		p.srv.state, p.srv.vsn = c.state, c.vsn
	}
	p.srv.prepared = change{}
	p.mu.Lock()
	if commit {
		p.vsn = c.vsn
	}
	if req.resume {
		p.suspended = false
	}
	p.mu.Unlock()
}

func (b *Batch) String() string { return fmt.Sprintf("batch of %d processes", len(b.procs)) }
