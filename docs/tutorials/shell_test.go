package tutorials

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A shell is the reader's terminal: one bash for the whole page, so that
// what a command leaves behind is there for the next one, as in a
// terminal: the directory it cd'd to, a descriptor it opened with exec (a
// client connection held open across an upgrade), a job it put in the
// background.
type shell struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	marker string        // printed after each command, with its status
	exited chan struct{} // closed when bash has exited
	done   chan struct{} // closed when all its output is read

	mu  sync.Mutex
	out bytes.Buffer
}

// stepTimeout bounds one command: the first build of a release binary,
// with a cold cache, takes about a minute.
const stepTimeout = 5 * time.Minute

func startShell(t *testing.T, dir string, env []string) *shell {
	cmd := exec.Command("bash", "--noprofile", "--norc")
	cmd.Dir, cmd.Env = dir, env
	// Its own process group, so that what the page left running in the
	// background ends with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting bash: %v", err)
	}
	w.Close()
	token := make([]byte, 8)
	rand.Read(token)
	s := &shell{t: t, cmd: cmd, in: in, marker: "gex-step-done-" + hex.EncodeToString(token),
		exited: make(chan struct{}), done: make(chan struct{})}
	go s.read(r)
	go func() { cmd.Wait(); close(s.exited) }()
	return s
}

func (s *shell) read(r *os.File) {
	defer close(s.done)
	defer r.Close()
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		s.mu.Lock()
		s.out.Write(buf[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// run types cmdline and returns what it printed once it has finished.
// Its exit status is not checked: the page shows what a failing command
// says.
func (s *shell) run(cmdline string) string {
	s.mu.Lock()
	s.out.Reset()
	s.mu.Unlock()
	// The marker starts on a line of its own even after output with no
	// final newline; that extra newline is dropped below.
	script := fmt.Sprintf("%s\nprintf '\\n%s %%d\\n' $?\n", cmdline, s.marker)
	if _, err := io.WriteString(s.in, script); err != nil {
		s.t.Fatalf("typing %q: %v", cmdline, err)
	}
	deadline := time.After(stepTimeout)
	for {
		s.mu.Lock()
		text := s.out.String()
		s.mu.Unlock()
		if i := strings.Index(text, "\n"+s.marker+" "); i >= 0 && strings.Contains(text[i+1:], "\n") {
			return text[:i]
		}
		select {
		case <-s.exited:
			s.t.Fatalf("%q: the shell ended; it printed:\n%s", cmdline, text)
		case <-deadline:
			s.t.Fatalf("%q: still running after %v; it printed:\n%s", cmdline, stepTimeout, text)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// close ends the shell as a terminal closing does, and whatever it left
// running.
func (s *shell) close() {
	s.in.Close()
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		// A process that left the group still holds the output: the
		// page's daemons are stopped before this, so it is not ours
		// to wait for.
	}
}
