package shell

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// kvDir copies examples/kv into a temp dir and returns it, with the
// source of its version 1.
func kvDir(t *testing.T) (dir string, v1 []byte) {
	t.Helper()
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples/kv")); err != nil {
		t.Fatal(err)
	}
	v1, err := os.ReadFile(filepath.Join(dir, "v1", "kv.go"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, v1
}

// nextNotice waits for a session's next notice.
func nextNotice(t *testing.T, who string, n Notifier) string {
	t.Helper()
	select {
	case text, ok := <-n.Notices():
		if !ok {
			t.Fatalf("%s: notices closed", who)
		}
		return text
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no notice", who)
	}
	return ""
}

// TestSessionNotices: every session on a node sees each reload of the
// watcher that one of them started with the watch helper, as one line:
// the one that started it and one made after, whatever they are doing;
// a compile error on save says where, file:line:col, and the old code
// goes on.
func TestSessionNotices(t *testing.T) {
	dir, v1 := kvDir(t)
	n, cs := testNode(t, dir)
	a := newTestSession(t, n, cs, SessionOptions{Dir: dir})
	for _, line := range []string{"kv.StartLink()", `kv.Put("a", 42)`, "watch"} {
		if out := sessionEval(t, a, line); strings.Contains(out, "error") {
			t.Fatalf("%s: %s", line, out)
		}
	}
	t.Cleanup(func() { sessionEval(t, a, "unwatch") })
	b := newTestSession(t, n, cs, SessionOptions{Dir: dir}) // after the watcher started

	if err := os.WriteFile(filepath.Join(dir, "kv.go"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	want := `watch: reloaded kv "0" → "1", 1 process runs it on vsn "0" state; migrate: :sys.suspend KV; :sys.change_code KV, kv, "0", nil; :sys.resume KV` + "\n"
	for who, s := range map[string]*Session{"a": a, "b": b} {
		if got := nextNotice(t, who, s); got != want {
			t.Errorf("%s: notice %q, want %q", who, got, want)
		}
	}
	if out := sessionEval(t, b, `kv.Get("a")`); !strings.Contains(out, "42") || strings.Contains(out, "watch:") {
		t.Errorf("after the reload, kv.Get shows %q: want the old state, and no notice, which is not output", out)
	}

	broken := strings.Replace(string(v1), "func Get(", "func Get(((", 1)
	if err := os.WriteFile(filepath.Join(dir, "kv.go"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	where := regexp.MustCompile(`^watch: not reloaded, kv "1" keeps running: kv\.go:\d+:\d+: .+\n$`)
	for who, s := range map[string]*Session{"a": a, "b": b} {
		if got := nextNotice(t, who, s); !where.MatchString(got) {
			t.Errorf("%s: notice %q, want it to match %s", who, got, where)
		}
	}
	if out := sessionEval(t, b, ":code.all_loaded"); !strings.Contains(out, `"kv": "1 (interpreted)"`) {
		t.Errorf("after a save that does not compile: %s", out)
	}
}

// TestSessionNoticesEnd: a session's notices channel is closed by Close;
// a session for one evaluation, or without a code server, has none.
func TestSessionNoticesEnd(t *testing.T) {
	n, cs := testNode(t, t.TempDir())
	for name, s := range map[string]*Session{
		"one evaluation": newTestSession(t, n, cs, SessionOptions{EvalOnce: true}),
		"no code server": newTestSession(t, n, nil, SessionOptions{}),
	} {
		if _, ok := <-s.Notices(); ok {
			t.Errorf("%s: a notice", name)
		}
	}
	s := newTestSession(t, n, cs, SessionOptions{})
	s.Close()
	select {
	case _, ok := <-s.Notices():
		if ok {
			t.Error("a notice after Close")
		}
	case <-time.After(5 * time.Second):
		t.Error("Close left the notices channel open")
	}
}

// TestNoticesDropWhenFull: the watcher hands a notice over without
// waiting; a session whose console does not take them keeps maxNotices.
func TestNoticesDropWhenFull(t *testing.T) {
	n := closedNotices()
	n.put("after close\n") // no panic, nothing sent
	_, cs := testNode(t, t.TempDir())
	n = subscribe(cs, nil, nil)
	defer n.close()
	for range 10 * maxNotices {
		n.put("x\n")
	}
	if len(n.ch) != maxNotices {
		t.Errorf("%d notices kept, want %d", len(n.ch), maxNotices)
	}
}

// notifyEngine is a consoleEngine with notices.
type notifyEngine struct {
	consoleEngine
	notices chan string
}

func (e *notifyEngine) Notices() <-chan string { return e.notices }

// TestConsoleShowsNotices: a Console shows an Engine's notices as they
// come, while it waits for a line, and stops taking them when Run ends.
func TestConsoleShowsNotices(t *testing.T) {
	eng := &notifyEngine{consoleEngine: consoleEngine{prompt: "gex> "}, notices: make(chan string)}
	in, typed := io.Pipe()
	out := &syncBuffer{}
	c, err := NewConsole(eng, ConsoleOptions{Stdin: in, Stdout: out, Stderr: out})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	eng.notices <- "watch: reloaded kv\n" // taken while Run waits for a line
	waitUntil(t, "the notice is shown", func() bool { return strings.Contains(out.String(), "watch: reloaded kv\n") })
	io.WriteString(typed, "1 + 2\n")
	waitUntil(t, "the line is evaluated", func() bool { return strings.Contains(out.String(), "=> 1 + 2\n") })
	typed.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	c.Close()
	select {
	case eng.notices <- "late\n":
		t.Error("a notice taken after Run returned")
	case <-time.After(50 * time.Millisecond):
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// syncBuffer is a bytes.Buffer for a writer and a reader on two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
