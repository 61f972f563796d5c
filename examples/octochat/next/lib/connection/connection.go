// Package connection is the server of one client connection: a GenServer
// whose state counts the lines and the bytes it has echoed.
//
// This is version 2, in release 0.3.0: each answer starts with the line's
// number on the connection, and the state counts bytes as well. CodeChange
// migrates the state of a version 1 server, whose client stays connected
// through the upgrade, so its numbering goes on from where it was; and
// back again on a downgrade.
//
//	gex(octochat@host)1> :sys.get_state pid
//	map[bytes:5 lines:4 peer:127.0.0.1:40312]
package connection

import (
	"fmt"
	"strings"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"

	"octochat/lib/echo"
)

const Vsn = "2"

// StartLink starts the server of the connection from peer, linked to the
// caller: the connections supervisor, which starts it by MFA.
func StartLink(peer string) (node.PID, error) {
	return node.StartLink("connection", peer)
}

// Init starts with no line echoed.
func Init(peer any) (any, error) {
	return map[string]any{"peer": peer, "lines": 0, "bytes": 0}, nil
}

// HandleCall answers a line with its number and its echo, and counts it.
func HandleCall(req any, from node.From, state any) node.Result {
	s := state.(map[string]any)
	line, ok := req.(string)
	if !ok {
		return node.Reply(fmt.Errorf("connection: unexpected call %v", req), s)
	}
	s["lines"] = s["lines"].(int) + 1
	s["bytes"] = s["bytes"].(int) + len(line)
	return node.Reply(fmt.Sprintf("%d: %s", s["lines"], echo.Echo(line)), s)
}

// CodeChange adds the byte count, from 0, to a version 1 state on the
// upgrade, and drops it on a downgrade to version 1 (oldVsn "down:1").
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	s, err := migrate.ToMap(state)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(oldVsn, "down:") {
		delete(s, "bytes")
		return s, nil
	}
	if _, ok := s["bytes"]; !ok {
		s["bytes"] = 0
	}
	return s, nil
}
