package node

import (
	"errors"
	"fmt"
	"runtime"
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

// change is a migrated state waiting for Commit.
type change struct {
	state any
	vsn   string
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
	req := prepareReq{change: codeChange{module: module, oldVsn: oldVsn, extra: extra}}
	return b.each(sysPrepare, func(p *process) any {
		if module != "" && !SameModule(p.module, module) {
			return nil
		}
		return req
	})
}

// Commit installs every prepared state.
func (b *Batch) Commit() error {
	return b.each(sysFinish, func(*process) any { return finishReq{commit: true} })
}

// Abort drops every prepared state; the processes keep their old state.
func (b *Batch) Abort() error {
	return b.each(sysFinish, func(*process) any { return finishReq{} })
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
	req := prepareReq{change: codeChange{module: module, oldVsn: oldVsn, extra: extra}}
	err := b.each(sysPrepare, func(*process) any { return prepareReq{change: req.change} })
	ferr := b.each(sysFinish, func(*process) any { return finishReq{commit: err == nil, resume: true} })
	return errors.Join(err, ferr)
}

// each sends op with arg(p) to every process, then collects the answers;
// a nil arg skips the process for ops that need one. Idle processes are
// served on the batch's own goroutines, one per processor, so a batch of
// 100k processes does not start 100k goroutines.
func (b *Batch) each(op sysOp, arg func(*process) any) error {
	calls := make([]*call, len(b.procs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(b.procs)/256))
	if workers == 1 {
		for i, p := range b.procs {
			calls[i] = b.send(p, op, arg)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < workers && workers > 1; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(b.procs); i += workers {
				calls[i] = b.send(b.procs[i], op, arg)
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(b.timeout)
	var errs []error
	for i, c := range calls {
		if c == nil {
			continue
		}
		if _, err := b.n.await(c, max(time.Until(deadline), time.Millisecond)); err != nil {
			errs = append(errs, &CallError{Op: "batch", Dest: b.procs[i].pid, Err: err})
		}
	}
	return errors.Join(errs...)
}

func (b *Batch) send(p *process, op sysOp, arg func(*process) any) *call {
	a := arg(p)
	if a == nil && (op == sysPrepare || op == sysFinish) {
		return nil
	}
	c := b.n.calls.get()
	e := envelope{kind: kindSys, sys: op, msg: a, call: c}
	if p.claim(true) {
		p.runHere(e)
	} else {
		p.deliver(e)
	}
	return c
}

// prepare suspends the server and migrates its state without keeping it.
func (p *process) prepare(e envelope) {
	req := e.msg.(prepareReq)
	p.setSuspended(true)
	next, vsn, err := p.migrate(req.change)
	if err != nil {
		e.call.fail(err)
		return
	}
	p.srv.prepared = &change{state: next, vsn: vsn}
	e.call.reply(nil)
}

// finishChange commits or drops a prepared change and, if asked, resumes.
func (p *process) finishChange(e envelope) {
	req := e.msg.(finishReq)
	if c := p.srv.prepared; c != nil && req.commit {
		p.srv.state, p.srv.vsn = c.state, c.vsn
		p.setVsn(c.vsn)
	}
	p.srv.prepared = nil
	if req.resume {
		p.setSuspended(false)
	}
	e.call.reply(nil)
}

func (b *Batch) String() string { return fmt.Sprintf("batch of %d processes", len(b.procs)) }
