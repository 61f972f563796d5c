package attach

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/shell"
)

// testNode starts a node with a code server whose path holds dirs.
func testNode(t testing.TB, dirs ...string) (*node.Node, *code.Server) {
	t.Helper()
	n, err := node.Start(node.Options{
		Name:   "test@localhost",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n, code.New(n, code.Options{Path: dirs})
}

// Trace lines that a traced process writes for a session whose client
// sits at its prompt, reading nothing, must not block that process, which
// other sessions and the node's own callers use.
func TestIdleClientDoesNotStallTracedProcess(t *testing.T) {
	kv, _ := filepath.Abs("../../examples/kv")
	n, cs := testNode(t, kv)
	dir := RunDir(shortTempDir(t))
	srv, err := ServeAttach(dir, ServerOptions{
		Node: "test@host",
		NewSession: func(term Terminal) (shell.Engine, error) {
			return shell.NewSession(n, cs, shell.SessionOptions{Color: term.Color, Width: term.Width, EvalOnce: term.OneShot, Dir: kv})
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	socket := dir.Socket("test@host")

	a, err := Attach(context.Background(), socket, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, line := range []string{"kv.StartLink()", ":sys.trace KV, true"} {
		if err := a.Eval(context.Background(), line, io.Discard); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	// a's user now sits at the prompt. Another session uses KV.
	b, err := Attach(context.Background(), socket, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Eval(context.Background(), `big := strings.Repeat("v", 32<<10)`, io.Discard); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		start := time.Now()
		var out strings.Builder
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := b.Eval(ctx, `kv.Put("k", big)`, &out)
		cancel()
		if err != nil || time.Since(start) > 2*time.Second {
			t.Fatalf("put %d from another session: %v after %v: %q", i, err, time.Since(start).Round(time.Millisecond), out.String())
		}
	}
}
