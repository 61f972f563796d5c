package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/gexdev/gex/shell/attach"
)

// daemon is a node started with node start in a runtime directory of its
// own, so tests neither see nor disturb the user's nodes.
type daemon struct {
	t      testing.TB
	name   string
	rundir string
	env    []string
}

// startDaemon runs node start DIR --name name, with flags, and returns
// once it has.
func startDaemon(t testing.TB, name, dir string, flags ...string) *daemon {
	t.Helper()
	d := newDaemon(t, name)
	out, errOut, status := d.node(append([]string{"start", dir}, flags...)...)
	if status != 0 {
		t.Fatalf("node start: status %d\n%s%s", status, out, errOut)
	}
	if !regexp.MustCompile(`^node ` + name + `@\S+ started \(pid \d+\), log `).MatchString(out) {
		t.Errorf("node start said %q", out)
	}
	return d
}

// newDaemon prepares a runtime directory of its own for node name, and
// stops the node there at the end of the test.
func newDaemon(t testing.TB, name string) *daemon {
	t.Helper()
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, name: name, rundir: filepath.Join(rundir, "gex"),
		env: []string{"GEX_RUNTIME_DIR=" + filepath.Join(rundir, "gex"), "HOME=" + rundir, "XDG_STATE_HOME=", "GEX_HISTORY="}}
	t.Cleanup(func() {
		d.node("stop") // best effort: a test may have stopped it already
		os.RemoveAll(rundir)
	})
	return d
}

