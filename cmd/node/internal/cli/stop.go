package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/gexdev/gex/shell/attach"
)

var stopCmd = &command{
	usage:   "stop [--name NAME]",
	summary: "Stop a running node gracefully.",
	help: `Stop asks the node to stop and waits until it has: every process's
Terminate has run, attached consoles are told, the node's socket and pid
file are gone, and its process is exiting. An evaluation that an interrupt
does not end within a few seconds is abandoned, as its console is. Stop
waits at most a minute.
`,
}

func init() { stopCmd.run = runStop }

// stopTimeout bounds the wait for a node to stop; the node itself kills a
// process that takes more than its shutdown timeout (5 s) to terminate.
const stopTimeout = time.Minute

func runStop(e *env, args []string) int {
	r, _, status, ok := stopCmd.parseRemote(e, "stop", 0, args)
	if !ok {
		return status
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	info, err := attach.StopNode(ctx, r.socket())
	if err != nil {
		return r.fail(e, "stop", err)
	}
	fmt.Fprintf(e.stdout, "node %s stopped (pid %d)\n", info.Name, info.PID)
	return exitOK
}
