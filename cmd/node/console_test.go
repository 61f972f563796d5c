package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// binDir holds the node command the tests build; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gex-node-test")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildNode builds the node command once per test binary.
var buildNode = sync.OnceValues(func() (string, error) {
	dir := binDir
	bin := filepath.Join(dir, "node")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func nodeBinary(t testing.TB) string {
	t.Helper()
	bin, err := buildNode()
	if err != nil {
		t.Fatalf("building cmd/node: %v", err)
	}
	return bin
}

// terminal is the node command running on a pseudo-terminal.
type terminal struct {
	t    testing.TB
	cmd  *exec.Cmd
	ptmx *os.File

	mu   sync.Mutex
	out  bytes.Buffer
	seen int // output before this offset has been matched already
	done chan struct{}
}

func startTerminal(t testing.TB, env []string, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(nodeBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("starting node on a pty: %v", err)
	}
	term := &terminal{t: t, cmd: cmd, ptmx: ptmx, done: make(chan struct{})}
	go term.read()
	t.Cleanup(term.kill)
	return term
}

func (term *terminal) read() {
	defer close(term.done)
	buf := make([]byte, 4096)
	for {
		n, err := term.ptmx.Read(buf)
		term.mu.Lock()
		term.out.Write(buf[:n])
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (term *terminal) kill() {
	term.cmd.Process.Kill()
	term.cmd.Wait()
	term.ptmx.Close()
}

// typ types s, as keys.
func (term *terminal) typ(s string) {
	term.t.Helper()
	if _, err := io.WriteString(term.ptmx, s); err != nil {
		term.t.Fatalf("typing %q: %v", s, err)
	}
}

// expect waits for output matching re after what was matched before.
func (term *terminal) expect(re string) string {
	term.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for {
		term.mu.Lock()
		text := term.out.String()
		loc := rx.FindStringIndex(text[term.seen:])
		if loc != nil {
			match := text[term.seen+loc[0] : term.seen+loc[1]]
			term.seen += loc[1]
			term.mu.Unlock()
			return match
		}
		term.mu.Unlock()
		if time.Now().After(deadline) {
			term.t.Fatalf("no %q in the output; after the last match it is:\n%s", re, text[term.seen:])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConsoleKVWalkthrough drives node console through a pseudo-terminal
// along the walkthrough of "Elixir/Erlang Hot Swapping Code": start the
// KV server, put, look at its state, edit kv.go, r KV, get. The state
// survives the reload and the new code runs.
func TestConsoleKVWalkthrough(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/kv")); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	term := startTerminal(t, []string{"HOME=" + home, "NO_COLOR=1", "XDG_STATE_HOME=", "GEX_HISTORY=", "GEX_RUNTIME_DIR=" + rundir},
		"console", dir, "--name", "kv")

	term.expect(`Loaded from .*: kv "0"`)
	term.expect(`gex\(kv@[^)]+\)1> `)
	term.typ("kv.StartLink()\r")
	term.expect(`#PID<0\.\d+\.0>`)
	term.expect(`gex\(kv@[^)]+\)2> `)
	term.typ("kv.Put(\"a\", 42)\r")
	term.expect(`:ok`)
	term.typ(":sys.get_state KV\r")
	term.expect(`map\[any\]any\{"a": 42\}`)
	term.expect(`\)4> `)

	// The walkthrough's patch: version 1 logs every request.
	v1, err := os.ReadFile(filepath.Join(dir, "v1", "kv.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kv.go"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	term.typ("r KV\r")
	term.expect(`warning: redefining module KV \(current version loaded from .*kv\.go\)`)
	term.expect(`\[\]string\{"kv"\}`)
	term.expect(`\)5> `)

	// Completion: kv.Ge and Tab give kv.Get.
	term.typ("kv.Ge\t")
	term.expect(`kv\.Get`)
	term.typ("(\"a\")\r")
	term.expect(`Handling get request`) // the new code runs
	term.expect(`\r\n42\r\n`)           // with the old state
	term.expect(`\)6> `)
	term.typ(":code.all_loaded\r")
	term.expect(`map\[string\]string\{"kv": "1 \(interpreted\)"\}`)

	// Ctrl-C interrupts the evaluation, not the node or the console.
	term.expect(`\)7> `)
	term.typ("time.Sleep(time.Hour)\r")
	time.Sleep(100 * time.Millisecond)
	term.typ("\x03")
	term.expect(`\*\* \(interrupted\)`)
	term.expect(`\)8> `)
	term.typ("kv.Get(\"a\")\r")
	term.expect(`\r\n42\r\n`)

	// Ctrl-D on an empty line leaves, and the node stops.
	term.expect(`\)9> `)
	term.typ("\x04")
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		t.Fatal("node console did not exit after Ctrl-D")
	}
	if err := term.cmd.Wait(); err != nil {
		t.Fatalf("node console exited with %v", err)
	}
	hist, err := os.ReadFile(filepath.Join(home, ".local", "state", "gex", "history"))
	if err != nil || !strings.Contains(string(hist), "r KV\n") {
		t.Errorf("history file: %q, %v", hist, err)
	}
}

// BenchmarkConsoleStart measures node console from exec to its first
// prompt on a terminal.
func BenchmarkConsoleStart(b *testing.B) {
	bin := nodeBinary(b)
	dir, _ := filepath.Abs("../../examples/kv")
	rundir, err := os.MkdirTemp("", "gexrt")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	env := append(os.Environ(), "HOME="+b.TempDir(), "NO_COLOR=1", "GEX_RUNTIME_DIR="+rundir)
	prompt := []byte("gex(")
	for b.Loop() {
		cmd := exec.Command(bin, "console", dir)
		cmd.Env = env
		ptmx, err := pty.Start(cmd)
		if err != nil {
			b.Fatal(err)
		}
		var out []byte
		buf := make([]byte, 4096)
		for !bytes.Contains(out, prompt) {
			n, err := ptmx.Read(buf)
			if err != nil {
				b.Fatalf("no prompt: %v\n%s", err, out)
			}
			out = append(out, buf[:n]...)
		}
		b.StopTimer()
		cmd.Process.Kill()
		cmd.Wait()
		ptmx.Close()
		b.StartTimer()
	}
}

// TestConsoleCtrlDTypedAhead: Ctrl-D typed while an evaluation runs
// leaves the console at the next prompt, as it does at the prompt; it
// must not end the line editor's reader and hang the console.
func TestConsoleCtrlDTypedAhead(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/kv")
	home := t.TempDir()
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	term := startTerminal(t, []string{"HOME=" + home, "GEX_HISTORY=" + home + "/history", "GEX_RUNTIME_DIR=" + rundir, "NO_COLOR=1"}, "console", dir)
	term.expect(`\)1> `)
	term.typ("time.Sleep(300 * time.Millisecond)\r")
	term.expect(`Sleep`) // the line was read; the evaluation runs
	term.typ("\x04")
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		term.mu.Lock()
		defer term.mu.Unlock()
		t.Fatalf("console still running after Ctrl-D typed ahead; screen:\n%s", term.out.String())
	}
}
