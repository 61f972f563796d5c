package cli

import (
	"context"

	"github.com/gexdev/gex/shell/attach"
)

var pingCmd = &command{
	usage:   "ping [--name NAME]",
	summary: "Check that a node is running: prints pong.",
	help: `Ping connects to the node's socket and prints pong when the node answers.
When no node of that name is running it says so and exits with status 1.
`,
}

func init() { pingCmd.run = runPing }

func runPing(e *env, args []string) int {
	r, _, status, ok := pingCmd.parseRemote(e, "ping", 0, args)
	if !ok {
		return status
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	if err := attach.Control(ctx, r.socket(), "ping", nil, e.stdout); err != nil {
		return r.fail(e, "ping", err)
	}
	return exitOK
}
