package node

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"
)

// server is a GenServer's part of a process. It is touched only by the
// goroutine currently draining the process's mailbox.
type server struct {
	mod      Module
	state    any
	vsn      string // the version whose Init or CodeChange shaped state
	prepared change // a code change prepared by a batch, not yet committed
	debug    *debugInfo
	stats    Stats
}

// StartOption configures StartServer and StartLink.
type StartOption func(*startConfig)

type startConfig struct {
	name    string
	timeout time.Duration
}

// Named registers the new server under name before Init runs.
func Named(name string) StartOption { return func(c *startConfig) { c.name = name } }

// StartTimeout bounds how long the start waits for Init. Default: no limit.
func StartTimeout(d time.Duration) StartOption { return func(c *startConfig) { c.timeout = d } }

// InitError is what StartServer returns when Init failed or panicked.
type InitError struct {
	Module string
	Err    error
}

func (e *InitError) Error() string { return fmt.Sprintf("init of %s failed: %v", e.Module, e.Err) }

func (e *InitError) Unwrap() error { return e.Err }

// StartServer starts a GenServer process running mod, not linked to the
// caller. mod is a Module, a compiled GenServer value, or the name of a
// module the node's resolver knows. It returns once Init has run.
func (n *Node) StartServer(mod any, arg any, opts ...StartOption) (PID, error) {
	return n.startServer(mod, arg, false, opts)
}

// StartLink starts a GenServer as StartServer does, linked to the calling
// process when there is one.
func (n *Node) StartLink(mod any, arg any, opts ...StartOption) (PID, error) {
	return n.startServer(mod, arg, true, opts)
}

func (n *Node) startServer(mod any, arg any, linked bool, opts []StartOption) (PID, error) {
	cfg := startConfig{timeout: -1}
	for _, o := range opts {
		o(&cfg)
	}
	m, err := n.moduleOf(mod)
	if err != nil {
		return PID{}, err
	}
	if n.stopping.Load() {
		return PID{}, ErrNodeStopped
	}
	parent := n.current()
	var parentPID PID
	if parent != nil {
		parentPID = parent.pid
	}
	p := n.newProcess(serverProc, parentPID)
	p.srv = &server{mod: m}
	p.module = m.Name()
	// Init is queued, and the process owned, before anyone can see it, so
	// no call or cast runs ahead of Init.
	c := n.calls.get()
	p.sysq.push(envelope{kind: kindSys, sys: sysInit, msg: arg, call: c})
	p.active = true
	if !n.admit(p) {
		return PID{}, ErrNodeStopped
	}
	if cfg.name != "" {
		if err := n.register(cfg.name, p); err != nil {
			p.finish(Normal)
			return PID{}, err
		}
	}
	if linked && parent != nil {
		link(parent, p)
	}
	n.goroutine(p.serve)
	if _, err := n.await(c, cfg.timeout); err != nil {
		if parent != nil {
			n.unlink(parent, p.pid)
		}
		p.kill(Killed)
		if errors.Is(err, ErrTimeout) {
			return PID{}, &InitError{Module: m.Name(), Err: err}
		}
		var ee *ExitError
		if errors.As(err, &ee) {
			err = reasonError(ee.Reason)
		}
		return PID{}, &InitError{Module: m.Name(), Err: err}
	}
	return p.pid, nil
}

// serve drains the mailbox of a GenServer. deliver starts it when a message
// arrives at an idle server. Once the mailbox is empty it parks for a while,
// so a busy server keeps its goroutine (and its grown stack) between
// messages, and ends after two idle sweeps of the node (see idle.go).
func (p *process) serve() {
	id := p.n.enter(p)
	defer p.n.leave(id)
	linger := false
	for {
		p.mu.Lock()
		e, ok := envelope{}, false
		if !p.dead {
			e, ok = p.next()
		}
		if !ok {
			if p.dead || !linger {
				p.stopServing()
				return
			}
			linger = p.park()
			continue
		}
		p.mu.Unlock()
		if e.kind != kindSys && e.kind != kindSignal {
			linger = true
		}
		p.dispatch(e)
	}
}

// stopServing gives up the process's goroutine. mu must be held; it is
// released.
func (p *process) stopServing() {
	p.active = false
	p.parked = false
	p.wake = nil
	p.mu.Unlock()
}

// park waits, with mu held on entry and released, for new work or for the
// node's idle sweeps. It reports whether to keep lingering: false after two
// sweeps passed with no work.
func (p *process) park() bool {
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
	p.parked = true
	wake := p.wake
	sweep := p.n.idle.current()
	p.mu.Unlock()
	for sweeps := 0; sweeps < 2; sweeps++ {
		select {
		case <-wake:
			return true
		case <-sweep:
			sweep = p.n.idle.current()
		}
	}
	p.mu.Lock()
	p.parked = false
	p.mu.Unlock()
	return false
}

func (p *process) dispatch(e envelope) {
	s := p.srv
	switch e.kind {
	case kindSys:
		p.handleSys(e)
		return
	case kindSignal:
		if reason := p.onSignal(e); reason != nil {
			p.terminate(reason)
		}
		return
	}
	s.stats.In++
	if s.debug != nil {
		p.debugIn(e)
	}
	cb := s.mod.Callbacks()
	switch e.kind {
	case kindCall:
		p.handleCall(cb, e)
	case kindCast:
		p.handleAsync(cb.HandleCast, "HandleCast", e.msg, defaultCast)
	case kindInfo:
		p.handleAsync(cb.HandleInfo, "HandleInfo", e.msg, p.defaultInfo)
	}
}

