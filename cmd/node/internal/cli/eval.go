package cli

import (
	"context"
	"errors"
	"os"

	"github.com/gexdev/gex/shell"
	"github.com/gexdev/gex/shell/attach"
)

var evalCmd = &command{
	usage:   "eval [--name NAME] EXPR",
	summary: "Evaluate EXPR on a running node and print the result.",
	help: `Eval evaluates EXPR, console input of any kind (Go, a helper, an
Erlang-style call), in a fresh session on the running node, and prints
what the console would. The exit status is 1 if the evaluation fails.
Ctrl-C interrupts the evaluation.

	node eval 'kv.Get("a")'
	node eval ':sys.get_state KV'
`,
}

func init() { evalCmd.run = runEval }

func runEval(e *env, args []string) int {
	r, operands, status, ok := evalCmd.parseRemote(e, "eval", 1, args)
	if !ok {
		return status
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := interruptCancels(e, cancel)
	defer stop()
	opts := attach.ClientOptions{Color: shell.ColorFor(e.stdout, e.getenv), Width: termWidth(e.stdout), Timeout: dialTimeout}
	err := attach.EvalOnce(ctx, r.socket(), operands[0], e.stdout, opts)
	if _, shown := errors.AsType[*shell.EvalError](err); shown {
		return exitFail
	}
	if err != nil {
		return r.fail(e, "eval", err)
	}
	return exitOK
}

// interruptCancels calls cancel on the interrupt signal (Ctrl-C), until
// the returned function is called.
func interruptCancels(e *env, cancel func()) (stop func()) {
	sigs := make(chan os.Signal, 1)
	stopNotify := e.notify(sigs, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
		}
	}()
	return func() {
		stopNotify()
		close(done)
	}
}
