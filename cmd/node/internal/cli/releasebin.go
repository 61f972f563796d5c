package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/release"
	"github.com/gexdev/gex/shell"
	"github.com/gexdev/gex/shell/attach"
)

// A release's node binary, bin/NAME, runs the release it sits in: its
// root is the directory above bin/. Its commands are the seeds' bin/hotcode
// ones; those that reach a running node are node's own, with the node
// name of the release.

// relBin is a release binary as its commands see it.
type relBin struct {
	name    string // the release
	root    string
	symbols map[string]map[string]reflect.Value
}

// relCommands are bin/NAME's commands, in the order its usage lists them.
var relCommands = []struct{ name, summary string }{
	{"start", "boot the release as a daemon: the newest placed, or the permanent one"},
	{"foreground", "boot the release in this process, attachable"},
	{"console", "boot the release with a console on it"},
	{"attach", "attach a console to the running node"},
	{"stop", "stop the running node"},
	{"restart", "stop the running node and start it again"},
	{"ping", "check that the node runs"},
	{"pid", "print the node's OS process id"},
	{"eval", "EXPR: evaluate EXPR on the running node"},
	{"version", "print the release's and Gex's versions"},
	{"releases", "list the releases: current, permanent, old, unpacked"},
	{"upgrade", "[--check] [--no-permanent] [--restart] VSN: upgrade the running node to release VSN, placed in releases/VSN/"},
	{"downgrade", "[--check] [--no-permanent] VSN: downgrade the running node to release VSN"},
}

// RunRelease runs the release binary of release name with args.
func RunRelease(name string, symbols map[string]map[string]reflect.Value, args []string) int {
	return runRelBin(osEnv(), name, symbols, args)
}

func runRelBin(e *env, name string, symbols map[string]map[string]reflect.Value, args []string) int {
	rb, err := newRelBin(name, symbols)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: %v\n", name, err)
		return exitFail
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		fmt.Fprintf(w, "%s runs release %s of a Gex project (root %s).\n\nUsage:\n\n\t%s <command> [arguments]\n\nThe commands are:\n\n", name, name, rb.root, name)
		for _, c := range relCommands {
			fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "foreground":
		return rb.foreground(e, rest, false)
	case "console":
		return rb.foreground(e, rest, true)
	case "start":
		return rb.start(e, rest)
	case "restart":
		if status := rb.remote(e, "stop", rest); status != exitOK {
			fmt.Fprintf(e.stderr, "%s restart: starting anyway\n", name)
		}
		return rb.start(e, rest)
	case "version":
		return rb.version(e)
	case "attach", "stop", "ping", "pid", "eval":
		return rb.remote(e, cmd, rest)
	case "releases", "upgrade", "downgrade":
		return rb.control(e, cmd, rest)
	}
	fmt.Fprintf(e.stderr, "%s: unknown command %q\nRun '%s --help' for the list of commands.\n", name, cmd, name)
	return exitUsage
}

func newRelBin(name string, symbols map[string]map[string]reflect.Value) (*relBin, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return nil, err
	}
	return &relBin{name: name, root: filepath.Dir(filepath.Dir(exe)), symbols: symbols}, nil
}

// nodeName is the node name of the release a start would boot.
func (rb *relBin) nodeName() (string, error) {
	m, err := release.ReadBootManifest(rb.root, rb.name)
	if err != nil {
		return "", err
	}
	return m.Node, nil
}

// remote runs one of node's commands that reach a running node, for the
// release's node.
func (rb *relBin) remote(e *env, cmd string, args []string) int {
	name, err := rb.nodeName()
	if err != nil {
		fmt.Fprintf(e.stderr, "%s %s: %v\n", rb.name, cmd, err)
		return exitFail
	}
	// node's command speaks as this binary: "octochat upgrade: ...".
	as := *e
	as.prog = rb.name
	return commands[cmd].run(&as, append([]string{"--name", name}, args...))
}

