package watch_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/watch"
)

// kvSrc is a key-value GenServer module of version vsn; extra is added
// at the end (a CodeChange, a broken line).
func kvSrc(vsn, extra string) string {
	return fmt.Sprintf(`package kv

import "github.com/gexdev/gex/node"

const Vsn = %q

func Init(arg any) (any, error) { return map[string]any{}, nil }

func HandleCall(req any, from node.From, state any) node.Result {
	m := state.(map[string]any)
	r := req.([]any)
	switch op, _ := r[0].(string); op {
	case "vsn":
		return node.Reply(Vsn, m)
	case "get":
		return node.Reply(m[r[1].(string)], m)
	case "put":
		m[r[1].(string)] = r[2]
		return node.Reply("ok", m)
	}
	return node.Reply(nil, m)
}
%s`, vsn, extra)
}

// loopSrc is a module whose Start spawns a process that runs the version
// that spawned it until told "stop".
const loopSrc = `package loop

import "github.com/gexdev/gex/node"

const Vsn = %q

func Start() node.PID {
	return node.Spawn(func(p *node.Proc) {
		for p.Receive() != "stop" {
		}
	})
}
`

// fixture is a node with a code server on a temp dir, watched.
type fixture struct {
	t      testing.TB
	dir    string
	n      *node.Node
	cs     *code.Server
	w      *watch.Watcher
	events chan watch.Event
	log    *syncBuffer
}

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

// newFixture starts a node, a code server on a temp dir holding files
// (name → source), loads the modules named in load, and watches.
func newFixture(t testing.TB, opts watch.Options, files map[string]string, load ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), events: make(chan watch.Event, 4096), log: &syncBuffer{}}
	for name, src := range files {
		f.write(name, src)
	}
	n, err := node.Start(node.Options{Name: "watch", Logger: slog.New(slog.NewTextHandler(f.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.n = n
	t.Cleanup(func() { n.Stop() })
	f.cs = code.New(n, code.Options{Path: []string{f.dir}})
	for _, m := range load {
		if _, err := f.cs.Load(m); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(watch.Subscribe(f.cs, func(ev watch.Event) { f.events <- ev }))
	if f.w, err = watch.Start(f.cs, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.w.Close() })
	return f
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

func (f *fixture) write(name, src string) {
	f.t.Helper()
	p := f.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// next returns the next event, failing after a while.
func (f *fixture) next() watch.Event {
	f.t.Helper()
	select {
	case ev := <-f.events:
		return ev
	case <-time.After(10 * time.Second):
		f.t.Fatal("no event within 10 s")
		return watch.Event{}
	}
}

// quiet checks that no event comes for a while: ten debounces.
func (f *fixture) quiet() {
	f.t.Helper()
	select {
	case ev := <-f.events:
		f.t.Fatalf("unexpected event: %v", ev)
	case <-time.After(10 * watch.DefaultDebounce):
	}
}

// call calls pid and returns the answer.
func (f *fixture) call(pid node.PID, req ...any) any {
	f.t.Helper()
	v, err := f.n.Call(pid, req)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *fixture) startServer(mod string) node.PID {
	f.t.Helper()
	pid, err := f.n.StartServer(mod, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return pid
}

// vsn returns the current version of module mod.
func (f *fixture) vsn(mod string) string {
	f.t.Helper()
	in, err := f.cs.Info(mod)
	if err != nil {
		f.t.Fatal(err)
	}
	return in.Vsn
}

// fn returns module mod's exported function name, as importers see it.
func fn[F any](t testing.TB, cs *code.Server, mod, name string) F {
	t.Helper()
	v, ok := cs.Exports()[mod+"/"+mod][name]
	if !ok {
		t.Fatalf("%s.%s not exported", mod, name)
	}
	return v.Interface().(F)
}
