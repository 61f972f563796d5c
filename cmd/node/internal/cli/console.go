package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/chzyer/readline"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/native"
	"github.com/gexdev/gex/node/code/watch"
	"github.com/gexdev/gex/shell"
)

var consoleCmd = &command{
	usage:   "console [DIR] [--name NAME] [--max-sessions N] [--watch[=migrate]] [--native]",
	summary: "Start a node and a console on it, loading the modules in DIR.",
	help: `Console starts a node in this process, puts DIR (default ".") on its code
path and loads its modules, as iex -S mix does: each file NAME.go and each
directory NAME holding package NAME. Ctrl-D on an empty line leaves the
console and stops the node gracefully; Ctrl-C interrupts the running
evaluation. Type h at the prompt for help. With --watch, modules saved
under DIR are reloaded (--watch=migrate: and their GenServers migrated),
and this console and every attached one say what each reload did as it
happens; the watch and unwatch helpers do the same from the prompt.

Others can attach to the node with node attach, at most --max-sessions at
once; they are told when the node stops.
`,
}

func init() { consoleCmd.run = runConsole }

func runConsole(e *env, args []string) int {
	fs := consoleCmd.flags(e, "console")
	name := nameFlag(fs)
	maxSessions := maxSessionsFlag(fs)
	watching := watchFlag(fs)
	tierUp := fs.Bool("native", false, "also build each module loaded as compiled Go, in the background, and switch to it when ready (needs the Go toolchain that built node, the gex source and a C compiler)")
	operands, status, ok := consoleCmd.parse(e, fs, args)
	if !ok {
		return status
	}
	if !checkMaxSessions(e, "console", *maxSessions) {
		return exitUsage
	}
	if len(operands) > 1 {
		fmt.Fprintf(e.stderr, "node console: one directory, not %d: %s\n", len(operands), strings.Join(operands, " "))
		return exitUsage
	}
	dir := "."
	if len(operands) == 1 {
		dir = operands[0]
	}
	abs, err := moduleDir(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "node console: %v\n", err)
		return exitFail
	}

	// The log is written through the console's line editor once it runs.
	log := shell.NewLogWriter(e.stderr)
	n, err := node.Start(node.Options{Name: *name, Logger: slog.New(shell.NewLogHandler(log, nil))})
	if err != nil {
		fmt.Fprintf(e.stderr, "node console: %v\n", err)
		return exitFail
	}
	defer n.Stop()
	opts := code.Options{Path: []string{abs}}
	if *tierUp {
		opts.Native, opts.TierUp = native.New(native.Options{}), true
	}
	cs := code.New(n, opts)
	loaded := loadModules(e, cs, abs)
	// Not logged: each session on the node, this console's too, shows
	// the reloads as they happen (shell.Notifier).
	stopWatch, err := watching.Start(cs, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "node console: %v\n", err)
		return exitFail
	}
	defer stopWatch()

	// Others attach to this node as to one started by node start; node
	// stop ends this console as Ctrl-D does.
	stopAsked := make(chan struct{})
	var once sync.Once
	srv, err := serveAttach(runDir(e), n, cs, *maxSessions, func() { once.Do(func() { close(stopAsked) }) })
	if err != nil {
		fmt.Fprintf(e.stderr, "node console: %v\n", err)
		return exitFail
	}
	defer srv.Close()

	if err := console(e, n, cs, dir, loaded, log, stopAsked); err != nil {
		fmt.Fprintf(e.stderr, "node console: %v\n", err)
		return exitFail
	}
	srv.Drain() // attached consoles hear of the stop before the node stops
	if err := n.Stop(); err != nil {
		fmt.Fprintf(e.stderr, "node console: stopping the node: %v\n", err)
		return exitFail
	}
	// Closed after the node has stopped, so node stop returns only then.
	if err := srv.Close(); err != nil {
		fmt.Fprintf(e.stderr, "node console: %v\n", err)
		return exitFail
	}
	return exitOK
}

// moduleDir checks that dir is a directory and returns its absolute path.
func moduleDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("no such directory: %s", dir)
		}
		return "", err
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("not a directory: %s", dir)
	}
	return abs, nil
}

// loadModules loads the modules in dir: what the code path would find
// there by name. A module that does not compile is reported and left
// out; the console starts anyway, so the user can fix it and load it.
func loadModules(e *env, cs *code.Server, dir string) []code.ModuleInfo {
	entries, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: %v\n", err)
		return nil
	}
	var loaded []code.ModuleInfo
	seen := map[string]bool{}
	for _, ent := range entries {
		name, ok := moduleName(ent)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		res, err := cs.Load(name)
		switch {
		case errors.Is(err, code.ErrNotFound):
			// A file or directory whose package is named otherwise,
			// such as examples/kv/v1: not a module of its own name.
		case err != nil:
			fmt.Fprintf(e.stderr, "warning: module %s not loaded: %v\n", name, err)
		default:
			loaded = append(loaded, res.Module)
		}
	}
	return loaded
}

// moduleName is the module name an entry of a module directory stands
// for, if it may stand for one.
func moduleName(ent os.DirEntry) (string, bool) {
	name := ent.Name()
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return "", false
	}
	if ent.IsDir() {
		return name, true
	}
	if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
		return "", false
	}
	return strings.TrimSuffix(name, ".go"), true
}

// console runs the console on n until Ctrl-D, until the process is asked
// to terminate, or until stop is closed (node stop). log is n's log.
func console(e *env, n *node.Node, cs *code.Server, dir string, loaded []code.ModuleInfo, log *shell.LogWriter, stop <-chan struct{}) error {
	color := shell.ColorFor(e.stdout, e.getenv)
	s, err := shell.NewSession(n, cs, shell.SessionOptions{Color: color, Width: termWidth(e.stdout)})
	if err != nil {
		return err
	}
	defer s.Close()
	return runConsoleOn(e, s, log, func(w io.Writer) { banner(w, n, cs, dir, loaded) }, stop)
}

// banner introduces the console, as iex does: the node, the modules
// loaded, and whether saves reload them.
func banner(w io.Writer, n *node.Node, cs *code.Server, dir string, loaded []code.ModuleInfo) {
	fmt.Fprintf(w, "Gex console on node %s (%s) - Ctrl-D leaves, h for help\n", n.Name(), runtime.Version())
	if len(loaded) > 0 {
		mods := make([]string, len(loaded))
		for i, m := range loaded {
			mods[i] = m.Name + " " + strconv.Quote(m.Vsn)
		}
		fmt.Fprintf(w, "Loaded from %s: %s\n", dir, strings.Join(mods, ", "))
	}
	if wt := watch.Running(cs); wt != nil {
		fmt.Fprintf(w, "Watching %s for saves, in %s mode\n", dir, wt.Mode())
	}
}

// historyFile is where the console keeps what was typed: $GEX_HISTORY,
// or $XDG_STATE_HOME/gex/history, or ~/.local/state/gex/history; "" if
// none can be found.
func historyFile(getenv func(string) string) string {
	if f := getenv("GEX_HISTORY"); f != "" {
		return f
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "gex", "history")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "gex", "history")
	}
	return ""
}

// termWidth is the width of the terminal w writes to, or 0.
func termWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !readline.IsTerminal(int(f.Fd())) {
		return 0
	}
	width, _, err := readline.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}