func (rb *relBin) version(e *env) int {
	perm, _ := release.ReadPermanent(rb.root)
	fmt.Fprintf(e.stdout, "%s %s (permanent; gex %s %s %s/%s)\n", rb.name, perm, release.GexVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// boot starts a node running the release ChooseBoot picks, falling back to
// the permanent release, with a message, if that one fails to boot.
// With a console, log is where the node's log goes, shown as the console
// shows it.
func (rb *relBin) boot(e *env, log *shell.LogWriter) (*node.Node, *code.Server, *release.Handler, error) {
	choice, err := release.ChooseBoot(rb.root, rb.name)
	if err != nil {
		return nil, nil, nil, err
	}
	var logger *slog.Logger
	if log != nil {
		logger = slog.New(shell.NewLogHandler(log, nil))
	} else {
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	}
	n, cs, h, err := rb.bootVsn(choice.Vsn, logger)
	if err == nil {
		n.Logger().Info("release booted", "release", rb.name, "vsn", choice.Vsn, "chosen as", choice.Why)
		return n, cs, h, nil
	}
	if choice.Fallback == "" {
		return nil, nil, nil, err
	}
	fmt.Fprintf(e.stderr, "%s: release %s did not boot: %v\n%s: booting the permanent release %s instead\n", rb.name, choice.Vsn, err, rb.name, choice.Fallback)
	n, cs, h, err = rb.bootVsn(choice.Fallback, logger)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("the permanent release %s did not boot either: %w", choice.Fallback, err)
	}
	return n, cs, h, nil
}

func (rb *relBin) bootVsn(vsn string, logger *slog.Logger) (*node.Node, *code.Server, *release.Handler, error) {
	m, err := release.ReadManifest(filepath.Join(rb.root, "releases", vsn, release.ManifestFile(rb.name)))
	nodeName := rb.name
	if err == nil {
		nodeName = m.Node
	}
	n, err := node.Start(node.Options{Name: nodeName, Logger: logger})
	if err != nil {
		return nil, nil, nil, err
	}
	// The release's modules run native, from the plugins it ships for
	// this binary; a module without one runs interpreted, said in the log.
	cs := code.New(n, code.Options{Symbols: rb.symbols, Plugins: release.Plugins(rb.root, rb.name)})
	h, err := release.Boot(rb.root, rb.name, vsn, n, cs)
	if err != nil {
		n.Stop()
		return nil, nil, nil, err
	}
	return n, cs, h, nil
}

// foreground boots the release and serves its socket until asked to stop;
// with a console on it, if console.
func (rb *relBin) foreground(e *env, args []string, withConsole bool) int {
	cmd := map[bool]string{false: "foreground", true: "console"}[withConsole]
	if len(args) != 0 {
		fmt.Fprintf(e.stderr, "%s %s: takes no arguments\n", rb.name, cmd)
		return exitUsage
	}
	var log *shell.LogWriter
	if withConsole {
		log = shell.NewLogWriter(e.stderr)
	}
	n, cs, h, err := rb.boot(e, log)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s %s: %v\n", rb.name, cmd, err)
		return exitFail
	}
	defer n.Stop()
	stopAsked := make(chan struct{})
	var once sync.Once
	rd := runDir(e)
	srv, err := serveRelease(rd, n, cs, h, func() { once.Do(func() { close(stopAsked) }) })
	if err != nil {
		fmt.Fprintf(e.stderr, "%s %s: %v\n", rb.name, cmd, err)
		return exitFail
	}
	defer srv.Close()
	if withConsole {
		var loaded []code.ModuleInfo
		for _, m := range h.Current().Modules {
			if in, err := cs.Info(m.Name); err == nil {
				loaded = append(loaded, in)
			}
		}
		dir := filepath.Join(rb.root, "releases", h.Current().Version)
		if err := console(e, n, cs, dir, loaded, log, stopAsked); err != nil {
			fmt.Fprintf(e.stderr, "%s console: %v\n", rb.name, err)
			return exitFail
		}
		return shutdown(e, n, srv, rd)
	}
	if err := rd.WritePID(n.Name(), os.Getpid()); err != nil {
		fmt.Fprintf(e.stderr, "%s foreground: %v\n", rb.name, err)
		return exitFail
	}
	n.Logger().Info("node running", "node", n.Name(), "release", rb.name, "vsn", h.Current().Version,
		"pid", os.Getpid(), "socket", rd.Socket(n.Name()))
	waitForStop(e, n, stopAsked)
	return shutdown(e, n, srv, rd)
}

