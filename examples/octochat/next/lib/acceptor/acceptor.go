// Package acceptor is octochat's acceptor: a GenServer, registered as
// octochat_acceptor, that listens on a loopback port and starts a
// connection server for each client, under the connections supervisor.
//
// Its blocking half is in wire: the process that waits in Accept sends
// each new connection here as a message, so what is done with it runs in
// this module's current version; wire.Guard closes the listener when the
// acceptor or that process exits, so that the supervisor can start a new
// acceptor on the same port.
//
// This is version 2, in release 0.3.0: it logs each connection. Its state
// keeps its shape, so the upgrade suspends it, loads it and resumes it
// with the state it had.
package acceptor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/gexdev/gex/node"

	"octochat/lib/wire"
)

const Vsn = "2"

// Name is the acceptor's registered name.
const Name = "octochat_acceptor"

// StartLink starts the acceptor on 127.0.0.1:port (0 for any free port),
// starting connection servers as children of the supervisor registered as
// connections.
func StartLink(port int, connections string) (node.PID, error) {
	return node.StartLink("acceptor", map[string]any{"port": port, "connections": connections}, node.Named(Name))
}

// Port returns the port the acceptor listens on.
func Port() (int, error) {
	port, err := node.Call(node.Name(Name), "port")
	if err != nil {
		return 0, err
	}
	return port.(int), nil
}

// Init listens and starts the process that accepts.
func Init(arg any) (any, error) {
	a := arg.(map[string]any)
	ln, err := listen(a["port"].(int))
	if err != nil {
		return nil, err
	}
	self, _ := node.Self()
	wire.Guard(ln, self, wire.Accept(ln, self))
	return map[string]any{
		"port":        ln.Addr().(*net.TCPAddr).Port,
		"connections": a["connections"],
	}, nil
}

// listen listens on the loopback port. The listener of an acceptor that
// just exited is closed by its guard, which may not have run yet when the
// supervisor starts this one: a port that cannot be bound (in use) is
// tried again for a second.
func listen(port int) (net.Listener, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		var se *os.SyscallError
		if err == nil || !errors.As(err, &se) || se.Syscall != "bind" || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// HandleCall answers "port".
func HandleCall(req any, from node.From, state any) node.Result {
	s := state.(map[string]any)
	if req == "port" {
		return node.Reply(s["port"], s)
	}
	return node.Reply(fmt.Errorf("acceptor: unexpected call %v", req), s)
}

// HandleInfo starts the server of a new connection and the processes that
// serve it. The connection is the server's, not the acceptor's: a new
// acceptor leaves the open connections alone.
func HandleInfo(msg any, state any) node.Result {
	s := state.(map[string]any)
	conn, ok := msg.(net.Conn)
	if !ok {
		node.Logger().Warn("acceptor: unexpected message", "msg", fmt.Sprint(msg))
		return node.NoReply(s)
	}
	peer := conn.RemoteAddr().String()
	server, err := node.StartChild(node.Name(s["connections"].(string)), node.ChildSpec{
		ID:      peer,
		MFA:     node.MFA{Module: "connection", Func: "StartLink", Args: []any{peer}},
		Restart: node.Temporary, // its client is gone with it
	})
	if err != nil {
		node.Logger().Error("octochat: cannot serve connection", "peer", peer, "error", err)
		conn.Close()
		return node.NoReply(s)
	}
	node.Logger().Info("octochat: accepted connection", "peer", peer, "server", server.String())
	wire.Serve(conn, server)
	return node.NoReply(s)
}
