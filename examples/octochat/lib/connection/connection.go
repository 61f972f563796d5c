// Package connection is the server of one client connection: a GenServer
// whose state counts the lines it has echoed. The acceptor starts one per
// connection, under the connections supervisor, and wire.Serve's reader
// calls it with each line the client sends.
//
// The server holds no socket, only data, so that it can be suspended,
// migrated by CodeChange and resumed while its client stays connected:
// next/lib/connection/connection.go is version 2, in release 0.3.0, which
// numbers its answers and counts bytes as well.
//
//	gex(octochat@host)1> :sys.get_state pid
//	map[lines:3 peer:127.0.0.1:40312]
package connection

import (
	"fmt"

	"github.com/gexdev/gex/node"

	"octochat/lib/echo"
)

const Vsn = "1"

// StartLink starts the server of the connection from peer, linked to the
// caller: the connections supervisor, which starts it by MFA.
func StartLink(peer string) (node.PID, error) {
	return node.StartLink("connection", peer)
}

// Init starts with no line echoed.
func Init(peer any) (any, error) {
	return map[string]any{"peer": peer, "lines": 0}, nil
}

// HandleCall answers a line with its echo, and counts it.
func HandleCall(req any, from node.From, state any) node.Result {
	s := state.(map[string]any)
	line, ok := req.(string)
	if !ok {
		return node.Reply(fmt.Errorf("connection: unexpected call %v", req), s)
	}
	s["lines"] = s["lines"].(int) + 1
	return node.Reply(echo.Echo(line), s)
}
