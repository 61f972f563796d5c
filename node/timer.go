package node

import "time"

// AfterFunc calls f in a new process of n after d and returns the timer,
// whose Stop cancels the call. time.AfterFunc would call f on a goroutine
// of its own, where a panic kills the program; a process recovers it and
// reports.
func (n *Node) AfterFunc(d time.Duration, f func()) *time.Timer {
	return time.AfterFunc(d, func() { n.Spawn(func(*Proc) { f() }) })
}

// SendAfter sends msg to dest after d, as Erlang's erlang:send_after, and
// returns the timer, whose Stop cancels the send. A destination gone by
// then gets nothing, as with Send.
func (n *Node) SendAfter(dest Dest, msg any, d time.Duration) *time.Timer {
	return time.AfterFunc(d, func() { _ = n.Send(dest, msg) })
}