// node runs the node command against the daemon and returns its output
// and exit status.
func (d *daemon) node(args ...string) (stdout, stderr string, status int) {
	d.t.Helper()
	cmd := exec.Command(nodeBinary(d.t), append(args, "--name", d.name)...)
	cmd.Env = append(os.Environ(), d.env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		d.t.Fatalf("node %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// attach runs node attach on a pseudo-terminal.
func (d *daemon) attach(extraEnv ...string) *terminal {
	d.t.Helper()
	return startTerminal(d.t, append(append([]string{}, d.env...), extraEnv...), "attach", "--name", d.name)
}

func (d *daemon) file(ext string) string {
	matches, _ := filepath.Glob(filepath.Join(d.rundir, d.name+"@*"+ext))
	if len(matches) != 1 {
		return filepath.Join(d.rundir, d.name+"@?"+ext)
	}
	return matches[0]
}

// leave types Ctrl-D and checks node attach ends well, leaving the node.
func (term *terminal) leave() {
	term.t.Helper()
	term.typ("\x04")
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		term.t.Fatal("node attach did not exit after Ctrl-D")
	}
	if err := term.cmd.Wait(); err != nil {
		term.t.Fatalf("node attach exited with %v", err)
	}
}

// TestAttachDemoServerWalkthrough follows the seed's "start, then attach"
// with DemoServer: a daemon; an attached console runs start_link,
// add_money and :sys.get_state; Ctrl-D detaches; a second console finds
// the server and its state; node stop; ping says it is gone.
func TestAttachDemoServerWalkthrough(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "hotcode", dir)

	// Security: the directory and socket are the user's alone.
	assertMode(t, d.rundir, 0o700)
	assertMode(t, d.file(".sock"), 0o600)
	assertMode(t, d.file(".pid"), 0o600)
	if out, _, status := d.node("ping"); status != 0 || out != "pong\n" {
		t.Fatalf("ping: %q, status %d", out, status)
	}
	pidOut, _, _ := d.node("pid")
	pidFile, _ := os.ReadFile(d.file(".pid"))
	if pidOut == "" || pidOut != string(pidFile) {
		t.Errorf("node pid says %q, the pid file %q", pidOut, pidFile)
	}

	term := d.attach("NO_COLOR=1")
	term.expect(`Attached to node hotcode@\S+ \(pid \d+\) - Ctrl-D detaches`)
	term.expect(`gex\(hotcode@[^)]+\)1> `)
	term.typ(`employee := map[string]any{"name": "blackode", "money": 300000}` + "\r")
	term.expect(`\)2> `)
	term.typ("pid, _ := demoserver.StartLink(employee)\r")
	pid := regexp.MustCompile(`#PID<(0\.\d+\.0)>`).FindStringSubmatch(term.expect(`#PID<0\.\d+\.0>`))[1]
	term.expect(`\)3> `)
	term.typ("demoserver.AddMoney(pid, 400000)\r")
	term.expect(`"400000 added to blackode "`)
	term.expect(`\)4> `)
	term.typ(":sys.get_state pid\r")
	term.expect(`"money": 700000`)
	term.expect(`\)5> `)
	// Compile errors are shown to the attached client, not the node's log.
	term.typ("demoserver.Nope()\r")
	term.expect(`\*\* \(error\) .*Nope`)
	term.expect(`\)6> `)
	term.leave()

	if out, _, status := d.node("ping"); status != 0 || out != "pong\n" {
		t.Fatalf("ping after detaching: %q, status %d", out, status)
	}

	// A second console: a session of its own (no employee variable), the
	// same node (the server and its state).
	term = d.attach("NO_COLOR=1")
	term.expect(`gex\(hotcode@[^)]+\)1> `)
	term.typ("employee\r")
	term.expect(`\*\* \(error\) .*undefined: employee`)
	term.typ(fmt.Sprintf(":sys.get_state pid(%q)\r", pid))
	term.expect(`"money": 700000`)
	term.expect(`\)3> `)
	// Ctrl-C interrupts this console's evaluation; the node goes on.
	term.typ("time.Sleep(time.Hour)\r")
	time.Sleep(100 * time.Millisecond)
	term.typ("\x03")
	term.expect(`\*\* \(interrupted\)`)
	term.expect(`\)4> `)
	term.typ(fmt.Sprintf("p := pid(%q)\r", pid))
	term.expect(`\)5> `)
	term.typ("demoserver.AddMoney(p, 1)\r")
	term.expect(`"1 added to blackode "`)
	term.expect(`\)6> `)
	term.leave()

	out, errOut, status := d.node("stop")
	if status != 0 || !strings.Contains(out, "stopped") {
		t.Fatalf("stop: status %d\n%s%s", status, out, errOut)
	}
	for _, ext := range []string{".sock", ".pid"} {
		if _, err := os.Stat(d.file(ext)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after stop: %v", ext, err)
		}
	}
	_, errOut, status = d.node("ping")
	if status != 1 || !strings.Contains(errOut, "is not running") {
		t.Errorf("ping after stop: status %d, %q", status, errOut)
	}
	log, _ := os.ReadFile(d.file(".log"))
	if bytes.Contains(log, []byte("Nope")) {
		t.Errorf("the compile error went to the node's log:\n%s", log)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", path, got, want)
	}
}

// TestAttachClientDecidesColor: the same node colors for a terminal that
// shows colors and not for one that does not, or for a pipe.
func TestAttachClientDecidesColor(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "color", dir)
	term := d.attach("NO_COLOR=", "TERM=xterm")
	term.expect(`\)1> `)
	term.typ(`"text"` + "\r")
	term.expect(`\x1b\[[0-9;]*m"text"`)
	term.leave()

	term = d.attach("NO_COLOR=1")
	term.expect(`\)1> `)
	term.typ(`"text"` + "\r")
	if got := term.expect(`\r\n.*"text"`); strings.Contains(got, "\x1b[") {
		t.Errorf("NO_COLOR terminal got colors: %q", got)
	}
	term.leave()

	if out, _, _ := d.node("eval", `"text"`); out != "\"text\"\n" {
		t.Errorf("eval into a pipe: %q", out)
	}
}

func TestAttachCompletion(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "complete", dir)
	term := d.attach("NO_COLOR=1")
	term.expect(`\)1> `)
	term.typ("demoserver.AddM\t")
	term.expect(`demoserver\.AddMoney`)
	term.typ("\x03") // drop the line
	term.expect(`\^C[\s\S]*\)1> `)
	term.leave()
}

