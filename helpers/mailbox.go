package helpers

import (
	"fmt"
	"time"

	"github.com/gexdev/gex/node"
)

// Mailbox is a console session's own process: what IEx's shell process
// is to iex. Messages sent to its PID (self in the console) wait in it
// until flush shows them.
//
// The console's evaluations run as the process (node.As), so what they
// start with StartLink is linked to it; the process itself only collects.
type Mailbox struct {
	n   *node.Node
	pid node.PID
}

// closeMailbox is the message Close sends; it is unexported so no other
// message can end the process.
type closeMailbox struct{}

// drainMailbox asks the process for the messages it has: being a
// message itself, it arrives after every message sent before it.
type drainMailbox struct{ reply chan []any }

// drainTimeout bounds the wait for the mailbox's answer; the process
// answers at once unless the node is stopping.
const drainTimeout = time.Second

// OpenMailbox spawns the process of a new mailbox on n.
func OpenMailbox(n *node.Node) *Mailbox {
	m := &Mailbox{n: n}
	m.pid = n.Spawn(m.collect)
	return m
}

// collect is the mailbox's process. It traps exits, so a process the
// console started and linked to the session (StartLink at the prompt)
// cannot end the session by crashing: its exit waits, as an ExitSignal,
// for the session to show it.
func (m *Mailbox) collect(p *node.Proc) {
	p.TrapExit(true)
	var msgs []any
	var exits []node.ExitSignal
	for {
		switch msg := p.Receive().(type) {
		case closeMailbox:
			return
		case drainMailbox:
			msg.reply <- msgs
			msgs = nil
		case drainExits:
			msg.reply <- exits
			exits = nil
		case node.ExitSignal:
			switch {
			case msg.From.IsZero():
				return // the node is stopping
			case !node.IsNormal(msg.Reason):
				exits = append(exits, msg)
			}
		default:
			msgs = append(msgs, msg)
		}
	}
}

// drainExits asks the process for the exit signals of linked processes
// that crashed since the last time.
type drainExits struct{ reply chan []node.ExitSignal }

// Exits removes and returns the abnormal exits of processes linked to the
// session, oldest first, for the console to show as IEx does:
// ** (EXIT from #PID<0.2.0>) reason.
func (m *Mailbox) Exits() []node.ExitSignal {
	reply := make(chan []node.ExitSignal, 1)
	if m.n.Send(m.pid, drainExits{reply}) != nil {
		return nil
	}
	select {
	case exits := <-reply:
		return exits
	case <-time.After(drainTimeout):
		return nil
	}
}

// PID returns the mailbox's process.
func (m *Mailbox) PID() node.PID { return m.pid }

// Drain removes and returns the messages received so far, oldest first:
// all that were sent to the mailbox before Drain was called.
func (m *Mailbox) Drain() ([]any, error) {
	reply := make(chan []any, 1)
	if err := m.n.Send(m.pid, drainMailbox{reply}); err != nil {
		return nil, err
	}
	select {
	case msgs := <-reply:
		return msgs, nil
	case <-time.After(drainTimeout):
		return nil, fmt.Errorf("%w: the mailbox did not answer", node.ErrTimeout)
	}
}

// Close ends the mailbox's process.
func (m *Mailbox) Close() error {
	return m.n.Send(m.pid, closeMailbox{})
}

// Flush shows and removes the messages in the session's mailbox, as
// IEx's flush does, and returns :ok, as it does, so that an empty
// mailbox shows something.
func (e *Env) Flush() (node.Atom, error) {
	if e.Mailbox == nil {
		return "", ErrNoMailbox
	}
	msgs, err := e.Mailbox.Drain()
	for _, msg := range msgs {
		e.printf("%s\n", e.format(msg))
	}
	if err != nil {
		return "", err
	}
	return node.Atom("ok"), nil
}

// Self returns the PID of the session's mailbox, or the zero PID without
// one.
func (e *Env) Self() node.PID {
	if e.Mailbox == nil {
		return node.PID{}
	}
	return e.Mailbox.PID()
}
