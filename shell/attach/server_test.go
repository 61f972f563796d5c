package attach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gexdev/gex/shell"
)

// scriptEngine is a stand-in session with a few commands: "set k v", "get k",
// "echo text", "sleep" (until interrupted), "stuck" (until unstuck,
// interrupted or not), "fail msg", "panic", "count", "nap", "flood" (a long
// result, written on whatever becomes of the writes). It records what
// happened to it so tests can check the server's care.
type scriptEngine struct {
	opts    Terminal
	sleep   chan struct{} // receives when a "sleep" or "stuck" starts
	unstick chan struct{} // closed to end every "stuck"
	mu      sync.Mutex
	vars    map[string]string
	n       int
	closed  bool
	evaling bool
}

func (e *scriptEngine) Prompt() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprintf("fake(%d)> ", e.n+1)
}

func (e *scriptEngine) Eval(ctx context.Context, line string, out io.Writer) error {
	e.mu.Lock()
	if e.evaling || e.closed {
		e.mu.Unlock()
		panic("scriptEngine: Eval while busy or closed")
	}
	e.evaling = true
	e.n++
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.evaling = false
		e.mu.Unlock()
	}()
	cmd, arg, _ := strings.Cut(line, " ")
	switch cmd {
	case "set":
		k, v, _ := strings.Cut(arg, " ")
		e.mu.Lock()
		e.vars[k] = v
		e.mu.Unlock()
	case "get":
		e.mu.Lock()
		v, ok := e.vars[arg]
		e.mu.Unlock()
		if !ok {
			return fmt.Errorf("undefined: %s", arg)
		}
		fmt.Fprintln(out, v)
	case "echo":
		fmt.Fprintln(out, arg)
	case "color":
		fmt.Fprintln(out, e.opts.Color, e.opts.Width, e.opts.OneShot)
	case "sleep":
		fmt.Fprintln(out, "sleeping")
		if e.sleep != nil {
			e.sleep <- struct{}{}
		}
		<-ctx.Done()
		return ctx.Err()
	case "nap": // "sleep" saying it was interrupted, as a Session does
		if e.sleep != nil {
			e.sleep <- struct{}{}
		}
		<-ctx.Done()
		fmt.Fprintln(out, "** (interrupted)")
		return &shell.EvalError{Err: ctx.Err()}
	case "stuck": // as a session blocked where it does not look at ctx
		if e.sleep != nil {
			e.sleep <- struct{}{}
		}
		<-e.unstick
		return ctx.Err()
	case "fail": // as a Session reports a failed evaluation: shown, then returned
		fmt.Fprintf(out, "** (error) %s\n", arg)
		return &shell.EvalError{Err: errors.New(arg)}
	case "broken": // as a Session that fails itself
		return errors.New(arg)
	case "panic":
		panic(arg)
	case "big":
		out.Write([]byte(strings.Repeat("x", 3*MaxFrameSize)))
	case "flood": // a printer with no limit, deaf to its writer's errors
		chunk := bytes.Repeat([]byte("y"), 1<<20)
		for range floodMiB {
			out.Write(chunk)
		}
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	return nil
}

func (e *scriptEngine) Complete(line string, pos int) ([][]rune, int) {
	if line == "panic" {
		panic("completion")
	}
	return [][]rune{[]rune("et"), []rune("leep")}, pos
}

func (e *scriptEngine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.evaling {
		panic("scriptEngine: closed during Eval")
	}
	e.closed = true
	return nil
}

// attachNode is a Server with fake sessions on a socket in a temp dir.
type attachNode struct {
	t       testing.TB
	srv     *Server
	socket  string
	sleep   chan struct{}
	unstick chan struct{}

	mu       sync.Mutex
	sessions []*scriptEngine
}