func TestEvalExitStatus(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "eval", dir)
	out, errOut, status := d.node("eval", "1 + 2")
	if status != 0 || out != "3\n" || errOut != "" {
		t.Errorf("eval 1 + 2: status %d, %q, %q", status, out, errOut)
	}
	out, _, status = d.node("eval", "undefinedThing")
	if status != 1 || !strings.Contains(out, "** (error)") || !strings.Contains(out, "undefined: undefinedThing") {
		t.Errorf("failing eval: status %d, %q", status, out)
	}
	out, _, status = d.node("eval", `panic("boom")`)
	if status != 1 || !strings.Contains(out, "boom") {
		t.Errorf("panicking eval: status %d, %q", status, out)
	}
	if out, _, status := d.node("eval", "1 +"); status != 1 || out == "" {
		t.Errorf("unfinished input: status %d, %q", status, out)
	}
	if _, errOut, status := d.node("eval"); status != 2 || !strings.Contains(errOut, "want 1 arguments") {
		t.Errorf("eval with no EXPR: status %d, %q", status, errOut)
	}
}

// Console input must not stop the node: a panic in a function given to
// time.AfterFunc or context.AfterFunc, which compiled code calls on a
// goroutine of its own, is a crashed process, not a crashed node.
// (Unbounded recursion in interpreted code still overflows its stack,
// a fatal error that only yaegi could prevent.)
func TestTimerPanicSparesNode(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	for name, inputs := range map[string][]string{
		"time.AfterFunc": {`time.AfterFunc(0, func() { panic("boom") })`, `time.Sleep(100 * time.Millisecond)`},
		"context.AfterFunc": {
			`ctx, cancel := context.WithCancel(context.Background()); context.AfterFunc(ctx, func() { panic("boom") }); cancel(); time.Sleep(100 * time.Millisecond)`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			d := startDaemon(t, "crash", dir)
			for _, in := range inputs {
				if out, errOut, status := d.node("eval", in); status != 0 {
					t.Errorf("eval %q: status %d: %s%s", in, status, out, errOut)
				}
			}
			if out, errOut, status := d.node("ping"); status != 0 {
				t.Errorf("after %q the node is gone: ping: %s%s", inputs, out, errOut)
			}
		})
	}
}

func TestCommandsWithoutNode(t *testing.T) {
	rundir := t.TempDir()
	for _, args := range [][]string{{"ping"}, {"pid"}, {"stop"}, {"eval", "1"}, {"attach"}} {
		cmd := exec.Command(nodeBinary(t), append(args, "--name", "none")...)
		cmd.Env = append(os.Environ(), "GEX_RUNTIME_DIR="+rundir)
		out, err := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "node none@") ||
			!strings.Contains(string(out), "is not running") {
			t.Errorf("node %s with no node: %v\n%s", args[0], err, out)
		}
	}
}

func TestStartTwiceAndBadDir(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "twice", dir)
	_, errOut, status := d.node("start", dir)
	if status != 1 || !strings.Contains(errOut, "already running (pid ") {
		t.Errorf("second start: status %d, %q", status, errOut)
	}
	_, errOut, status = d.node("start", "/nonexistent")
	if status != 1 || !strings.Contains(errOut, "no such directory: /nonexistent") {
		t.Errorf("start of a missing dir: status %d, %q", status, errOut)
	}
}

// TestStopByTerm: a daemon stops gracefully on SIGTERM too, as systemd
// stops a service.
func TestStopByTerm(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "term", dir)
	pidOut, _, _ := d.node("pid")
	pid, err := strconv.Atoi(strings.TrimSpace(pidOut))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := os.FindProcess(pid)
	p.Signal(os.Interrupt) // as Ctrl-C to node foreground would
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(d.file(".pid")); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("pid file still there 10 s after SIGINT")
		}
	}
	if _, _, status := d.node("ping"); status != 1 {
		t.Errorf("ping after SIGINT: status %d", status)
	}
}

// TestStopWithStuckSession: node stop stops a node even when a session is
// stuck where an interrupt does not reach (here c of a module whose init
// blocks; the client that ran it was killed): the node gives up on the
// session after a grace period and exits, and node stop says "stopped"
// only then, not while the process lives on with its socket and pid file
// already removed.
func TestStopWithStuckSession(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "linger", dir)
	pidOut, _, _ := d.node("pid")
	pid, err := strconv.Atoi(strings.TrimSpace(pidOut))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	hang := filepath.Join(t.TempDir(), "hang.go")
	src := "package hang\n\nimport \"time\"\n\nfunc init() { time.Sleep(time.Hour) }\n"
	if err := os.WriteFile(hang, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	eval := exec.Command(nodeBinary(t), "eval", "--name", d.name, `c "`+hang+`"`)
	eval.Env = append(os.Environ(), d.env...)
	if err := eval.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	eval.Process.Kill() // the user gives up on it
	eval.Wait()
	out, errOut, status := d.node("stop")
	if status != 0 {
		t.Fatalf("node stop: status %d: %s%s", status, out, errOut)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return // exited
		}
		if time.Now().After(deadline) {
			t.Fatalf("node stop said %q, but node process %d still runs 10 s later", strings.TrimSpace(out), pid)
		}
	}
}

