package shell

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// consoleEngine records what a Console hands it.
type consoleEngine struct {
	mu       sync.Mutex
	lines    []string
	prompt   string
	block    chan struct{} // if set, Eval of "block" waits for it or ctx
	canceled bool
}

func (e *consoleEngine) Prompt() string { return e.prompt }

func (e *consoleEngine) Eval(ctx context.Context, line string, out io.Writer) error {
	e.mu.Lock()
	e.lines = append(e.lines, line)
	e.mu.Unlock()
	if line == "block" {
		select {
		case <-ctx.Done():
			e.mu.Lock()
			e.canceled = true
			e.mu.Unlock()
			io.WriteString(out, "** (interrupted)\n")
			return &EvalError{Err: ctx.Err()}
		case <-e.block:
		}
	}
	io.WriteString(out, "=> "+line+"\n")
	return nil
}

func (e *consoleEngine) Complete(line string, pos int) ([][]rune, int) {
	return [][]rune{[]rune("ut")}, 1
}

func (e *consoleEngine) Close() error { return nil }

func (e *consoleEngine) seen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.lines...)
}

func TestConsolePipe(t *testing.T) {
	eng := &consoleEngine{prompt: "gex> "}
	var out bytes.Buffer
	hist := filepath.Join(t.TempDir(), "sub", "history")
	c, err := NewConsole(eng, ConsoleOptions{
		Stdin:       strings.NewReader("1 + 2\nx := 3\n"),
		Stdout:      &out,
		Stderr:      &out,
		HistoryFile: hist,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	c.Close()
	if got := eng.seen(); strings.Join(got, "|") != "1 + 2|x := 3" {
		t.Errorf("engine got %q", got)
	}
	if !strings.Contains(out.String(), "=> 1 + 2\n") {
		t.Errorf("output lacks the result:\n%s", out.String())
	}
	fi, err := os.Stat(hist)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("history file mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(hist)
	if string(data) != "1 + 2\nx := 3\n" {
		t.Errorf("history file holds %q", data)
	}
}

// runConsole runs a Console over eng, with interrupts from sig, until the
// test closes its input; it returns the input, the output and Run's result.
func runConsole(t *testing.T, eng Engine, sig chan os.Signal) (*io.PipeWriter, *lockedBuffer, <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	out := &lockedBuffer{}
	c, err := NewConsole(eng, ConsoleOptions{Stdin: pr, Stdout: out, Stderr: out, Interrupts: sig})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	return pw, out, done
}

func TestConsoleInterrupt(t *testing.T) {
	eng := &consoleEngine{prompt: "gex> ", block: make(chan struct{})}
	sig := make(chan os.Signal, 1)
	pw, out, done := runConsole(t, eng, sig)
	io.WriteString(pw, "block\n")
	eventually(t, func() bool { return len(eng.seen()) == 1 })
	sig <- syscall.SIGINT
	eventually(t, func() bool { return strings.Contains(out.String(), "** (interrupted)") })
	// The console goes on after the interrupt.
	io.WriteString(pw, "after\n")
	eventually(t, func() bool { return strings.Contains(out.String(), "=> after") })
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// stubbornEngine ignores its context, as an engine whose first interrupt
// was lost does, and stops on its second Interrupt.
type stubbornEngine struct {
	consoleEngine
	interrupts chan struct{}
}

func (e *stubbornEngine) Eval(ctx context.Context, line string, out io.Writer) error {
	e.mu.Lock()
	e.lines = append(e.lines, line)
	e.mu.Unlock()
	for range 2 {
		select {
		case <-e.interrupts:
		case <-time.After(5 * time.Second):
			io.WriteString(out, "=> not interrupted\n")
			return nil
		}
	}
	io.WriteString(out, "** (interrupted)\n")
	return &EvalError{Err: context.Canceled}
}

func (e *stubbornEngine) Interrupt() { e.interrupts <- struct{}{} }

func TestConsoleInterruptsAgain(t *testing.T) {
	eng := &stubbornEngine{consoleEngine: consoleEngine{prompt: "gex> "}, interrupts: make(chan struct{}, 10)}
	sig := make(chan os.Signal, 3)
	pw, out, done := runConsole(t, eng, sig)
	io.WriteString(pw, "block\n")
	eventually(t, func() bool { return len(eng.seen()) == 1 })
	for range 3 { // the first only cancels the context
		sig <- syscall.SIGINT
	}
	eventually(t, func() bool { return strings.Contains(out.String(), "** (interrupted)") })
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConsoleLogWithoutLineEditing(t *testing.T) {
	// Read from a pipe, the console edits no line: log lines go to
	// Stderr as they are, during Run and after it.
	var stderr bytes.Buffer
	log := NewLogWriter(&stderr)
	eng := &consoleEngine{prompt: "gex> "}
	c, err := NewConsole(eng, ConsoleOptions{Stdin: strings.NewReader("a\n"), Stdout: io.Discard, Stderr: &stderr, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(log, "before\n")
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	io.WriteString(log, "after\n")
	if got := stderr.String(); got != "before\nafter\n" {
		t.Errorf("stderr = %q", got)
	}
}