func startAttachNode(t testing.TB, opts ServerOptions) *attachNode {
	t.Helper()
	if opts.Node == "" {
		opts.Node = "test@host"
	}
	dir := RunDir(shortTempDir(t))
	tn := &attachNode{t: t, socket: dir.Socket(opts.Node), sleep: make(chan struct{}, 64), unstick: make(chan struct{})}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.NewSession = tn.newSession
	srv, err := ServeAttach(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	tn.srv = srv
	t.Cleanup(func() { srv.Close() })
	return tn
}

func (tn *attachNode) newSession(opts Terminal) (shell.Engine, error) {
	e := &scriptEngine{opts: opts, vars: map[string]string{}, sleep: tn.sleep, unstick: tn.unstick}
	tn.mu.Lock()
	tn.sessions = append(tn.sessions, e)
	tn.mu.Unlock()
	return e, nil
}

// allClosed reports whether every session made so far has been closed.
func (tn *attachNode) allClosed() bool {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	for _, e := range tn.sessions {
		e.mu.Lock()
		closed := e.closed
		e.mu.Unlock()
		if !closed {
			return false
		}
	}
	return true
}

func (tn *attachNode) attach() *Client {
	tn.t.Helper()
	c, err := Attach(context.Background(), tn.socket, ClientOptions{})
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.t.Cleanup(func() { c.Close() })
	return c
}

// shortTempDir is a temp dir with a path short enough for a socket, which
// t.TempDir with a long test name may not be.
func shortTempDir(t testing.TB) string {
	d, err := os.MkdirTemp("", "gex")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// evalLine runs line and returns its output, failing the test on an error.
func evalLine(t *testing.T, c *Client, line string) string {
	t.Helper()
	var out strings.Builder
	if err := c.Eval(context.Background(), line, &out); err != nil {
		t.Fatalf("Eval(%q): %v", line, err)
	}
	return out.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAttachEvalAndPrompt(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{Node: "kv@host"})
	c := tn.attach()
	if got := c.Node().Name; got != "kv@host" {
		t.Errorf("Node().Name = %q", got)
	}
	if got := c.Node().PID; got != os.Getpid() {
		t.Errorf("Node().PID = %d, want %d", got, os.Getpid())
	}
	if got := c.Prompt(); got != "fake(1)> " {
		t.Errorf("first prompt = %q", got)
	}
	if got := evalLine(t, c, "echo hello"); got != "hello\n" {
		t.Errorf("echo: %q", got)
	}
	if got := c.Prompt(); got != "fake(2)> " {
		t.Errorf("prompt after one line = %q", got)
	}
	var out strings.Builder
	err := c.Eval(context.Background(), "fail undefined: kv", &out)
	if ee, ok := errors.AsType[*shell.EvalError](err); !ok || ee.Error() != "undefined: kv" || errors.Is(err, context.Canceled) {
		t.Errorf("failing eval: %#v", err)
	}
	if out.String() != "** (error) undefined: kv\n" {
		t.Errorf("failing eval showed %q", out.String())
	}
	err = c.Eval(context.Background(), "broken engine", io.Discard)
	if re, ok := errors.AsType[*RemoteError](err); !ok || re.Msg != "engine" || errors.As(err, new(*shell.EvalError)) {
		t.Errorf("failing session: %#v", err)
	}
	if got := evalLine(t, c, "echo still here"); got != "still here\n" {
		t.Errorf("after an error: %q", got)
	}
}

func TestAttachTerminalFacts(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c, err := Attach(context.Background(), tn.socket, ClientOptions{Color: true, Width: 132})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := evalLine(t, c, "color"); got != "true 132 false\n" {
		t.Errorf("session options seen by the session: %q", got)
	}
	var out strings.Builder
	if err := EvalOnce(context.Background(), tn.socket, "color", &out, ClientOptions{}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "false 0 true\n" {
		t.Errorf("one-shot session options: %q", out.String())
	}
}

func TestSessionsHaveOwnVariables(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	a, b := tn.attach(), tn.attach()
	evalLine(t, a, "set x 1")
	evalLine(t, b, "set x 2")
	if got := evalLine(t, a, "get x"); got != "1\n" {
		t.Errorf("a sees x = %q", got)
	}
	if got := evalLine(t, b, "get x"); got != "2\n" {
		t.Errorf("b sees x = %q", got)
	}
}

func TestDetachClosesSessionNodeRuns(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c := tn.attach()
	evalLine(t, c, "set x 1")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	waitFor(t, "the session is closed", tn.allClosed)
	if err := c.Eval(context.Background(), "echo", io.Discard); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Eval after Close: %v", err)
	}
	if got := evalLine(t, tn.attach(), "echo again"); got != "again\n" {
		t.Errorf("a new client after a detach: %q", got)
	}
}

func TestInterruptCancelsOnlyThatClient(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	a, b := tn.attach(), tn.attach()
	evalLine(t, a, "set x 1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out strings.Builder
	go func() { done <- a.Eval(ctx, "sleep", &out) }()
	<-tn.sleep
	if got := evalLine(t, b, "echo b works"); got != "b works\n" {
		t.Errorf("b during a's evaluation: %q", got)
	}
	cancel() // Ctrl-C
	err := <-done
	if re, ok := errors.AsType[*RemoteError](err); !ok || !re.Interrupted || !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted eval: %v", err)
	}
	if out.String() != "sleeping\n" {
		t.Errorf("output before the interrupt: %q", out.String())
	}
	if got := evalLine(t, a, "get x"); got != "1\n" {
		t.Errorf("a's session after the interrupt: %q", got)
	}
}

func TestClientKilledMidEvaluation(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	other := tn.attach()
	evalLine(t, other, "set y 2")
	nc := rawHandshake(t, tn.socket, helloMsg{version: ProtocolVersion, mode: modeShell})
	(&frameWriter{w: nc}).write(frameEval, []byte("sleep"))
	<-tn.sleep
	nc.Close() // the client process dies
	waitFor(t, "the dead client's session is closed", func() bool {
		tn.mu.Lock()
		e := tn.sessions[1]
		tn.mu.Unlock()
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.closed
	})
	if got := evalLine(t, other, "get y"); got != "2\n" {
		t.Errorf("the other session: %q", got)
	}
}

// rawHandshake connects and completes a handshake by hand, for tests that
// misbehave as no Client would.
func rawHandshake(t *testing.T, socket string, h helloMsg) net.Conn {
	t.Helper()
	nc, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if err := (&frameWriter{w: nc}).write(frameHello, h.encode()); err != nil {
		t.Fatal(err)
	}
	f, err := newFrameReader(nc).next()
	if err != nil || f.typ != frameWelcome {
		t.Fatalf("handshake: %v %v", f.typ, err)
	}
	return nc
}

func TestPanicInSessionIsAnError(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c := tn.attach()
	err := c.Eval(context.Background(), "panic oops", io.Discard)
	if err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("panicking eval: %v", err)
	}
	if cands, _ := c.Complete("panic", 5); len(cands) != 0 {
		t.Errorf("panicking completion: %q", cands)
	}
	if got := evalLine(t, c, "echo ok"); got != "ok\n" {
		t.Errorf("after panics: %q", got)
	}
}

func TestComplete(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c := tn.attach()
	cands, n := c.Complete("s", 1)
	if n != 1 || len(cands) != 2 || string(cands[0]) != "et" || string(cands[1]) != "leep" {
		t.Errorf("Complete = %q, %d", cands, n)
	}
}

func TestLargeOutputAndLine(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c := tn.attach()
	if got := evalLine(t, c, "big"); len(got) != 3*MaxFrameSize {
		t.Errorf("big output: %d bytes", len(got))
	}
	long := "echo " + strings.Repeat("y", MaxFrameSize)
	if err := c.Eval(context.Background(), long, io.Discard); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("oversized line: %v", err)
	}
	if got := evalLine(t, c, "echo fine"); got != "fine\n" {
		t.Errorf("after an oversized line: %q", got)
	}
}

