package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/gexdev/gex/shell"
	"github.com/gexdev/gex/shell/attach"
)

var attachCmd = &command{
	usage:   "attach [--name NAME]",
	summary: "Attach a console to a running node.",
	help: `Attach opens a console on a running node (started by node start, node
foreground or node console), as iex --remsh does: a session of its own,
with its own variables, evaluating inside the node, with the node's
completion, helpers and colors for this terminal. Several consoles may be
attached at once. History is kept here, as for node console.

Ctrl-C interrupts this console's running evaluation, never the node; Ctrl-D
on an empty line detaches and leaves the node running.

Each reload the node does on save (node start --watch, node console
--watch, or the watch helper in any console) is shown in this console as
it happens, above the line being typed, which is drawn again as it was.

When the node stops while attached, at the prompt or during an evaluation,
attach says "node NAME stopped" at once and exits with status 3.
`,
}

func init() { attachCmd.run = runAttach }

func runAttach(e *env, args []string) int {
	r, _, status, ok := attachCmd.parseRemote(e, "attach", 0, args)
	if !ok {
		return status
	}
	opts := attach.ClientOptions{Color: shell.ColorFor(e.stdout, e.getenv), Width: termWidth(e.stdout), Timeout: dialTimeout}
	c, err := attach.Attach(context.Background(), r.socket(), opts)
	if err != nil {
		return r.fail(e, "attach", err)
	}
	defer c.Close()
	intro := func(w io.Writer) {
		fmt.Fprintf(w, "Attached to node %s (pid %d) - Ctrl-D detaches, the node keeps running\n", c.Node().Name, c.Node().PID)
	}
	// The console ends as soon as the connection does, idle or not.
	err = runConsoleOn(e, c, nil, intro, c.Done())
	if cerr := c.Err(); errors.Is(cerr, attach.ErrNodeStopped) {
		fmt.Fprintf(e.stderr, "node %s stopped\n", c.Node().Name)
		return exitStopped
	} else if err == nil {
		err = cerr // the connection broke; nil after Ctrl-D
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "%s attach: %v\n", e.progName(), err)
		return exitFail
	}
	return exitOK
}

// runConsoleOn runs a Console on the terminal over eng until Ctrl-D, or
// until the process is asked to terminate (SIGTERM, SIGHUP) or stop is
// closed, which end it as Ctrl-D does. Interrupts (Ctrl-C) cancel eng's
// running evaluation. log, if not nil, is the log of a node in this
// process, shown through the console's line editor.
func runConsoleOn(e *env, eng shell.Engine, log *shell.LogWriter, intro func(io.Writer), stop <-chan struct{}) error {
	interrupts := make(chan os.Signal, 1)
	stopInterrupts := e.notify(interrupts, os.Interrupt)
	defer stopInterrupts()
	c, err := shell.NewConsole(eng, shell.ConsoleOptions{
		Stdin:       e.stdin,
		Stdout:      e.stdout,
		Stderr:      e.stderr,
		HistoryFile: historyFile(e.getenv),
		Interrupts:  interrupts,
		Log:         log,
	})
	if err != nil {
		return err
	}
	defer c.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	terms := make(chan os.Signal, 1)
	stopTerms := e.notify(terms, syscall.SIGTERM, syscall.SIGHUP)
	defer stopTerms()
	go func() {
		select {
		case <-terms:
		case <-stop:
		case <-ctx.Done():
			return
		}
		cancel()
		c.Close() // ends the read of the current line
	}()

	intro(e.stdout)
	err = c.Run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
