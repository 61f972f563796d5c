// Package wire is octochat's blocking I/O: the processes that wait in
// Accept and in Read, and the guards that close a listener or a
// connection when the processes using it exit.
//
// A process blocked in a system call sees no signal until the call
// returns: an exit signal waits in its mailbox, and even a kill only
// marks it dead while its goroutine stays in Accept or Read. So each
// socket has a guard, a process that waits in Receive, where any exit —
// of a process it is linked to, a shutdown, a kill, a purge — reaches it
// at once and runs its deferred Close; closing the socket ends the
// blocked call. An Erlang port closes with the process that owns it; a
// guard is how Gex processes get that.
//
// The processes started here run this version's code for as long as they
// live (a loop's calls to its own functions stay in its version, as local
// calls do in Erlang), and a version is purged, its processes killed, at
// the second load after it. So this module stays the same from release to
// release, and what changes — how a line is answered, what is done with a
// new connection — is in the callbacks of the connection and acceptor
// GenServers, which run current code at every message.
package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gexdev/gex/node"
)

const Vsn = "1"

// Accept starts a process that accepts connections on ln and sends each,
// a net.Conn, to owner, until ln is closed.
func Accept(ln net.Listener, owner node.PID) node.PID {
	return node.Spawn(func(p *node.Proc) { accept(ln, owner) })
}

func accept(ln net.Listener, owner node.PID) {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of file descriptors, say: wait and try again, as
			// net/http's Server does, rather than spin.
			delay = backoff(delay)
			node.Logger().Warn("octochat: accept failed; trying again", "error", err, "in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if !node.IsAlive(owner) { // its guard is closing ln
			c.Close()
			return
		}
		node.Send(owner, c)
	}
}

// backoff doubles delay, from 5 ms up to 1 s.
func backoff(delay time.Duration) time.Duration {
	switch {
	case delay == 0:
		return 5 * time.Millisecond
	case delay >= time.Second/2:
		return time.Second
	}
	return 2 * delay
}

// Serve starts the processes of one client connection: a reader, which
// passes each line the client sends to server with node.Call and writes
// back the reply, and a guard linked to both, so that the connection is
// closed as soon as either exits and each exits with the other.
func Serve(conn net.Conn, server node.PID) {
	reader := node.Spawn(func(p *node.Proc) { read(conn, server) })
	Guard(conn, server, reader)
}

// read serves lines until the client hangs up, the connection is closed,
// or server is gone. A line longer than 64 KiB ends the connection.
func read(conn net.Conn, server node.PID) {
	lines := bufio.NewScanner(conn)
	for lines.Scan() {
		reply, err := node.Call(server, lines.Text())
		if err != nil {
			return
		}
		if _, err := fmt.Fprintln(conn, reply); err != nil {
			return
		}
	}
}

// Guard starts a process that links to each of pids and, once any of them
// exits, for whatever reason, closes c and exits with reason shutdown,
// which ends the others (a process blocked on c sees c closed).
func Guard(c io.Closer, pids ...node.PID) node.PID {
	pid := node.Spawn(func(p *node.Proc) { guard(p, c, pids) })
	if !node.IsAlive(pid) {
		// Gone already: the guard ended before it was asked to watch c
		// (a process spawned while the node stops starts dead). Closing
		// again is harmless, and says that c is done with.
		c.Close()
	}
	return pid
}

func guard(p *node.Proc, c io.Closer, pids []node.PID) {
	// A kill ends the process in Receive, and runs this too.
	defer c.Close()
	p.TrapExit(true)
	for _, pid := range pids {
		if err := p.Link(pid); err != nil { // gone already
			p.Exit(node.Shutdown)
		}
	}
	for {
		if _, ok := p.Receive().(node.ExitSignal); ok {
			p.Exit(node.Shutdown)
		}
	}
}