func TestWrongVersionRefused(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	nc, err := net.Dial("unix", tn.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	(&frameWriter{w: nc}).write(frameHello, helloMsg{version: 99, mode: modeShell}.encode())
	r := readRefusal(t, nc)
	if r.code != RefuseVersion || !strings.Contains(r.reason, "version 99") || !strings.Contains(r.reason, fmt.Sprintf("version %d", ProtocolVersion)) {
		t.Errorf("wrong version: %+v", r)
	}
	err = &RefusedError{Node: tn.socket, Code: r.code, Reason: r.reason}
	if !errors.Is(err, ErrVersion) || !errors.Is(err, ErrRefused) {
		t.Errorf("RefusedError does not match its sentinels")
	}
}

func readRefusal(t *testing.T, nc net.Conn) refusalMsg {
	t.Helper()
	f, err := newFrameReader(nc).next()
	if err != nil || f.typ != frameRefuse {
		t.Fatalf("want a refusal, got %v %v", f.typ, err)
	}
	r, err := decodeRefusal(f.payload)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPeerRefusedClearlyOnBothSides(t *testing.T) {
	var logged strings.Builder
	var logMu sync.Mutex
	tn := startAttachNode(t, ServerOptions{
		Allow:  allowUID(os.Geteuid() + 1),
		Logger: slog.New(slog.NewTextHandler(syncWriter{&logMu, &logged}, nil)),
	})
	_, err := Attach(context.Background(), tn.socket, ClientOptions{})
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(err, ErrPeer) {
		t.Fatalf("got %v, want a peer refusal", err)
	}
	want := fmt.Sprintf("uid %d may not attach to a node run by uid %d", os.Geteuid(), os.Geteuid()+1)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("client sees %q, want it to say %q", err, want)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logged.String(), "refused") || !strings.Contains(logged.String(), want) {
		t.Errorf("node logs %q", logged.String())
	}
	if len(tn.sessions) != 0 {
		t.Errorf("a refused client got a session")
	}
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l syncWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestGarbageDoesNotHurtTheNode(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{HandshakeTimeout: 200 * time.Millisecond})
	c := tn.attach()
	evalLine(t, c, "set x 1")
	cases := map[string][]byte{
		"http":            []byte("GET / HTTP/1.1\r\nHost: node\r\n\r\n"),
		"oversized":       {0xff, 0xff, 0xff, 0xff, 'H'},
		"empty frame":     {0, 0, 0, 0},
		"unknown type":    appendFrame(nil, 'z', nil),
		"not hello":       appendFrame(nil, frameEval, []byte("1")),
		"bad hello":       appendFrame(nil, frameHello, []byte("GEX")),
		"truncated":       appendFrame(nil, frameHello, helloMsg{version: 1, mode: modeShell}.encode())[:6],
		"nothing at all":  nil,
		"random":          []byte("\x00\x00\x00\x07H\x01\x02\x03\x04\x05\x06\x07\x08"),
		"server's frames": appendFrame(nil, frameWelcome, welcomeMsg{}.encode()),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			nc, err := net.Dial("unix", tn.socket)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write(in)
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			f, err := newFrameReader(nc).next()
			// Either a refusal or, where the client said nothing whole,
			// the connection closed after the handshake timeout.
			if err == nil && f.typ != frameRefuse {
				t.Errorf("answered %v", f.typ)
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("node kept the connection open")
			}
		})
	}
	// After a good handshake, garbage ends only that connection.
	nc := rawHandshake(t, tn.socket, helloMsg{version: ProtocolVersion, mode: modeShell})
	nc.Write([]byte("\x00\x00\x00\x02W!"))
	fr := newFrameReader(nc)
	for {
		f, err := fr.next()
		if err != nil {
			t.Fatalf("no error frame before the close: %v", err)
		}
		if f.typ == frameError {
			break
		}
	}
	if got := evalLine(t, c, "get x"); got != "1\n" {
		t.Errorf("the good client after the garbage: %q", got)
	}
}

