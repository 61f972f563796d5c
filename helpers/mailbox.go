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
// The evaluation itself does not run in the process, so it cannot
// receive; the process only collects.
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

func (m *Mailbox) collect(p *node.Proc) {
	var msgs []any
	for {
		switch msg := p.Receive().(type) {
		case closeMailbox:
			return
		case drainMailbox:
			msg.reply <- msgs
			msgs = nil
		default:
			msgs = append(msgs, msg)
		}
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
// IEx's flush does.
func (e *Env) Flush() error {
	if e.Mailbox == nil {
		return ErrNoMailbox
	}
	msgs, err := e.Mailbox.Drain()
	for _, msg := range msgs {
		e.printf("%s\n", e.format(msg))
	}
	return err
}

// Self returns the PID of the session's mailbox, or the zero PID without
// one.
func (e *Env) Self() node.PID {
	if e.Mailbox == nil {
		return node.PID{}
	}
	return e.Mailbox.PID()
}