func (p *process) handleCall(cb *Callbacks, e envelope) {
	from := e.call.from()
	f := cb.HandleCall
	if f == nil {
		f = defaultCall
	}
	var r Result
	if pe := p.protect(func() { r = f(e.msg, from, p.srv.state) }); pe != nil {
		// from, not e.call: if the callback replied before it panicked,
		// the record may already serve another call.
		from.c.answer(from.gen, result{err: &ExitError{PID: p.pid, Reason: pe}})
		p.terminate(pe)
		return
	}
	p.apply(r, from, "HandleCall")
}

func (p *process) handleAsync(f func(any, any) Result, name string, msg any, dflt func(any, any) Result) {
	if f == nil {
		f = dflt
	}
	var r Result
	if pe := p.protect(func() { r = f(msg, p.srv.state) }); pe != nil {
		p.terminate(pe)
		return
	}
	p.apply(r, From{}, name)
}

// protect runs f, turning a panic into the process's exit reason. If f
// calls runtime.Goexit the goroutine cannot be kept, but the process must
// not be left owned by it: it exits.
func (p *process) protect(f func()) (pe *PanicError) {
	returned := false
	defer func() {
		if v := recover(); v != nil {
			pe = &PanicError{Value: v, Stack: string(debug.Stack())}
			return
		}
		if !returned {
			p.finish(&PanicError{Value: "runtime.Goexit called in a callback", Stack: string(debug.Stack())})
		}
	}()
	f()
	returned = true
	return nil
}

// apply carries out what a callback returned.
func (p *process) apply(r Result, from From, callback string) {
	s := p.srv
	switch r.action {
	case actReply:
		s.state = r.state
		p.answer(from, r.reply)
	case actNoReply:
		s.state = r.state
		p.keepDeferred(from)
	case actStop:
		s.state = r.state
		if r.hasReply {
			p.answer(from, r.reply)
		} else {
			p.keepDeferred(from)
		}
		p.terminate(r.reason)
	default:
		err := &BadReturnError{Callback: callback}
		if !from.IsZero() {
			from.c.answer(from.gen, result{err: &ExitError{PID: p.pid, Reason: err}})
		}
		p.terminate(err)
	}
}

func (p *process) answer(from From, v any) {
	if from.IsZero() {
		return
	}
	p.srv.stats.Out++
	if p.srv.debug != nil {
		p.debugOut(v)
	}
	from.Reply(v)
}

// terminate runs Terminate, unless the process was killed, and ends it.
func (p *process) terminate(reason any) {
	s := p.srv
	if reason != Killed && !p.isDead() {
		if f := s.mod.Callbacks().Terminate; f != nil {
			if pe := p.protect(func() { f(reason, s.state) }); pe != nil {
				reason = pe
			}
		}
	}
	p.finish(reason)
}

// keepDeferred keeps from, a call the server will answer later with From.Reply,
// so that the call fails at once if the server exits first. Calls answered
// meanwhile are dropped from the list as it grows.
func (p *process) keepDeferred(from From) {
	if from.IsZero() {
		return
	}
	p.mu.Lock()
	if p.dead {
		reason := p.reason
		p.mu.Unlock()
		from.c.answer(from.gen, result{err: &ExitError{PID: p.pid, Reason: reason}})
		return
	}
	if len(p.deferred) >= 8 {
		p.deferred = slices.DeleteFunc(p.deferred, From.answered)
	}
	p.deferred = append(p.deferred, from)
	p.mu.Unlock()
}

func defaultCall(req any, _ From, _ any) Result {
	panic(fmt.Sprintf("unexpected call %v: the module has no HandleCall", req))
}

func defaultCast(msg any, _ any) Result {
	panic(fmt.Sprintf("unexpected cast %v: the module has no HandleCast", msg))
}

func (p *process) defaultInfo(msg any, state any) Result {
	p.n.log.Warn("unexpected message", "pid", p.pid.String(), "module", p.module, "msg", fmt.Sprint(msg))
	return NoReply(state)
}

// StopServer stops the GenServer dest with reason, running its Terminate,
// and waits until it has exited (up to the call timeout).
func (n *Node) StopServer(dest Dest, reason any) error {
	p := n.resolve(dest)
	if p == nil {
		return &CallError{Op: "stop", Dest: dest, Err: ErrNoProc}
	}
	if reason == nil {
		reason = Normal
	}
	done := p.wait()
	p.deliver(envelope{kind: kindSys, sys: sysStop, msg: reason})
	select {
	case <-done:
		return nil
	case <-time.After(n.timeout):
		return &CallError{Op: "stop", Dest: dest, Err: ErrTimeout}
	}
}

// shutdownProc stops p as a supervisor does: a shutdown signal from from,
// then Kill if p has not exited within d.
func (n *Node) shutdownProc(from PID, p *process, reason any, d time.Duration) {
	done := p.wait()
	if p.kind == serverProc {
		p.deliver(envelope{kind: kindSys, sys: sysStop, msg: reason})
	} else {
		p.signal(from, reason, false)
	}
	if d < 0 {
		<-done
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		p.kill(Killed)
	}
}
