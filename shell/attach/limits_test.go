package attach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/gexdev/gex/shell"
)

// floodMiB is how much "flood" writes: far more than the socket, the
// client's queue and the grace after an interrupt hold together.
const floodMiB = 1 << 10

// cancelAfter is an out that cancels its evaluation (Ctrl-C) once it has
// seen n bytes, and counts what it sees.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
	got    int
	tail   []byte
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	w.got += len(p)
	if w.got >= w.n {
		w.cancel()
	}
	w.tail = append(w.tail, p...)
	if len(w.tail) > 256 {
		w.tail = w.tail[len(w.tail)-256:]
	}
	return len(p), nil
}

// TestInterruptCutsLongOutput: Ctrl-C while a long result streams out is
// acted on at once: the node stops sending within a chunk of the
// interrupt, however the engine treats its writer's errors, says so, and
// the session goes on.
func TestInterruptCutsLongOutput(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c := tn.attach()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelAfter{n: 64 << 10, cancel: cancel}
	err := c.Eval(ctx, "flood", out)
	if _, ok := errors.AsType[*shell.EvalError](err); !ok || !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted flood: %v, want an interrupted *shell.EvalError", err)
	}
	// What was in flight when the interrupt arrived: the socket's buffers,
	// the client's queue (maxQueued) and the grace chunk.
	if limit := 8 << 20; out.got > limit {
		t.Errorf("the client received %d MiB of a %d MiB result after interrupting it at 64 KiB; want at most %d MiB",
			out.got>>20, floodMiB, limit>>20)
	}
	t.Logf("received %d KiB of a %d MiB result interrupted at 64 KiB", out.got>>10, floodMiB)
	if !strings.HasSuffix(string(out.tail), interruptedNote) {
		t.Errorf("the output ends %q, want the note %q", out.tail, interruptedNote)
	}
	if got := evalLine(t, c, "echo after"); got != "after\n" {
		t.Errorf("the session after the interrupt: %q", got)
	}
}

// TestInterruptedSessionSaysSo: an interrupt that the engine reports
// itself, in a line, is not cut.
func TestInterruptedSessionSaysSo(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{})
	c := tn.attach()
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	done := make(chan error, 1)
	go func() { done <- c.Eval(ctx, "nap", &out) }()
	<-tn.sleep
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("nap: %v", err)
	}
	if out.String() != "** (interrupted)\n" {
		t.Errorf("nap showed %q", out.String())
	}
}

// TestControlAnsweredWhenSessionsFull is the lock-out: with every
// session place taken, control commands are still answered, the next
// session is refused saying why, and the log hears of the refusals once,
// not once each.
func TestControlAnsweredWhenSessionsFull(t *testing.T) {
	var logged strings.Builder
	var logMu sync.Mutex
	tn := startAttachNode(t, ServerOptions{
		Node: "kv@host", MaxSessions: 3, Stop: func() {},
		Logger: slog.New(slog.NewTextHandler(syncWriter{&logMu, &logged}, nil)),
	})
	for range 3 {
		tn.attach()
	}
	for range 20 {
		_, err := Attach(context.Background(), tn.socket, ClientOptions{})
		re, ok := errors.AsType[*RefusedError](err)
		if !ok || re.Code != RefuseBusy || !strings.Contains(err.Error(), "node kv@host already has 3 sessions attached") {
			t.Fatalf("a fourth session: %v", err)
		}
	}
	if err := EvalOnce(context.Background(), tn.socket, "echo x", io.Discard, ClientOptions{}); !errors.Is(err, ErrRefused) {
		t.Errorf("node eval, a session too: %v", err)
	}
	for _, name := range []string{"ping", "pid", "version"} {
		var out strings.Builder
		if err := Control(context.Background(), tn.socket, name, nil, &out); err != nil || out.Len() == 0 {
			t.Errorf("%s with the sessions full: %q, %v", name, out.String(), err)
		}
	}
	logMu.Lock()
	lines := strings.Count(logged.String(), "refusing sessions beyond the session limit")
	logMu.Unlock()
	if lines != 1 {
		t.Errorf("21 refused sessions logged in %d lines, want 1:\n%s", lines, logged.String())
	}
}

