package cli

import (
	"context"

	"github.com/gexdev/gex/shell/attach"
)

var pidCmd = &command{
	usage:   "pid [--name NAME]",
	summary: "Print the OS process id of a running node.",
	help: `Pid asks the node for its process id, so the answer is the live process's
even where a pid file is stale.
`,
}

func init() { pidCmd.run = runPID }

func runPID(e *env, args []string) int {
	r, _, status, ok := pidCmd.parseRemote(e, "pid", 0, args)
	if !ok {
		return status
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	if err := attach.Control(ctx, r.socket(), "pid", nil, e.stdout); err != nil {
		return r.fail(e, "pid", err)
	}
	return exitOK
}