func TestStopAndPing(t *testing.T) {
	asked := make(chan struct{}, 2)
	tn := startAttachNode(t, ServerOptions{Node: "kv@host", Stop: func() { asked <- struct{}{} }})
	info, err := Ping(context.Background(), tn.socket)
	if err != nil || info.Name != "kv@host" || info.PID != os.Getpid() {
		t.Fatalf("Ping = %+v, %v", info, err)
	}
	// StopNode waits, up to its ctx, for the node to have stopped.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := StopNode(ctx, tn.socket); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("StopNode on a node that does not stop: %v", err)
	}
	<-asked
	// Now as a node does: its owner stops it when asked, then closes.
	done := make(chan error, 1)
	go func() {
		_, err := StopNode(context.Background(), tn.socket)
		done <- err
	}()
	<-asked
	tn.srv.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(tn.sessions) != 0 {
		t.Errorf("control clients got sessions")
	}
	if _, err := Ping(context.Background(), tn.socket); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Ping after stop: %v", err)
	}
}

func TestStopRefusedWithoutHook(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	_, err := StopNode(context.Background(), tn.socket)
	if err == nil || !strings.Contains(err.Error(), "does not accept stop") {
		t.Errorf("StopNode = %v", err)
	}
}

func TestNotRunning(t *testing.T) {
	dir := shortTempDir(t)
	_, err := Ping(context.Background(), filepath.Join(dir, "none.sock"))
	if !errors.Is(err, ErrNotRunning) {
		t.Errorf("no socket: %v", err)
	}
	// A socket file left by a node that died.
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := Ping(context.Background(), stale); !errors.Is(err, ErrNotRunning) {
		t.Errorf("stale socket: %v", err)
	}
	srv, err := ServeAttach(RunDir(dir), ServerOptions{Node: "stale"})
	if err != nil {
		t.Fatalf("listening over a stale socket: %v", err)
	}
	defer srv.Close()
	if _, err := ServeAttach(RunDir(dir), ServerOptions{Node: "stale"}); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second listener on a live socket: %v", err)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{HandshakeTimeout: 50 * time.Millisecond})
	nc, err := net.Dial("unix", tn.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("silent client: %v, want the node to close (EOF)", err)
	}
}

