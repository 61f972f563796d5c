package node

import (
	"fmt"
	"io"
	"time"
)

type sysOp uint8

const (
	sysNone sysOp = iota
	sysInit
	sysStop
	sysGetState
	sysReplaceState
	sysGetStatus
	sysSuspend
	sysResume
	sysChangeCode
	sysTrace
	sysLog
	sysGetLog
	sysStatistics
	sysPrepare // batch: suspend and prepare a code change
	sysFinish  // batch: commit or drop the prepared change and resume
)

var sysNames = [...]string{
	sysGetState: "get_state", sysReplaceState: "replace_state", sysGetStatus: "get_status",
	sysSuspend: "suspend", sysResume: "resume", sysChangeCode: "change_code", sysTrace: "trace",
	sysLog: "log", sysGetLog: "get_log", sysStatistics: "statistics",
}

// System sends system messages, as Erlang's sys module: they are served ahead
// of ordinary messages and also while a process is suspended. Get one from
// Node.Sys or Sys; the zero System answers every call with ErrNoNode.
type System struct {
	n       *Node
	timeout time.Duration
	out     io.Writer
}

// Sys returns the node's system-message interface, with the node's call
// timeout and traces going to the node's logger.
func (n *Node) Sys() System { return System{n: n, timeout: n.timeout} }

// WithTimeout returns s with another timeout for each request.
func (s System) WithTimeout(d time.Duration) System { s.timeout = d; return s }

// WithOutput returns s whose Trace prints to w (a console session's output)
// instead of the node's logger.
func (s System) WithOutput(w io.Writer) System { s.out = w; return s }

func (s System) request(dest Dest, op sysOp, arg any) (any, error) {
	if s.n == nil { // the zero System, from Sys with no node
		return nil, ErrNoNode
	}
	return s.n.request(dest, envelope{kind: kindSys, sys: op, msg: arg}, s.timeout, "sys."+sysNames[op])
}

// GetState returns a copy of a GenServer's state, taken on the server's
// goroutine, so the caller may read it while the server goes on.
func (s System) GetState(dest Dest) (any, error) { return s.request(dest, sysGetState, nil) }

// ReplaceState sets a GenServer's state to f(state) and returns the new
// state. If f panics the state is left as it was.
func (s System) ReplaceState(dest Dest, f func(state any) any) (any, error) {
	return s.request(dest, sysReplaceState, f)
}

// GetStatus returns what the process tells about itself.
func (s System) GetStatus(dest Dest) (Status, error) {
	v, err := s.request(dest, sysGetStatus, nil)
	if err != nil {
		return Status{}, err
	}
	return v.(Status), nil
}

// Suspend stops the process from taking ordinary messages; they stay
// queued, in order, until Resume. System messages are still served.
func (s System) Suspend(dest Dest) error { _, err := s.request(dest, sysSuspend, nil); return err }

// Resume undoes Suspend.
func (s System) Resume(dest Dest) error { _, err := s.request(dest, sysResume, nil); return err }

// ChangeCode asks a suspended GenServer to migrate its state to the
// current version of module by calling that version's CodeChange(oldVsn,
// state, extra). If CodeChange fails or panics the process keeps its state
// and the error is returned.
func (s System) ChangeCode(dest Dest, module string, oldVsn string, extra any) error {
	_, err := s.request(dest, sysChangeCode, codeChange{module: module, oldVsn: oldVsn, extra: extra})
	return err
}

// Trace turns printing of every message in and out of the process on or off.
func (s System) Trace(dest Dest, on bool) error {
	_, err := s.request(dest, sysTrace, traceReq{on: on, out: s.out})
	return err
}

// Log turns on or off keeping the last n events (n ≤ 0 means 10).
func (s System) Log(dest Dest, on bool, n int) error {
	_, err := s.request(dest, sysLog, logReq{on: on, n: n})
	return err
}

// GetLog returns the events kept since Log was turned on, oldest first.
func (s System) GetLog(dest Dest) ([]Event, error) {
	v, err := s.request(dest, sysGetLog, nil)
	if err != nil {
		return nil, err
	}
	return v.([]Event), nil
}

// Statistics returns the process's message counters.
func (s System) Statistics(dest Dest) (Stats, error) {
	v, err := s.request(dest, sysStatistics, nil)
	if err != nil {
		return Stats{}, err
	}
	return v.(Stats), nil
}

type codeChange struct {
	module string
	oldVsn string
	extra  any
	cb     *Callbacks // whose CodeChange runs; nil: the module's current version's
}

type traceReq struct {
	on  bool
	out io.Writer
}

type logReq struct {
	on bool
	n  int
}

// Stats are a process's counters, as sys:statistics.
type Stats struct {
	Start       time.Time
	In, Out     int // messages handled, replies sent
	QueueLength int
}

// Status is what sys.GetStatus reports, and what FormatStatus may rewrite.
type Status struct {
	PID       PID
	Name      string
	Module    string
	Vsn       string
	Status    ProcStatus
	Parent    PID
	Trace     bool
	QueueLen  int
	State     any // as FormatStatus shows it
	Kind      string
	TrapExit  bool
	Links     []PID
	Suspended bool
}

