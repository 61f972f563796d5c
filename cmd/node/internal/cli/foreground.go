package cli

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/shell"
	"github.com/gexdev/gex/shell/attach"
)

var foregroundCmd = &command{
	usage:   "foreground [DIR] [--name NAME] [--max-sessions N] [--watch[=migrate]]",
	summary: "Run a node in the foreground, attachable, without a console.",
	help: `Foreground starts a node in this process and loads the modules in DIR
(default "."), as node console does, but with no console: the node is
reached with node attach, node eval and the other commands, through its
socket in the runtime directory, and writes its pid file there. This is
how a service manager such as systemd runs a node; node start runs it in
the background.

The node stops gracefully on SIGTERM, SIGINT or SIGHUP, or when asked by
node stop: attached consoles are told at once, every process's Terminate
runs, then the pid file and the socket are removed.

If another process serves the node already, or is starting it, foreground
exits with status 4.

With --watch, modules saved under DIR are reloaded as in node console
(--watch=migrate: and their GenServers migrated); each reload, by this
watcher or one started by the watch helper in a console, is logged and
shown in every attached console as it happens.

At most --max-sessions consoles and node evals are served at once; one
more is refused, saying so. Control commands (ping, pid, stop, version)
are answered however many sessions there are.
`,
}

func init() { foregroundCmd.run = runForeground }

func runForeground(e *env, args []string) int {
	fs := foregroundCmd.flags(e, "foreground")
	name := nameFlag(fs)
	maxSessions := maxSessionsFlag(fs)
	watching := watchFlag(fs)
	operands, status, ok := foregroundCmd.parse(e, fs, args)
	if !ok {
		return status
	}
	if !checkMaxSessions(e, "foreground", *maxSessions) {
		return exitUsage
	}
	dir, status, ok := dirOperand(e, "foreground", operands)
	if !ok {
		return status
	}
	n, err := node.Start(node.Options{Name: *name, Logger: slog.New(slog.NewTextHandler(e.stderr, nil))})
	if err != nil {
		fmt.Fprintf(e.stderr, "node foreground: %v\n", err)
		return exitFail
	}
	defer n.Stop()
	cs := code.New(n, code.Options{Path: []string{dir}})
	loadModules(e, cs, dir)
	defer logReloads(cs, n.Logger())()
	stopWatch, err := watching.Start(cs, nil) // logged by logReloads
	if err != nil {
		fmt.Fprintf(e.stderr, "node foreground: %v\n", err)
		return exitFail
	}
	defer stopWatch()
	watchingLine(cs, n.Logger())

	stopAsked := make(chan struct{})
	var once sync.Once
	rd := runDir(e)
	srv, err := serveAttach(rd, n, cs, *maxSessions, func() { once.Do(func() { close(stopAsked) }) })
	if err != nil {
		fmt.Fprintf(e.stderr, "node foreground: %v\n", err)
		if errors.Is(err, attach.ErrAlreadyRunning) {
			return exitRunning
		}
		return exitFail
	}
	defer srv.Close()
	if err := rd.WritePID(n.Name(), os.Getpid()); err != nil {
		fmt.Fprintf(e.stderr, "node foreground: %v\n", err)
		return exitFail
	}
	n.Logger().Info("node running", "node", n.Name(), "pid", os.Getpid(), "socket", rd.Socket(n.Name()))

	waitForStop(e, n, stopAsked)
	return shutdown(e, n, srv, rd)
}

// dirOperand is the module directory of foreground and start: the one
// operand, default ".", as an absolute path that must be a directory.
func dirOperand(e *env, cmd string, operands []string) (string, int, bool) {
	if len(operands) > 1 {
		fmt.Fprintf(e.stderr, "node %s: one directory, not %d\n", cmd, len(operands))
		return "", exitUsage, false
	}
	dir := "."
	if len(operands) == 1 {
		dir = operands[0]
	}
	abs, err := moduleDir(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "node %s: %v\n", cmd, err)
		return "", exitFail, false
	}
	return abs, exitOK, true
}

// maxSessionsFlag defines the --max-sessions flag of a command that runs
// a node.
func maxSessionsFlag(fs *flag.FlagSet) *int {
	return fs.Int("max-sessions", attach.DefaultMaxSessions, "serve at most `N` attached consoles and evals at once")
}

// checkMaxSessions reports, for command cmd, a --max-sessions below 1.
func checkMaxSessions(e *env, cmd string, n int) bool {
	if n < 1 {
		fmt.Fprintf(e.stderr, "node %s: --max-sessions %d: want at least 1\n", cmd, n)
		return false
	}
	return true
}

// serveAttach makes n attachable: node attach, eval, ping, pid and stop
// reach it through its socket in rd, with at most maxSessions sessions at
// once. stop is called, and must return at once, when a client asks the
// node to stop. The caller drains the server before stopping the node and
// closes it after, so that consoles hear of the stop at once and node stop
// returns once the node is down.
func serveAttach(rd attach.RunDir, n *node.Node, cs *code.Server, maxSessions int, stop func()) (*attach.Server, error) {
	return attach.ServeAttach(rd, attachOptions(n, cs, maxSessions, stop))
}

// attachOptions are the attach server options of serveAttach.
func attachOptions(n *node.Node, cs *code.Server, maxSessions int, stop func()) attach.ServerOptions {
	return attach.ServerOptions{
		Node: n.Name(),
		NewSession: func(t attach.Terminal) (shell.Engine, error) {
			return shell.NewSession(n, cs, shell.SessionOptions{Color: t.Color, Width: t.Width, EvalOnce: t.OneShot})
		},
		Stop:        stop,
		MaxSessions: maxSessions,
		Logger:      n.Logger(),
	}
}

// waitForStop returns when the node is asked to stop: by a signal, by
// node stop, or by stopping itself.
func waitForStop(e *env, n *node.Node, stopAsked <-chan struct{}) {
	sigs := make(chan os.Signal, 1)
	stopNotify := e.notify(sigs, syscall.SIGTERM, os.Interrupt, syscall.SIGHUP)
	defer stopNotify()
	select {
	case sig := <-sigs:
		n.Logger().Info("stopping", "signal", sig.String())
	case <-stopAsked:
		n.Logger().Info("stopping", "asked by", "node stop")
	case <-n.Done():
	}
}

// shutdown tells attached consoles the node is stopping, stops the node,
// then removes its pid file, then closes the server, which removes the
// socket and ends every connection: a client waiting in node stop sees the
// end only when all of it is done.
func shutdown(e *env, n *node.Node, srv *attach.Server, rd attach.RunDir) int {
	srv.Drain()
	status := exitOK
	if err := n.Stop(); err != nil {
		fmt.Fprintf(e.stderr, "node foreground: stopping the node: %v\n", err)
		status = exitFail
	}
	if err := rd.RemovePID(n.Name()); err != nil {
		fmt.Fprintf(e.stderr, "node foreground: %v\n", err)
		status = exitFail
	}
	if err := srv.Close(); err != nil {
		fmt.Fprintf(e.stderr, "node foreground: %v\n", err)
		status = exitFail
	}
	return status
}
