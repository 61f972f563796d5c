package node

import (
	"fmt"
	"io"
	"time"
)

// Event is one entry of a process's sys log.
type Event struct {
	Time time.Time
	Dir  string // "in" or "out"
	Kind string // "call", "cast", "info", "reply"
	Msg  any
}

func (e Event) String() string {
	return fmt.Sprintf("%s %s %s %v", e.Time.Format("15:04:05.000"), e.Dir, e.Kind, e.Msg)
}

// debugInfo is a server's tracing and event log, present only while on.
type debugInfo struct {
	trace bool
	out   io.Writer
	log   []Event
	logN  int
}

func (p *process) handleDebug(e envelope) {
	s := p.srv
	d := s.debug
	if d == nil {
		d = &debugInfo{}
	}
	switch e.sys {
	case sysTrace:
		r := e.msg.(traceReq)
		d.trace, d.out = r.on, r.out
	case sysLog:
		r := e.msg.(logReq)
		d.log, d.logN = nil, 0
		if r.on {
			d.logN = r.n
			if d.logN <= 0 {
				d.logN = 10
			}
		}
	case sysGetLog:
		e.call.reply(append([]Event(nil), d.log...))
		return
	}
	s.debug = d
	if !d.trace && d.logN == 0 {
		s.debug = nil
	}
	e.call.reply(nil)
}

var kindNames = [...]string{kindInfo: "info", kindCall: "call", kindCast: "cast"}

func (p *process) debugIn(e envelope) {
	d := p.srv.debug
	kind := kindNames[e.kind]
	if d.trace {
		p.n.trace(d.out, p, fmt.Sprintf("got %s %v", kind, e.msg))
	}
	p.record(Event{Dir: "in", Kind: kind, Msg: e.msg})
}

func (p *process) debugOut(v any) {
	d := p.srv.debug
	if d.trace {
		p.n.trace(d.out, p, fmt.Sprintf("sent %v, new state %v", v, p.srv.state))
	}
	p.record(Event{Dir: "out", Kind: "reply", Msg: v})
}

func (p *process) record(ev Event) {
	d := p.srv.debug
	if d.logN == 0 {
		return
	}
	ev.Time = time.Now()
	d.log = append(d.log, ev)
	if len(d.log) > d.logN {
		d.log = d.log[len(d.log)-d.logN:]
	}
}

// trace prints a trace line as OTP does: *DBG* #PID<0.84.0> got call ...
func (n *Node) trace(w io.Writer, p *process, line string) {
	if w != nil {
		fmt.Fprintf(w, "*DBG* %v %s\n", p.pid, line)
		return
	}
	n.log.Info("*DBG* "+line, "pid", p.pid.String())
}

func (n *Node) traceOut(p *process, what string, msg any) {
	n.trace(nil, p, fmt.Sprintf("%s %v", what, msg))
}