// start runs bin/NAME foreground as a daemon and waits until it answers.
func (rb *relBin) start(e *env, args []string) int {
	if len(args) != 0 {
		fmt.Fprintf(e.stderr, "%s start: takes no arguments\n", rb.name)
		return exitUsage
	}
	name, err := rb.nodeName()
	if err != nil {
		fmt.Fprintf(e.stderr, "%s start: %v\n", rb.name, err)
		return exitFail
	}
	r, err := newRemote(e, name)
	if err == nil {
		err = r.dir.Ensure()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "%s start: %v\n", rb.name, err)
		return exitFail
	}
	if info, err := attach.Ping(context.Background(), r.socket()); err == nil {
		fmt.Fprintf(e.stderr, "%s start: node %s is already running (pid %d)\n", rb.name, info.Name, info.PID)
		return exitFail
	}
	choice, _ := release.ChooseBoot(rb.root, rb.name)
	pid, err := startDetached(r, []string{"foreground"})
	if err != nil {
		fmt.Fprintf(e.stderr, "%s start: %v\n", rb.name, err)
		return exitFail
	}
	running := rb.running(r)
	fmt.Fprintf(e.stdout, "%s: node %s started (pid %d) on release %s, %s; log %s\n", rb.name, r.name, pid, running, choice.Why, r.dir.LogFile(r.name))
	if running != choice.Vsn {
		fmt.Fprintf(e.stderr, "%s start: release %s did not boot; the node runs the permanent release %s (the log tells why)\n", rb.name, choice.Vsn, running)
	}
	return exitOK
}

// running asks the node which release it runs.
func (rb *relBin) running(r remote) string {
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	if err := attach.Control(ctx, r.socket(), "releases", nil, &out); err != nil {
		return "?"
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && strings.Contains(line, "current") {
			return f[1]
		}
	}
	return "?"
}

// serveRelease makes the release's node attachable, as serveAttach does,
// with the release handler's control commands: upgrade, downgrade and
// releases.
func serveRelease(rd attach.RunDir, n *node.Node, cs *code.Server, h *release.Handler, stop func()) (*attach.Server, error) {
	opts := attachOptions(n, cs, attach.DefaultMaxSessions, stop)
	opts.Commands = map[string]attach.Command{}
	for name, cmd := range h.Commands() {
		opts.Commands[name] = attach.Command(cmd)
	}
	return attach.ServeAttach(rd, opts)
}

// control runs one of the release handler's commands on the running node.
func (rb *relBin) control(e *env, cmd string, args []string) int {
	if cmd == "upgrade" && slices.Contains(args, "--restart") {
		return rb.restartUpgrade(e, slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--restart" }))
	}
	return rb.remote(e, cmd, args)
}

// restartUpgrade moves the node to a release that needs a new binary: it
// unpacks the whole release, binary included, stops the node and starts
// it on the new release (OTP's restart_new_emulator), and reports the
// downtime.
func (rb *relBin) restartUpgrade(e *env, args []string) int {
	noPermanent := slices.Contains(args, "--no-permanent")
	args = slices.DeleteFunc(args, func(a string) bool { return a == "--no-permanent" })
	if len(args) != 1 {
		fmt.Fprintf(e.stderr, "%s upgrade --restart: want one version\n", rb.name)
		return exitUsage
	}
	vsn := args[0]
	if _, err := release.PlaceForRestart(rb.root, rb.name, vsn); err != nil {
		fmt.Fprintf(e.stderr, "%s upgrade --restart: %v\n", rb.name, err)
		return exitFail
	}
	down := time.Now()
	if status := rb.remote(e, "stop", nil); status != exitOK {
		return status
	}
	if status := rb.start(e, nil); status != exitOK {
		return status
	}
	downtime := time.Since(down)
	if !noPermanent {
		if err := release.SetPermanent(rb.root, vsn); err != nil {
			fmt.Fprintf(e.stderr, "%s upgrade --restart: %v\n", rb.name, err)
			return exitFail
		}
	}
	fmt.Fprintf(e.stdout, "%s: restarted on release %s; the node was down %v\n", rb.name, vsn, downtime.Round(time.Millisecond))
	return exitOK
}