// handleSys serves a system request on a GenServer's own goroutine.
func (p *process) handleSys(e envelope) {
	s := p.srv
	switch e.sys {
	case sysInit:
		p.init(e)
	case sysStop:
		p.terminate(e.msg)
	case sysGetState:
		state, err := snapshot(s.state)
		if err != nil {
			e.call.fail(err)
			return
		}
		e.call.reply(state)
	case sysReplaceState:
		f := e.msg.(func(any) any)
		var next any
		if pe := p.protect(func() { next = f(s.state) }); pe != nil {
			e.call.fail(fmt.Errorf("the state function failed, state unchanged: %w", pe))
			return
		}
		shown, err := snapshot(next)
		if err != nil {
			// The caller could not be shown what it installed: refuse.
			e.call.fail(fmt.Errorf("new state not installed: %w", err))
			return
		}
		s.state = next
		e.call.reply(shown)
	case sysChangeCode:
		e.call.answerErr(p.changeCode(e.msg.(codeChange)))
	case sysPrepare:
		e.call.answerErr(p.prepare(e.msg.(*prepareReq)))
	case sysFinish:
		p.finishChange(e.msg.(*finishReq))
		e.call.reply(nil)
	case sysTrace, sysLog, sysGetLog:
		p.handleDebug(e)
	default:
		p.handleCommonSys(e)
	}
}

// handleCommonSys serves the requests any process answers.
func (p *process) handleCommonSys(e envelope) {
	switch e.sys {
	case sysGetStatus:
		st, err := p.status()
		if err != nil {
			e.call.fail(err)
			return
		}
		e.call.reply(st)
	case sysSuspend:
		p.setSuspended(true)
		e.call.reply(nil)
	case sysResume:
		p.setSuspended(false)
		e.call.reply(nil)
	case sysStatistics:
		e.call.reply(p.statistics())
	case sysStop:
		p.exitSelf(e.msg)
	default:
		e.call.fail(ErrNotServer)
	}
}

// handleFuncSys serves a system request inside a spawned function's Receive.
func (p *process) handleFuncSys(e envelope) {
	switch e.sys {
	case sysTrace:
		p.fn.trace = e.msg.(traceReq).on
		e.call.reply(nil)
	default:
		p.handleCommonSys(e)
	}
}

func (c *call) answerErr(err error) {
	if err != nil {
		c.fail(err)
		return
	}
	c.reply(nil)
}

func (p *process) setSuspended(on bool) {
	p.mu.Lock()
	p.suspended = on
	p.mu.Unlock()
}

func (p *process) init(e envelope) {
	s := p.srv
	cb := s.mod.Callbacks()
	s.vsn = cb.Vsn
	p.setVsn(cb.Vsn)
	s.stats.Start = time.Now()
	if cb.Init == nil {
		s.state = e.msg
		e.call.reply(nil)
		return
	}
	var err error
	if pe := p.protect(func() { s.state, err = cb.Init(e.msg) }); pe != nil {
		err = pe
	}
	if err != nil {
		// The starter gets the error, not an exit signal too (OTP 26).
		if parent := p.n.lookup(p.parent); parent != nil {
			p.n.unlink(parent, p.pid)
		}
		e.call.fail(err)
		p.finish(&InitError{Module: p.module, Err: err})
		return
	}
	p.mu.Lock()
	dead, reason := p.dead, p.reason
	p.mu.Unlock()
	if dead { // killed while Init ran
		e.call.fail(&ExitError{PID: p.pid, Reason: reason})
		return
	}
	e.call.reply(nil)
}

// changeCode runs the current version's CodeChange on the state.
func (p *process) changeCode(req codeChange) error {
	next, vsn, err := p.migrate(req)
	if err != nil {
		return err
	}
	p.srv.state, p.srv.vsn = next, vsn
	p.setVsn(vsn)
	return nil
}

// migrate computes the state CodeChange gives, without keeping it.
func (p *process) migrate(req codeChange) (state any, vsn string, err error) {
	p.mu.Lock()
	suspended := p.suspended
	p.mu.Unlock()
	if !suspended {
		return nil, "", fmt.Errorf("%w (call sys.Suspend first)", ErrNotSuspended)
	}
	return p.codeChange(req)
}

// codeChange runs req's CodeChange, or the current version's, on the
// state of the suspended server, and returns the new state.
func (p *process) codeChange(req codeChange) (state any, vsn string, err error) {
	if req.module != "" && !SameModule(req.module, p.srv.mod.Name()) {
		return nil, "", fmt.Errorf("the process runs module %s, not %s", p.srv.mod.Name(), req.module)
	}
	cb := p.srv.mod.Callbacks()
	if req.cb != nil {
		cb = req.cb
	}
	if cb.CodeChange == nil {
		return p.srv.state, cb.Vsn, nil
	}
	if pe := p.protect(func() { state, err = cb.CodeChange(req.oldVsn, p.srv.state, req.extra) }); pe != nil {
		err = pe
	}
	if err != nil {
		return nil, "", &CodeChangeError{PID: p.pid, Module: p.srv.mod.Name(), OldVsn: req.oldVsn, Err: err}
	}
	return state, cb.Vsn, nil
}

func (p *process) setVsn(vsn string) {
	p.mu.Lock()
	p.vsn = vsn
	p.mu.Unlock()
}

// CodeChangeError reports a CodeChange that failed; the process kept its state.
type CodeChangeError struct {
	PID    PID
	Module string
	OldVsn string
	Err    error
}

func (e *CodeChangeError) Error() string {
	return fmt.Sprintf("code_change of %v (%s from vsn %q) failed, old state kept: %v", e.PID, e.Module, e.OldVsn, e.Err)
}

func (e *CodeChangeError) Unwrap() error { return e.Err }
