package node

import (
	"sync"
	"sync/atomic"
	"time"
)

// call is one pending request: a GenServer call, a system request or a
// start. It is answered at most once. Calls are pooled, so a From carries
// the generation it was made for and a stale From cannot answer a later
// call that reuses the same record.
type call struct {
	state atomic.Uint64 // generation<<1 | answered
	ch    chan result
	timer *time.Timer
}

type result struct {
	v   any
	err error
}

// From identifies the caller of a GenServer call, so the server can answer
// later (OTP's from): keep it, return NoReply, and call Reply when ready.
type From struct {
	c   *call
	gen uint64
}

// Reply answers the call. It reports false if the call was answered
// already or its caller gave up.
func (f From) Reply(v any) bool {
	if f.c == nil {
		return false
	}
	return f.c.answer(f.gen, result{v: v})
}

// answered reports whether the call f names was answered or given up.
func (f From) answered() bool { return f.c.state.Load() != f.gen<<1 }

// IsZero reports whether f identifies no call (a cast or plain message).
func (f From) IsZero() bool { return f.c == nil }

func (c *call) from() From { return From{c: c, gen: c.state.Load() >> 1} }

func (c *call) answer(gen uint64, r result) bool {
	if !c.state.CompareAndSwap(gen<<1, gen<<1|1) {
		return false
	}
	c.ch <- r
	return true
}

func (c *call) reply(v any) bool    { return c.answer(c.state.Load()>>1, result{v: v}) }
func (c *call) fail(err error) bool { return c.answer(c.state.Load()>>1, result{err: err}) }

// calls is a pool of call records with their channel and timer.
type calls struct {
	pool sync.Pool
}

func (cs *calls) get() *call {
	if c, ok := cs.pool.Get().(*call); ok {
		return c
	}
	return &call{ch: make(chan result, 1)}
}

// put recycles c once its answer has been taken. A call whose caller gave
// up is not recycled: its answer may still arrive.
func (cs *calls) put(c *call) {
	c.state.Store((c.state.Load()>>1 + 1) << 1)
	cs.pool.Put(c)
}

// await waits for c's answer up to d (no limit for d < 0).
func (n *Node) await(c *call, d time.Duration) (any, error) {
	switch {
	case d < 0:
		return n.take(c)
	case d >= coarseTimeout && d >= 2*n.idle.period:
		return n.awaitCoarse(c, time.Now().Add(d))
	}
	return n.awaitTimer(c, d)
}

// take receives c's answer, which is there or on its way, and recycles c.
func (n *Node) take(c *call) (any, error) {
	r := <-c.ch
	n.calls.put(c)
	return r.v, r.err
}

// expire gives up on c unless it was answered meanwhile, in which case the
// answer is taken rather than lost.
func (n *Node) expire(c *call) (any, error) {
	if s := c.state.Load(); s&1 == 1 || !c.state.CompareAndSwap(s, s|1) {
		return n.take(c)
	}
	return nil, ErrTimeout
}

func (n *Node) awaitTimer(c *call, d time.Duration) (any, error) {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case r := <-c.ch:
		c.timer.Stop()
		n.calls.put(c)
		return r.v, r.err
	case <-c.timer.C:
		return n.expire(c)
	}
}

// coarseTimeout is the shortest timeout measured with the node's idle
// sweeps instead of a timer of its own. Calls wait 5 s by default, and
// a timer per call costs more than the call: the sweeps already tick, and
// a sweep period more or less on a 5 s timeout does not matter.
const coarseTimeout = time.Second

func (n *Node) awaitCoarse(c *call, deadline time.Time) (any, error) {
	for {
		select {
		case r := <-c.ch:
			n.calls.put(c)
			return r.v, r.err
		case <-n.idle.current():
			if time.Now().Before(deadline) {
				continue
			}
			return n.expire(c)
		case <-n.idle.stop:
			// The node stopped and its sweeps with it.
			return n.awaitTimer(c, max(time.Until(deadline), 0))
		}
	}
}

// Call sends req to the GenServer dest and waits for its reply, up to the
// node's call timeout (5 s by default).
func (n *Node) Call(dest Dest, req any) (any, error) {
	return n.CallTimeout(dest, req, n.timeout)
}

// CallTimeout is Call with its own timeout; d < 0 waits for ever.
func (n *Node) CallTimeout(dest Dest, req any, d time.Duration) (any, error) {
	return n.request(dest, envelope{kind: kindCall, msg: req}, d, "call")
}

func (n *Node) request(dest Dest, e envelope, d time.Duration, op string) (any, error) {
	p := n.resolve(dest)
	if p == nil {
		return nil, &CallError{Op: op, Dest: dest, Err: ErrNoProc}
	}
	c := n.calls.get()
	e.call = c
	if e.kind == kindCall && p.claim(false) {
		p.runHere(e)
		select {
		case r := <-c.ch:
			n.calls.put(c)
			if r.err != nil {
				return nil, &CallError{Op: op, Dest: dest, Err: r.err}
			}
			return r.v, nil
		default: // NoReply: the answer comes later, or not in time
		}
	} else {
		p.deliver(e)
	}
	v, err := n.await(c, d)
	if err != nil {
		return nil, &CallError{Op: op, Dest: dest, Err: err}
	}
	return v, nil
}

// Cast sends msg to the GenServer dest without waiting. Like Erlang's cast
// it succeeds whether or not dest is alive, except for an unknown name.
func (n *Node) Cast(dest Dest, msg any) error {
	p := n.resolve(dest)
	if p == nil {
		if _, ok := dest.(Name); ok {
			return &CallError{Op: "cast", Dest: dest, Err: ErrNoProc}
		}
		return nil
	}
	p.deliver(envelope{kind: kindCast, msg: msg})
	return nil
}

// claim makes the calling goroutine the owner of an idle GenServer: one
// with no goroutine, nothing queued and not suspended. A caller that would
// only wait for the reply runs the callback itself, sparing two goroutine
// switches; the process's state still has exactly one owner at a time.
//
// A system request (sys) may claim a suspended process too.
func (p *process) claim(sys bool) bool {
	if p.kind != serverProc {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active || p.dead || (p.suspended && !sys) || p.sysq.len() > 0 || p.msgq.len() > 0 {
		return false
	}
	p.active = true
	return true
}

// runHere dispatches e on the calling goroutine, which claimed p, then
// hands p back: to a new goroutine if messages arrived meanwhile.
func (p *process) runHere(e envelope) {
	prev := p.n.swapRunning(p)
	p.dispatch(e)
	p.n.restoreRunning(prev)
	p.handBack()
}

// handBack ends a claim: p goes to a new goroutine if messages arrived
// meanwhile, else it is idle again.
func (p *process) handBack() {
	p.mu.Lock()
	if !p.dead && p.runnable() {
		p.mu.Unlock()
		p.n.goroutine(p.serve)
		return
	}
	p.active = false
	p.mu.Unlock()
}
