package attach

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node/code/watch"
	"github.com/gexdev/gex/shell"
)

// nextNotice waits for a client's next notice.
func nextNotice(t *testing.T, who string, c *Client) string {
	t.Helper()
	select {
	case text, ok := <-c.Notices():
		if !ok {
			t.Fatalf("%s: notices closed: %v", who, c.Err())
		}
		return text
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no notice", who)
	}
	return ""
}

// TestNoticesReachAttachedSessions: each reload of the node's watcher
// reaches every attached console when it happens, one idle at its prompt
// and one in the middle of an evaluation, as a Notice and not as output
// of the next answer; a save that does not compile says where.
func TestNoticesReachAttachedSessions(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/kv")); err != nil {
		t.Fatal(err)
	}
	v1, err := os.ReadFile(filepath.Join(dir, "v1", "kv.go"))
	if err != nil {
		t.Fatal(err)
	}
	n, cs := testNode(t, dir)
	if _, err := cs.Load("kv"); err != nil {
		t.Fatal(err)
	}
	rd := RunDir(shortTempDir(t))
	srv, err := ServeAttach(rd, ServerOptions{
		Node: "test@host",
		NewSession: func(term Terminal) (shell.Engine, error) {
			return shell.NewSession(n, cs, shell.SessionOptions{EvalOnce: term.OneShot, Dir: dir})
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	socket := rd.Socket("test@host")
	attachTo := func() *Client {
		c, err := Attach(context.Background(), socket, ClientOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	idle, busy := attachTo(), attachTo()
	w, err := watch.Start(cs, watch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	evalDone := make(chan error, 1)
	var busyOut strings.Builder
	go func() { evalDone <- busy.Eval(ctx, `fmt.Println("started"); time.Sleep(time.Hour)`, &busyOut) }()
	time.Sleep(50 * time.Millisecond) // let the evaluation start; the notice would come anyway

	if err := os.WriteFile(filepath.Join(dir, "kv.go"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	want := `watch: reloaded kv "0" → "1"` + "\n"
	for who, c := range map[string]*Client{"idle": idle, "busy": busy} {
		if got := nextNotice(t, who, c); got != want {
			t.Errorf("%s: notice %q, want %q", who, got, want)
		}
	}
	interrupt()
	if err := <-evalDone; !errors.Is(err, context.Canceled) {
		t.Errorf("the interrupted evaluation: %v", err)
	}
	if got := busyOut.String(); strings.Contains(got, "watch:") {
		t.Errorf("the notice came as output too: %q", got)
	}
	if out := evalLine(t, idle, "kv.Vsn"); out != "\"1\"\n" {
		t.Errorf("kv.Vsn after the save: %q (the notice must not be held as output)", out)
	}

	broken := strings.Replace(string(v1), "func Get(", "func Get(((", 1)
	if err := os.WriteFile(filepath.Join(dir, "kv.go"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	where := regexp.MustCompile(`^watch: not reloaded, kv "1" keeps running: kv\.go:\d+:\d+: .+\n$`)
	if got := nextNotice(t, "idle", idle); !where.MatchString(got) {
		t.Errorf("compile error notice %q, want it to match %s", got, where)
	}
}

// notifyEngine is a scriptEngine with notices the test sends.
type notifyEngine struct {
	*scriptEngine
	notices chan string
}

func (e *notifyEngine) Notices() <-chan string { return e.notices }

// TestNoticesBounded: a client whose console takes no notices keeps a
// few and drops the rest, and its answers still come; a node's session
// hands notices only to interactive clients; a notice too long for a
// frame is cut.
func TestNoticesBounded(t *testing.T) {
	engines := make(chan *notifyEngine, 2)
	sleeping := make(chan struct{}, 1)
	rd := RunDir(shortTempDir(t))
	srv, err := ServeAttach(rd, ServerOptions{
		Node: "test@host",
		NewSession: func(term Terminal) (shell.Engine, error) {
			inner := &scriptEngine{opts: term, vars: map[string]string{}, sleep: sleeping, unstick: make(chan struct{})}
			e := &notifyEngine{scriptEngine: inner, notices: make(chan string)}
			engines <- e
			return e, nil
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	tn := &attachNode{t: t, srv: srv, socket: rd.Socket("test@host")}
	c := tn.attach()
	e := <-engines
	for i := range 10 * maxNotices {
		select {
		case e.notices <- strings.Repeat("n", i%3) + "\n": // the node takes every one
		case <-time.After(5 * time.Second):
			t.Fatalf("notice %d not taken by the node", i)
		}
	}
	if got := evalLine(t, c, "echo still here"); got != "still here\n" {
		t.Errorf("answer after a flood of notices: %q", got)
	}
	waitFor(t, "the client keeps maxNotices", func() bool { return len(c.Notices()) == maxNotices })
	e.notices <- strings.Repeat("x", 3*MaxFrameSize) // would not fit in a frame
	if got := evalLine(t, c, "echo still here"); got != "still here\n" {
		t.Errorf("answer after a long notice: %q", got)
	}

	// node eval: its session's notices are not read.
	ctx, interrupt := context.WithCancel(context.Background())
	evalDone := make(chan error, 1)
	go func() { evalDone <- EvalOnce(ctx, tn.socket, "sleep", io.Discard, ClientOptions{}) }()
	e = <-engines
	<-sleeping
	select {
	case e.notices <- "to nobody\n":
		t.Error("a one-shot session's notice was taken")
	case <-time.After(100 * time.Millisecond):
	}
	interrupt()
	if err := <-evalDone; !errors.Is(err, context.Canceled) {
		t.Errorf("node eval, interrupted: %v", err)
	}
}

func TestNoticeText(t *testing.T) {
	if got := noticeText("short\n"); got != "short\n" {
		t.Errorf("noticeText(short) = %q", got)
	}
	long := noticeText(strings.Repeat("é", maxNotice))
	if len(long) > maxNotice || !strings.HasSuffix(long, "\n") || !strings.Contains(long, "more bytes") {
		t.Errorf("noticeText(long): %d bytes, ending %q", len(long), long[max(0, len(long)-40):])
	}
}
