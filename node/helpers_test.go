package node

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the node's goroutines to log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testNode starts a node whose log goes to the returned buffer.
func testNode(t testing.TB) (*Node, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	n, err := Start(Options{
		Name:            "test",
		Logger:          slog.New(slog.NewTextHandler(logs, nil)),
		ShutdownTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n, logs
}

// eventually polls cond until it holds or a second passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// recv receives one message in a spawned process and hands it to the test.
func inbox(n *Node) (PID, <-chan any) {
	out := make(chan any, 100)
	pid := n.Spawn(func(p *Proc) {
		p.TrapExit(true)
		for {
			m := p.Receive()
			if x, ok := m.(ExitSignal); ok && x.From.IsZero() {
				return // the node is stopping
			}
			out <- m
		}
	})
	return pid, out
}

func next(t testing.TB, ch <-chan any) any {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(2 * time.Second):
		t.Fatal("no message")
		return nil
	}
}

// kv is a compiled GenServer used across tests: a map of string to any.
type kv struct{}

type getReq struct{ key string }
type putReq struct {
	key string
	val any
}
type blockReq struct{ release chan struct{} }
type panicReq struct{}
type deferReq struct{}

func (kv) Init(arg any) (any, error) {
	if err, ok := arg.(error); ok {
		return nil, err
	}
	return map[string]any{}, nil
}

func (kv) HandleCall(req any, from From, state any) Result {
	m := state.(map[string]any)
	switch r := req.(type) {
	case getReq:
		return Reply(m[r.key], m)
	case putReq:
		m[r.key] = r.val
		return Reply("ok", m)
	case panicReq:
		panic("boom")
	case deferReq:
		m["deferred"] = from
		return NoReply(m)
	case string:
		if r == "stop" {
			return StopReply(Normal, "bye", m)
		}
	}
	return Reply(nil, m)
}

func (kv) HandleCast(msg any, state any) Result {
	m := state.(map[string]any)
	switch r := msg.(type) {
	case blockReq:
		<-r.release
	case putReq:
		m[r.key] = r.val
	case string:
		if r == "answer" {
			m["deferred"].(From).Reply("later")
		}
	}
	return NoReply(m)
}

func (kv) HandleInfo(msg any, state any) Result {
	m := state.(map[string]any)
	m["info"] = msg
	return NoReply(m)
}

func (kv) Terminate(reason any, state any) {
	if ch, ok := state.(map[string]any)["terminated"].(chan any); ok {
		ch <- reason
	}
}

func (kv) CodeChange(oldVsn string, state any, extra any) (any, error) {
	m := state.(map[string]any)
	switch extra {
	case "fail":
		return nil, errBadState
	case "panic":
		panic("code_change exploded")
	}
	out := map[string]any{"migrated_from": oldVsn}
	for k, v := range m {
		out[k] = v
	}
	return out, nil
}

var errBadState = &testError{"state cannot be migrated"}

type testError struct{ s string }

func (e *testError) Error() string { return e.s }
