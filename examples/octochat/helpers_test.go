package octochat_test

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// Names the gex.toml start spec gives.
const (
	rootSup     = "octochat_sup"
	connSup     = "octochat_connections"
	acceptorReg = "octochat_acceptor" // acceptor.Name
)

// wait bounds every wait of these tests.
const wait = 5 * time.Second

// octochat is a node running the project's modules from dir/lib, with
// the code server's path set there as a release's is.
type octochat struct {
	t   *testing.T
	n   *node.Node
	s   *code.Server
	log *syncBuffer
}

func start(t *testing.T) *octochat {
	t.Helper()
	log := &syncBuffer{}
	n, err := node.Start(node.Options{Name: "octochat", Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	lib, err := filepath.Abs("lib")
	if err != nil {
		t.Fatal(err)
	}
	return &octochat{t: t, n: n, s: code.New(n, code.Options{Path: []string{lib}}), log: log}
}

// startTree starts the supervision tree of gex.toml's release as the
// release's boot does, every worker named by its MFA, with the acceptor
// on port instead of the configured one.
func (o *octochat) startTree(port int) node.PID {
	o.t.Helper()
	root := readConfig(o.t, "gex.toml").Release[0].Start
	for i := range root.Children {
		if c := &root.Children[i]; c.Module == "acceptor" {
			c.Args[0] = int64(port)
		}
	}
	pid, err := o.n.StartSupervisor(o.supervisorSpec(root), node.Named(root.ID))
	if err != nil {
		o.t.Fatal(err)
	}
	return pid
}

func (o *octochat) supervisorSpec(c startSpec) node.SupervisorSpec {
	spec := node.SupervisorSpec{Strategy: strategies[c.Strategy]}
	for _, k := range c.Children {
		spec.Children = append(spec.Children, o.childSpec(k))
	}
	return spec
}

var strategies = map[string]node.Strategy{
	"": node.OneForOne, "one_for_one": node.OneForOne,
	"one_for_all": node.OneForAll, "rest_for_one": node.RestForOne,
}

// childSpec is the node's spec of c. A child supervisor is registered
// under its id, where the acceptor finds it.
func (o *octochat) childSpec(c startSpec) node.ChildSpec {
	if c.Module == "" {
		sup := o.supervisorSpec(c)
		return node.ChildSpec{ID: c.ID, Type: node.Supervisor, Start: func() (node.PID, error) {
			return o.n.StartSupervisor(sup, node.Named(c.ID))
		}}
	}
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		if v, ok := a.(int64); ok { // TOML integers are int64; Go code writes int
			a = int(v)
		}
		args[i] = a
	}
	return node.ChildSpec{ID: c.ID, MFA: node.MFA{Module: c.Module, Func: c.Function, Args: args}}
}

// config is the part of gex.toml these tests read; package
// node/release reads the whole of it.
type config struct {
	DefaultRelease string `toml:"default_release"`
	Release        []struct {
		Name           string
		Version        string
		Modules        []string
		SuspendTimeout string `toml:"suspend_timeout"`
		Start          startSpec
	}
	Environment map[string]struct{ Node string }
}

type startSpec struct {
	ID       string
	Module   string
	Function string
	Args     []any
	Strategy string
	Children []startSpec
}

func readConfig(t *testing.T, file string) config {
	t.Helper()
	var c config
	md, err := toml.DecodeFile(file, &c)
	if err != nil {
		t.Fatal(err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		t.Fatalf("%s: keys these tests do not know: %v", file, un)
	}
	if len(c.Release) != 1 {
		t.Fatalf("%s: %d releases, want 1", file, len(c.Release))
	}
	return c
}

// port returns the port the acceptor listens on.
func (o *octochat) port() int {
	o.t.Helper()
	p, err := o.n.Call(node.Name(acceptorReg), "port")
	if err != nil {
		o.t.Fatal(err)
	}
	return p.(int)
}

// servers returns the connection servers by their client's address, from
// the connections supervisor's children.
func (o *octochat) servers() map[string]node.PID {
	o.t.Helper()
	kids, err := o.n.WhichChildren(node.Name(connSup))
	if err != nil {
		o.t.Fatal(err)
	}
	out := map[string]node.PID{}
	for _, k := range kids {
		out[k.ID] = k.PID
	}
	return out
}

// server returns the connection server of c.
func (o *octochat) server(c *client) node.PID {
	o.t.Helper()
	pid, ok := o.servers()[c.addr()]
	if !ok {
		o.t.Fatalf("no connection server for %s: %v", c.addr(), o.servers())
	}
	return pid
}

// state returns the state of the connection server of c.
func (o *octochat) state(c *client) map[string]any {
	o.t.Helper()
	st, err := o.n.Sys().GetState(o.server(c))
	if err != nil {
		o.t.Fatal(err)
	}
	return st.(map[string]any)
}

func (o *octochat) info(pid node.PID) node.ProcessInfo {
	o.t.Helper()
	in, err := o.n.Info(pid)
	if err != nil {
		o.t.Fatal(err)
	}
	return in
}

// eventually waits, within the tests' bound, for cond.
func (o *octochat) eventually(what string, cond func() bool) {
	o.t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			o.t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// change is a module whose Vsn a step changes: its servers are suspended
// and migrated, given oldVsn.
type change struct{ module, oldVsn string }

// upgrade moves the node to the module versions in dir, as a relup's up
// step does: suspend the servers of the changed modules, load every
// module, run the new CodeChange on their states, resume them. (The
// release handler makes the same step all or nothing with prepared
// loading; these tests drive the node's batch API.)
func (o *octochat) upgrade(dir string, changes []change, modules ...string) {
	o.t.Helper()
	b := o.suspend(changes)
	defer b.Resume()
	o.load(dir, modules...)
	o.prepare(b, changes)
	o.commit(b)
}

// downgrade is a relup's down step: the running version's CodeChange,
// given "down:" and the version going back to, turns the states back
// before the old code is loaded.
func (o *octochat) downgrade(dir string, changes []change, modules ...string) {
	o.t.Helper()
	b := o.suspend(changes)
	defer b.Resume()
	o.prepare(b, changes)
	o.load(dir, modules...)
	o.commit(b)
}

func (o *octochat) suspend(changes []change) *node.Batch {
	o.t.Helper()
	mods := map[string]bool{}
	for _, c := range changes {
		mods[c.module] = true
	}
	var pids []node.PID
	for _, p := range o.n.Processes() {
		if p.Kind == "genserver" && mods[p.Module] {
			pids = append(pids, p.PID)
		}
	}
	b, err := o.n.SuspendAll(pids, wait)
	if err != nil {
		o.t.Fatal(err)
	}
	return b
}

func (o *octochat) load(dir string, modules ...string) {
	o.t.Helper()
	for _, m := range modules {
		if _, err := o.s.LoadFile(filepath.Join(dir, "lib", m)); err != nil {
			o.t.Fatal(err)
		}
	}
}

// prepare computes the new state of every suspended server, keeping the
// old ones in place, or drops them all on the first failure.
func (o *octochat) prepare(b *node.Batch, changes []change) {
	o.t.Helper()
	for _, c := range changes {
		if err := b.Prepare(c.module, c.oldVsn, nil); err != nil {
			b.Abort()
			o.t.Fatal(err)
		}
	}
}

func (o *octochat) commit(b *node.Batch) {
	o.t.Helper()
	if err := b.Commit(); err != nil {
		o.t.Fatal(err)
	}
}

// client is a TCP client of octochat, on loopback.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func (o *octochat) dial() *client {
	o.t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", o.port()), wait)
	if err != nil {
		o.t.Fatal(err)
	}
	o.t.Cleanup(func() { conn.Close() })
	c := &client{t: o.t, conn: conn, r: bufio.NewReader(conn)}
	// The server is started once the acceptor has the connection; the
	// first answer would wait for it anyway, but tests look it up first.
	o.eventually("a connection server for "+c.addr(), func() bool {
		_, ok := o.servers()[c.addr()]
		return ok
	})
	return c
}

// addr is the client's address: the ID of its connection server.
func (c *client) addr() string { return c.conn.LocalAddr().String() }

// say sends line and returns the answer.
func (c *client) say(line string) string {
	c.t.Helper()
	c.conn.SetDeadline(time.Now().Add(wait))
	if _, err := fmt.Fprintln(c.conn, line); err != nil {
		c.t.Fatalf("%s: send %q: %v", c.addr(), line, err)
	}
	answer, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("%s: answer to %q: %v (read %q)", c.addr(), line, err, answer)
	}
	return strings.TrimSuffix(answer, "\n")
}

// closed waits for the server to close the connection, without sending.
func (c *client) closed() error {
	c.conn.SetReadDeadline(time.Now().Add(wait))
	_, err := c.r.ReadByte()
	return err
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