func TestClientTimesOutOnSilentNode(t *testing.T) {
	socket := filepath.Join(shortTempDir(t), "mute.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	_, err = Attach(context.Background(), socket, ClientOptions{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	tn := startAttachNode(t, ServerOptions{Node: "kv@host"})
	idle := tn.attach()
	busy := tn.attach()
	done := make(chan error, 1)
	go func() { done <- busy.Eval(context.Background(), "sleep", io.Discard) }()
	<-tn.sleep
	mute, err := net.Dial("unix", tn.socket) // mid-handshake
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	if err := tn.srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := tn.srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !tn.allClosed() {
		t.Errorf("Close returned with sessions open")
	}
	err = <-done
	if !errors.Is(err, ErrDisconnected) || !strings.Contains(err.Error(), "kv@host is stopping") {
		t.Errorf("busy client: %v", err)
	}
	if err := idle.Eval(context.Background(), "echo", io.Discard); !errors.Is(err, ErrDisconnected) {
		t.Errorf("idle client: %v", err)
	}
	if _, err := os.Stat(tn.socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
	l, err := net.Listen("unix", filepath.Join(shortTempDir(t), "late.sock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.srv.Serve(l); err != ErrServerClosed {
		t.Errorf("Serve after Close: %v", err)
	}
	idle.Close()
	busy.Close()
	waitFor(t, "goroutines end", func() bool { return runtime.NumGoroutine() <= before })
}

// TestManySessions is the figure: 50 clients at once, each
// evaluating 1,000 lines; every answer must be that client's own, in order.
func TestManySessions(t *testing.T) {
	const clients, lines = 50, 1000
	tn := startAttachNode(t, ServerOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		c := tn.attach()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- manyLines(c, i, lines)
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

func manyLines(c *Client, id, lines int) error {
	var out strings.Builder
	for j := range lines {
		out.Reset()
		if err := c.Eval(context.Background(), fmt.Sprintf("echo %d:%d", id, j), &out); err != nil {
			return err
		}
		if want := fmt.Sprintf("%d:%d\n", id, j); out.String() != want {
			return fmt.Errorf("client %d line %d: got %q, want %q", id, j, out.String(), want)
		}
		if want := fmt.Sprintf("fake(%d)> ", j+2); c.Prompt() != want {
			return fmt.Errorf("client %d line %d: prompt %q, want %q", id, j, c.Prompt(), want)
		}
	}
	return nil
}

// BenchmarkAttachProtocol measures the protocol's part of `node attach`:
// connect, handshake, first prompt, detach; no process start, no real
// session.
func BenchmarkAttachProtocol(b *testing.B) {
	tn := startAttachNode(b, ServerOptions{})
	for b.Loop() {
		c, err := Attach(context.Background(), tn.socket, ClientOptions{})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkEvalRoundTrip measures one line's trip through an attached
// session: Eval frame out, Output, Prompt and Result frames back.
func BenchmarkEvalRoundTrip(b *testing.B) {
	tn := startAttachNode(b, ServerOptions{})
	c, err := Attach(context.Background(), tn.socket, ClientOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for b.Loop() {
		if err := c.Eval(context.Background(), "echo x", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInterruptRightAfterEval: an Interrupt that follows its Eval closely
// (Ctrl-C as Enter is pressed, or Client.Eval given a context already
// cancelled) cancels that evaluation, though the server's reader may read
// it before the worker has started the evaluation.
func TestInterruptRightAfterEval(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c := tn.attach()
	for i := range 50 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Ctrl-C already pressed: the Interrupt follows the Eval at once
		done := make(chan error, 1)
		go func() { done <- c.Eval(ctx, "sleep", io.Discard) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("attempt %d: %v, want an interrupted evaluation", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("attempt %d: the Interrupt was lost; the evaluation still runs 5 s later", i)
		}
	}
	// An Interrupt after its evaluation has ended touches no other.
	c.Interrupt()
	if got := evalLine(t, c, "echo after"); got != "after\n" {
		t.Errorf("the next evaluation: %q", got)
	}
}

// realAttachNode serves real Sessions on a socket, as node foreground does.
func realAttachNode(t *testing.T) string {
	t.Helper()
	n, cs := testNode(t)
	dir := RunDir(shortTempDir(t))
	srv, err := ServeAttach(dir, ServerOptions{
		Node: "test@host",
		NewSession: func(term Terminal) (shell.Engine, error) {
			return shell.NewSession(n, cs, shell.SessionOptions{Color: term.Color, Width: term.Width, EvalOnce: term.OneShot, Dir: t.TempDir()})
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return dir.Socket("test@host")
}

// TestOversizedErrorStillAnswered: an evaluation whose error message is
// long (a panic with a value longer than MaxFrameSize, or a compile error
// quoting a long identifier in a line under the input limit) still gets
// its Result, the message cut.
func TestOversizedErrorStillAnswered(t *testing.T) {
	socket := realAttachNode(t)
	for _, line := range []string{
		`panic(strings.Repeat("x", 1<<20))`,
		strings.Repeat("y", 32<<10), // undefined: yyyy...
	} {
		c, err := Attach(context.Background(), socket, ClientOptions{})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- c.Eval(context.Background(), line, io.Discard) }()
		select {
		case err := <-done:
			if _, ok := errors.AsType[*shell.EvalError](err); !ok {
				t.Errorf("Eval(%.40q...): %v, want an *EvalError", line, err)
			} else if len(err.Error()) > maxResultMessage+64 || !strings.HasSuffix(err.Error(), " more bytes)") {
				t.Errorf("Eval(%.40q...): a message of %d bytes, ending %q", line, len(err.Error()), err.Error()[max(0, len(err.Error())-40):])
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Eval(%.40q...): no answer in 10 s; the node never sent its Result", line)
		}
		c.Close()
	}
}

// manyCompletions completes with candidates far beyond a frame.
type manyCompletions struct{ scriptEngine }

func (*manyCompletions) Complete(string, int) ([][]rune, int) {
	long := []rune(strings.Repeat("z", 100<<10))
	cands := make([][]rune, 20)
	for i := range cands {
		cands[i] = long
	}
	return cands, 0
}

func TestResultAndMatchesFitInAFrame(t *testing.T) {
	r := resultOf(context.Background(), errors.New(strings.Repeat("é", MaxFrameSize)))
	if n := len(r.encode()); n > maxResultMessage+64 {
		t.Errorf("a result of %d bytes", n)
	}
	if !utf8.ValidString(r.message) {
		t.Errorf("the cut message is not UTF-8: ...%q", r.message[len(r.message)-30:])
	}
	m := safeComplete(&manyCompletions{}, completeMsg{})
	if n := len(m.encode()); n > maxMatchesSize || len(m.candidates) == 0 {
		t.Errorf("%d candidates in %d bytes", len(m.candidates), n)
	}
}

// TestHandshakeFloodBounded: a client not yet identified cannot make the
// node allocate more than a hello needs, and the connections served at
// once are bounded.
func TestHandshakeFloodBounded(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{HandshakeTimeout: 30 * time.Second})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const clients = 300
	var conns []net.Conn
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	for range clients {
		nc, err := net.Dial("unix", tn.socket)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, nc)
		nc.Write([]byte{0x00, 0x10, 0x00, 0x00, 'H'}) // a 1 MiB "hello", never sent
	}
	time.Sleep(time.Second)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapInuse) - int64(before.HeapInuse)
	if grew > 64<<20 {
		t.Errorf("%d silent, unidentified clients pin %d MiB of the node's heap", clients, grew>>20)
	}
	r := readRefusal(t, conns[0])
	if r.code != RefuseProtocol || !strings.Contains(r.reason, "exceeds the limit of 4096") {
		t.Errorf("an oversized hello: %+v", r)
	}
}

func TestTooManyConnectionsRefused(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{MaxConns: 2, Node: "kv@host"})
	a := tn.attach()
	mute, err := net.Dial("unix", tn.socket) // holds the second place, in its handshake
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	_, err = Attach(context.Background(), tn.socket, ClientOptions{})
	if re, ok := errors.AsType[*RefusedError](err); !ok || re.Code != RefuseBusy ||
		!strings.Contains(err.Error(), "node kv@host already serves 2 connections; try again later") {
		t.Fatalf("a third client: %v", err)
	}
	if got := evalLine(t, a, "echo still"); got != "still\n" {
		t.Errorf("an attached client meanwhile: %q", got)
	}
	mute.Close()
	waitFor(t, "a place frees", func() bool {
		c, err := Attach(context.Background(), tn.socket, ClientOptions{})
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func TestIdleControlConnectionDropped(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{HandshakeTimeout: 100 * time.Millisecond})
	nc := rawHandshake(t, tn.socket, helloMsg{version: ProtocolVersion, mode: modeControl})
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := newFrameReader(nc).next(); err != io.EOF {
		t.Errorf("an idle control client: %v, want the node to close (EOF)", err)
	}
}

// TestCloseAbandonsStuckSession: Close interrupts every evaluation but
// waits for them only CloseTimeout, so a session that ignores its
// cancelled context cannot keep the node's process alive; a client
// waiting in StopNode returns only once Close has.
func TestCloseAbandonsStuckSession(t *testing.T) {
	asked := make(chan struct{}, 1)
	const grace = 200 * time.Millisecond
	tn := startAttachNode(t, ServerOptions{Node: "kv@host", CloseTimeout: grace, Stop: func() { asked <- struct{}{} }})
	defer close(tn.unstick) // lets the stuck goroutines end, after the test
	stuck := tn.attach()
	evalDone := make(chan error, 1)
	go func() { evalDone <- stuck.Eval(context.Background(), "stuck", io.Discard) }()
	<-tn.sleep
	stopDone := make(chan error, 1)
	var stopped time.Time
	go func() {
		_, err := StopNode(context.Background(), tn.socket)
		stopped = time.Now()
		stopDone <- err
	}()
	<-asked
	start := time.Now()
	err := tn.srv.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err == nil || !strings.Contains(err.Error(), "abandoned 1 session(s)") {
		t.Errorf("Close: %v", err)
	}
	if err2 := tn.srv.Close(); err2 != err {
		t.Errorf("second Close: %v", err2)
	}
	if err := <-stopDone; err != nil {
		t.Errorf("StopNode: %v", err)
	}
	if d := stopped.Sub(start); d < grace {
		t.Errorf("StopNode returned %v into Close, before Close gave up on the stuck session", d)
	}
	select {
	case err := <-evalDone:
		if !errors.Is(err, ErrDisconnected) {
			t.Errorf("the stuck client: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the stuck client was not disconnected")
	}
}

// TestCompleteKeepsOutputForNextEval: output that arrives while a
// completion is answered, from work an evaluation left running, is shown
// with the next Eval's rather than lost.
func TestCompleteKeepsOutputForNextEval(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := newClient(a)
	c.start()
	go func() { // the node
		fr, fw := newFrameReader(b), &frameWriter{w: b}
		for {
			f, err := fr.next()
			if err != nil {
				return
			}
			switch f.typ {
			case frameComplete:
				fw.write(frameOutput, []byte("late\n"))
				fw.write(frameMatches, matchesMsg{length: 1, candidates: []string{"x"}}.encode())
			case frameEval:
				fw.write(frameOutput, []byte("now\n"))
				fw.write(frameResult, resultMsg{}.encode())
			}
		}
	}()
	if cands, _ := c.Complete("e", 1); len(cands) != 1 {
		t.Fatalf("Complete: %q", cands)
	}
	if got := evalLine(t, c, "echo now"); got != "late\nnow\n" {
		t.Errorf("Eval after Complete showed %q", got)
	}
	if got := evalLine(t, c, "echo now"); got != "now\n" {
		t.Errorf("the Eval after showed %q", got)
	}
}
