package kv_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/native"
)

// TestWalkthrough does what "Elixir/Erlang Hot Swapping Code" does with KV:
// start it, put, apply the logging patch to kv.go, r KV; the state is still
// there and the new code logs. It runs with the module interpreted and
// native (compiled as a plugin).
func TestWalkthrough(t *testing.T) {
	for _, tier := range []code.Tier{code.Interpreted, code.Native} {
		t.Run(tier.String(), func(t *testing.T) { walkthrough(t, tier) })
	}
}

func walkthrough(t *testing.T, tier code.Tier) {
	b := native.New(native.Options{CacheDir: t.TempDir()})
	if tier == code.Native {
		if err := b.Check(context.Background()); err != nil {
			t.Skipf("no native versions here: %v", err)
		}
	}
	log := &syncBuffer{}
	n, err := node.Start(node.Options{Name: "kv", Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	dir := t.TempDir()
	s := code.New(n, code.Options{Path: []string{dir}, Tier: tier, Native: b})
	path := filepath.Join(dir, "kv.go")
	copyFile(t, "kv.go", path)

	// iex> l KV; KV.start_link
	res, err := s.Load("KV")
	if err != nil {
		t.Fatal(err)
	}
	if res.Module.Name != "kv" || res.Module.Vsn != "0" || res.Module.Tier != tier {
		t.Fatalf("l KV: %+v", res.Module)
	}
	kv := s.Exports()["kv/kv"]
	if _, err := kv["StartLink"].Interface().(func() (node.PID, error))(); err != nil {
		t.Fatal(err)
	}
	get := kv["Get"].Interface().(func(any) (any, error))
	put := kv["Put"].Interface().(func(any, any) (any, error))
	check := func(got any, err error, want any) {
		t.Helper()
		if err != nil || got != want {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
	}
	// iex> KV.get(:a); KV.put(:a, 42); KV.get(:a)
	v, err := get("a")
	check(v, err, nil)
	v, err = put("a", 42)
	check(v, err, node.Atom("ok"))
	v, err = get("a")
	check(v, err, 42)
	if strings.Contains(log.String(), "Handling") {
		t.Fatal("version 0 logs")
	}

	// % patch kv.ex kv.ex.patch; iex> r KV
	copyFile(t, "v1/kv.go", path)
	res, err = s.Reload("KV")
	if err != nil {
		t.Fatal(err)
	}
	if res.Replaced == nil || res.Replaced.Vsn != "0" || res.Module.Vsn != "1" || res.Module.Tier != tier {
		t.Fatalf("r KV: %+v", res)
	}
	// iex> KV.get(:a) — logs, and the state is still there; KV.put(:b, 2)
	v, err = get("a")
	check(v, err, 42)
	v, err = put("b", 2)
	check(v, err, node.Atom("ok"))
	for _, want := range []string{
		`msg="KV: Handling get request" key=a`,
		`msg="KV: Handling put request" key=b value=2`,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log that processes write concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
