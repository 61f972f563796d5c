package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/gexdev/gex/shell/attach"
)

var startCmd = &command{
	usage:   "start [DIR] [--name NAME] [--max-sessions N] [--watch[=migrate]]",
	summary: "Start a node in the background (a daemon), loading the modules in DIR.",
	help: `Start runs node foreground DIR as a daemon: detached from this terminal
(its own session), its output appended to NAME.log in the runtime
directory, its pid in NAME.pid there. It returns once the node answers on
its socket, and fails, showing the end of the log, if the node does not
come up. Reach the node with node attach, node eval, node ping, and stop it
with node stop. --max-sessions is node foreground's.

Of several starts of one node at once, one starts it; the others say the
node was started by another and exit with status 1.

The runtime directory is $GEX_RUNTIME_DIR, else $XDG_RUNTIME_DIR/gex, else
/tmp/gex-UID; it is yours alone (mode 0700).
`,
}

func init() { startCmd.run = runStart }

// startTimeout bounds the wait for a daemon to answer; loading many
// modules takes time, a broken start shows at once in the child's exit.
const startTimeout = 30 * time.Second

func runStart(e *env, args []string) int {
	fs := startCmd.flags(e, "start")
	name := nameFlag(fs)
	maxSessions := maxSessionsFlag(fs)
	watching := watchFlag(fs)
	operands, status, ok := startCmd.parse(e, fs, args)
	if !ok {
		return status
	}
	if !checkMaxSessions(e, "start", *maxSessions) {
		return exitUsage
	}
	dir, status, ok := dirOperand(e, "start", operands)
	if !ok {
		return status
	}
	r, err := newRemote(e, *name)
	if err == nil {
		err = r.dir.Ensure()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "node start: %v\n", err)
		return exitFail
	}
	if info, err := attach.Ping(context.Background(), r.socket()); err == nil {
		fmt.Fprintf(e.stderr, "node start: node %s is already running (pid %d)\n", info.Name, info.PID)
		return exitFail
	}
	pid, err := startDaemon(r, dir, *maxSessions, watching.Args()...)
	if err != nil {
		fmt.Fprintf(e.stderr, "node start: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "node %s started (pid %d), log %s\n", r.name, pid, r.dir.LogFile(r.name))
	return exitOK
}

// startDaemon runs this program as node foreground with flags, detached,
// and waits until the node answers on its socket.
func startDaemon(r remote, dir string, maxSessions int, flags ...string) (int, error) {
	return startDetached(r, slices.Concat([]string{"foreground", "--name", r.name, "--max-sessions", strconv.Itoa(maxSessions)}, flags, []string{dir}))
}

// startDetached runs this program with args, detached, and waits until
// the node answers on its socket; a release's bin/NAME start runs its
// own foreground so.
func startDetached(r remote, args []string) (int, error) {
	cmd, err := daemonCommand(r, args)
	if err != nil {
		return 0, err
	}
	log := cmd.Stdout.(*os.File)
	logStart, _ := log.Seek(0, io.SeekEnd) // what this start adds is what tells why it failed
	err = cmd.Start()
	log.Close() // the child has its own copy
	if err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := awaitNode(r, cmd.Process, exited); err != nil {
		if errors.Is(err, errLostStart) {
			return 0, err // the log tells of the winner, not of this start
		}
		return 0, fmt.Errorf("%w\n%s", err, logTail(log.Name(), logStart))
	}
	return cmd.Process.Pid, nil
}

func daemonCommand(r remote, args []string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(r.dir.LogFile(r.name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	// The child must find the same runtime directory, however this
	// process found it.
	cmd.Env = append(os.Environ(), attach.RunDirEnv+"="+string(r.dir))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd, nil
}

// errLostStart: another node start started the node first.
var errLostStart = errors.New("started meanwhile by another node start")

// awaitNode polls the node's socket until it answers, the child exits, or
// startTimeout passes. A node that answers with another pid than the
// child's was started by another node start at the same time, and the
// child cannot take its socket: the child is stopped, if it has not
// failed already, and this start is lost.
func awaitNode(r remote, child *os.Process, exited <-chan error) error {
	deadline := time.Now().Add(startTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		info, err := ping(r)
		if err == nil && info.PID == child.Pid {
			return nil
		}
		if err == nil {
			child.Signal(syscall.SIGTERM)
			<-exited
			return lostStart(r, info)
		}
		if !errors.Is(err, attach.ErrNotRunning) {
			return err
		}
		select {
		case err := <-exited:
			if exit, ok := errors.AsType[*exec.ExitError](err); ok && exit.ExitCode() == exitRunning {
				return awaitWinner(r, deadline)
			}
			return fmt.Errorf("node %s exited at start (%v); its log says:", r.name, err)
		case <-time.After(wait):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s did not answer within %v; its log says:", r.name, startTimeout)
		}
	}
}

// awaitWinner waits for the node that another node start is starting, whose
// lock made this start's child give up, to answer, and reports the lost
// start.
func awaitWinner(r remote, deadline time.Time) error {
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		if info, err := ping(r); err == nil {
			return lostStart(r, info)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s: %w, which has not answered within %v", r.name, errLostStart, startTimeout)
		}
		time.Sleep(wait)
	}
}

func ping(r remote) (attach.NodeInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return attach.Ping(ctx, r.socket())
}

func lostStart(r remote, winner attach.NodeInfo) error {
	return fmt.Errorf("node %s is running (pid %d), %w; this one did not start", r.name, winner.PID, errLostStart)
}

// logTail is the end of a log from offset from on, to show why a daemon
// did not start.
func logTail(path string, from int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	b = b[min(from, int64(len(b))):]
	const max = 2048
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}
