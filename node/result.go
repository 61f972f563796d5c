package node

import "fmt"

// Result is what a GenServer callback returns: reply, do not reply yet, or
// stop. Build it with Reply, NoReply, StopReply or StopWith.
type Result struct {
	action   action
	reply    any
	state    any
	reason   any
	hasReply bool
}

type action uint8

const (
	actInvalid action = iota
	actReply
	actNoReply
	actStop
)

// Reply answers the call with reply and continues with state
// (OTP's {:reply, reply, state}).
func Reply(reply, state any) Result {
	return Result{action: actReply, reply: reply, state: state, hasReply: true}
}

// NoReply continues with state without answering yet; the callback may
// answer later with From.Reply ({:noreply, state}).
func NoReply(state any) Result { return Result{action: actNoReply, state: state} }

// StopReply answers the call, then stops the server with reason
// ({:stop, reason, reply, state}).
func StopReply(reason, reply, state any) Result {
	return Result{action: actStop, reason: reason, reply: reply, state: state, hasReply: true}
}

// StopWith stops the server with reason ({:stop, reason, state}).
func StopWith(reason, state any) Result {
	return Result{action: actStop, reason: reason, state: state}
}

// State returns the state the result carries.
func (r Result) State() any { return r.state }

func (r Result) String() string {
	switch r.action {
	case actReply:
		return fmt.Sprintf("{:reply, %v, %v}", r.reply, r.state)
	case actNoReply:
		return fmt.Sprintf("{:noreply, %v}", r.state)
	case actStop:
		return fmt.Sprintf("{:stop, %v, %v}", r.reason, r.state)
	}
	return "invalid result"
}

// BadReturnError is the exit reason of a server whose callback returned the
// zero Result.
type BadReturnError struct {
	Callback string
}

func (e *BadReturnError) Error() string {
	return fmt.Sprintf("bad return value from %s: zero Result (use node.Reply, node.NoReply, ...)", e.Callback)
}