// TestManyAttachedSessions is the figure against a real node: 50
// sessions attached at once, each evaluating 1,000 lines; each answer is
// its own session's, in order, and each session keeps its own variables.
func TestManyAttachedSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 evaluations")
	}
	const clients, lines = 50, 1000
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "many", dir)
	socket := d.file(".sock")
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- sessionLines(socket, i, lines)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func sessionLines(socket string, id, lines int) error {
	c, err := attach.Attach(context.Background(), socket, attach.ClientOptions{})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Eval(context.Background(), fmt.Sprintf("me := %d", id), io.Discard); err != nil {
		return err
	}
	var out strings.Builder
	for j := range lines {
		out.Reset()
		if err := c.Eval(context.Background(), fmt.Sprintf("fmt.Sprint(me, %q, %d)", ":", j), &out); err != nil {
			return fmt.Errorf("session %d line %d: %w", id, j, err)
		}
		if want := fmt.Sprintf("%q\n", fmt.Sprint(id, ":", j)); out.String() != want {
			return fmt.Errorf("session %d line %d: got %q, want %q", id, j, out.String(), want)
		}
	}
	return nil
}

// BenchmarkAttach measures node attach from exec to the first prompt on a
// terminal, against a running node.
func BenchmarkAttach(b *testing.B) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(b, "bench", dir)
	bin := nodeBinary(b)
	env := append(append(os.Environ(), d.env...), "NO_COLOR=1")
	prompt := []byte(")1> ")
	buf := make([]byte, 4096)
	for b.Loop() {
		cmd := exec.Command(bin, "attach", "--name", "bench")
		cmd.Env = env
		ptmx, err := pty.Start(cmd)
		if err != nil {
			b.Fatal(err)
		}
		var out []byte
		for !bytes.Contains(out, prompt) {
			n, err := ptmx.Read(buf)
			if err != nil {
				b.Fatalf("no prompt: %v\n%s", err, out)
			}
			out = append(out, buf[:n]...)
		}
		b.StopTimer()
		ptmx.Write([]byte{4}) // Ctrl-D: detach
		cmd.Wait()
		ptmx.Close()
		b.StartTimer()
	}
}

// BenchmarkEval measures node eval, the whole process, against a running
// node.
func BenchmarkEval(b *testing.B) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(b, "bench", dir)
	bin := nodeBinary(b)
	env := append(os.Environ(), d.env...)
	for b.Loop() {
		cmd := exec.Command(bin, "eval", "--name", "bench", "1 + 1")
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil || string(out) != "2\n" {
			b.Fatalf("eval: %v, %q", err, out)
		}
	}
}

// TestOtherUserCannotReachNode runs node ping and node attach as another
// user (nobody) against a daemon: the runtime directory (0700) stops them
// before the socket, and they say so. The node's own check of the peer's
// uid, the fence behind this one, is tested in package shell/attach.
func TestOtherUserCannotReachNode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("needs setpriv")
	}
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "private", dir)
	// A copy of the binary nobody may run.
	binDir, err := os.MkdirTemp("", "gexbin")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	os.Chmod(binDir, 0o755)
	bin := filepath.Join(binDir, "node")
	data, err := os.ReadFile(nodeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"ping", "attach", "eval"} {
		args := []string{"--reuid=65534", "--regid=65534", "--clear-groups", bin, verb, "--name", d.name}
		if verb == "eval" {
			args = append(args, "1")
		}
		cmd := exec.Command(setpriv, args...)
		cmd.Env = append(os.Environ(), d.env...)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "permission denied") {
			t.Errorf("node %s as nobody: status %d\n%s", verb, cmd.ProcessState.ExitCode(), out)
		}
	}
	if out, _, status := d.node("ping"); status != 0 || out != "pong\n" {
		t.Errorf("the node after the attempts: %q, status %d", out, status)
	}
}