// TestRegisteredCommand: a command the embedder registers runs end to
// end, with its arguments, output and error; unknown commands and
// interrupts are answered as the package doc says.
func TestRegisteredCommand(t *testing.T) {
	started := make(chan struct{}, 1)
	tn := startAttachNode(t, ServerOptions{Node: "kv@host", Commands: map[string]Command{
		"upgrade": func(ctx context.Context, args []string, out io.Writer) error {
			if len(args) != 1 {
				return fmt.Errorf("upgrade: want a version, got %q", args)
			}
			fmt.Fprintf(out, "upgrading to %s\n", args[0])
			fmt.Fprintln(out, "done")
			return nil
		},
		"wait": func(ctx context.Context, args []string, out io.Writer) error {
			started <- struct{}{}
			<-ctx.Done()
			return fmt.Errorf("wait: %w", ctx.Err())
		},
		"crash": func(context.Context, []string, io.Writer) error { panic("boom") },
	}})
	var out strings.Builder
	if err := Control(context.Background(), tn.socket, "upgrade", []string{"0.2.0"}, &out); err != nil {
		t.Fatalf("upgrade 0.2.0: %v", err)
	}
	if out.String() != "upgrading to 0.2.0\ndone\n" {
		t.Errorf("upgrade wrote %q", out.String())
	}
	err := Control(context.Background(), tn.socket, "upgrade", nil, io.Discard)
	if ce, ok := errors.AsType[*CommandError](err); !ok || ce.Msg != `upgrade: want a version, got []` {
		t.Errorf("upgrade with no version: %v", err)
	}
	err = Control(context.Background(), tn.socket, "crash", nil, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "panic in command: boom") {
		t.Errorf("a panicking command: %v", err)
	}
	if err := Control(context.Background(), tn.socket, "ping", nil, io.Discard); err != nil {
		t.Errorf("ping after a panicking command: %v", err)
	}
	err = Control(context.Background(), tn.socket, "nope", nil, io.Discard)
	if !errors.Is(err, ErrUnknownCommand) || !strings.Contains(err.Error(), "crash, pid, ping, stop, upgrade, version, wait") {
		t.Errorf("an unknown command: %v", err)
	}
	if err := Control(context.Background(), tn.socket, "ping", []string{"x"}, io.Discard); err == nil {
		t.Errorf("ping with an argument succeeded")
	}
	// Ctrl-C interrupts a command.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Control(ctx, tn.socket, "wait", nil, io.Discard) }()
	<-started
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "wait: context canceled") {
		t.Errorf("an interrupted command: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("NewServer took a command named as a built-in")
		}
	}()
	NewServer(ServerOptions{Commands: map[string]Command{"stop": nil}})
}

// TestDrainTellsIdleAndBusy: when the node stops, a client idle at its
// prompt learns it at once, without sending anything, and a busy one gets
// the Error frame as the last word, not its interrupted evaluation's.
func TestDrainTellsIdleAndBusy(t *testing.T) {
	tn := startAttachNode(t, ServerOptions{Node: "kv@host"})
	idle, busy := tn.attach(), tn.attach()
	var out strings.Builder
	done := make(chan error, 1)
	go func() { done <- busy.Eval(context.Background(), "nap", &out) }()
	<-tn.sleep
	tn.srv.Drain()
	<-idle.Done()
	if err := idle.Err(); !errors.Is(err, ErrNodeStopped) || !errors.Is(err, shell.ErrSessionClosed) ||
		!strings.Contains(err.Error(), "node kv@host is stopping") {
		t.Errorf("the idle client: %v", err)
	}
	err := <-done
	if !errors.Is(err, ErrNodeStopped) {
		t.Errorf("the busy client: %v", err)
	}
	if out.String() != "" {
		t.Errorf("the busy client saw %q after the node said it was stopping", out.String())
	}
	<-busy.Done()
	if _, err := Attach(context.Background(), tn.socket, ClientOptions{}); !errors.Is(err, ErrRefused) ||
		!strings.Contains(err.Error(), "is stopping") {
		t.Errorf("a client while the node stops: %v", err)
	}
}

// TestConcurrentServeOneWins: of several processes that would serve one
// node at once, over the stale socket of one that died, one does; the
// others get ErrAlreadyRunning rather than unlink the winner's socket.
func TestConcurrentServeOneWins(t *testing.T) {
	dir := RunDir(shortTempDir(t))
	for round := range 20 {
		stale, err := net.Listen("unix", dir.Socket("r"))
		if err != nil {
			t.Fatal(err)
		}
		stale.(*net.UnixListener).SetUnlinkOnClose(false)
		stale.Close()
		var wg sync.WaitGroup
		servers := make(chan *Server, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv, err := ServeAttach(dir, ServerOptions{Node: "r", Logger: slog.New(slog.DiscardHandler)})
				if err == nil {
					servers <- srv
				} else if !errors.Is(err, ErrAlreadyRunning) {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
		close(servers)
		if len(servers) != 1 {
			t.Fatalf("round %d: %d servers of one node", round, len(servers))
		}
		srv := <-servers
		if _, err := Ping(context.Background(), dir.Socket("r")); err != nil {
			t.Errorf("round %d: the winner does not answer: %v", round, err)
		}
		srv.Close()
	}
}
