package octochat_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
)

// TestEcho: release 0.2.0's tree echoes each client's lines, and each
// connection's server counts its own.
func TestEcho(t *testing.T) {
	o := start(t)
	o.startTree(0)
	a, b := o.dial(), o.dial()
	for i, line := range []string{"hello", "octochat"} {
		if got := a.say(line); got != line {
			t.Fatalf("a said %q, got %q", line, got)
		}
		if got := b.say(fmt.Sprint(i)); got != fmt.Sprint(i) {
			t.Fatalf("b said %d, got %q", i, got)
		}
	}
	a.say("again")
	if st := o.state(a); st["lines"] != 3 || st["peer"] != a.addr() {
		t.Errorf("a's server has %v, want 3 lines from %s", st, a.addr())
	}
	if st := o.state(b); st["lines"] != 2 {
		t.Errorf("b's server has %v, want 2 lines", st)
	}
	if got := a.say(""); got != "" {
		t.Errorf("an empty line echoed as %q", got)
	}
}

// TestUpgrade is the seed's upgrade with open connections: 0.2.0 to 0.3.0
// while clients stay connected; the same connections get the new echo
// and keep their count; then back down to 0.2.0 and up again, and they
// are still there.
func TestUpgrade(t *testing.T) {
	o := start(t)
	o.startTree(0)
	a, b := o.dial(), o.dial()
	for _, line := range []string{"one", "two", "three"} {
		a.say(line)
	}
	b.say("only")
	servers := o.servers()

	up := []change{{"connection", "1"}, {"acceptor", "1"}}
	o.upgrade("next", up, "echo", "connection", "acceptor")
	if got := a.say("hello"); got != "4: HELLO" {
		t.Fatalf("after the upgrade a got %q, want 4: HELLO", got)
	}
	if got := b.say("world"); got != "2: WORLD" {
		t.Fatalf("after the upgrade b got %q, want 2: WORLD", got)
	}
	if st := o.state(a); st["lines"] != 4 || st["bytes"] != 5 || st["peer"] != a.addr() {
		t.Errorf("a's migrated state is %v, want 4 lines, 5 bytes since the upgrade", st)
	}
	if got := o.servers(); !sameServers(got, servers) {
		t.Errorf("the connection servers changed: %v, were %v", got, servers)
	}
	if vsn := o.info(o.server(a)).Vsn; vsn != "2" {
		t.Errorf("a's server reports vsn %q, want 2", vsn)
	}
	// A new client is served by the new code, and the acceptor's new
	// version logs it.
	c := o.dial()
	if got := c.say("new"); got != "1: NEW" {
		t.Errorf("a client after the upgrade got %q, want 1: NEW", got)
	}
	if want := "peer=" + c.addr(); !strings.Contains(o.log.String(), want) {
		t.Errorf("the upgraded acceptor did not log the connection (%s):\n%s", want, o.log)
	}

	// Down to 0.2.0, and up again: each load makes the previous current
	// version old and purges the one before, which would kill processes
	// still running it. The connections' processes run code that does
	// not change, so none is.
	down := []change{{"connection", "down:1"}, {"acceptor", "down:1"}}
	o.downgrade(".", down, "echo", "connection", "acceptor")
	if got := a.say("down"); got != "down" {
		t.Fatalf("after the downgrade a got %q, want down", got)
	}
	if st := o.state(a); st["lines"] != 5 || st["bytes"] != nil {
		t.Errorf("a's state after the downgrade is %v, want 5 lines and no bytes", st)
	}
	o.upgrade("next", up, "echo", "connection", "acceptor")
	for _, cl := range []*client{a, b, c} {
		if got := cl.say("up"); !strings.HasSuffix(got, ": UP") {
			t.Errorf("%s after the second upgrade got %q", cl.addr(), got)
		}
	}
	if got := a.say("x"); got != "7: X" {
		t.Errorf("a's numbering after two upgrades: %q, want 7: X", got)
	}
}

// TestUpgradeUnderLoad: clients sending lines throughout the upgrade get
// every line answered, in order, by the old code and then the new, never
// the old again, and the numbering of the new code counts every line.
func TestUpgradeUnderLoad(t *testing.T) {
	o := start(t)
	o.startTree(0)
	const clients = 4
	stop := make(chan struct{})
	errs := make(chan error, clients)
	for range clients {
		c := o.dial()
		go func() { errs <- chat(c, stop) }()
	}
	time.Sleep(20 * time.Millisecond) // let them talk to 0.2.0 a while
	o.upgrade("next", []change{{"connection", "1"}, {"acceptor", "1"}}, "echo", "connection", "acceptor")
	time.Sleep(20 * time.Millisecond) // and to 0.3.0
	close(stop)
	for range clients {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// chat sends numbered lines until stop is closed, once the new code has
// answered at least once, and checks each answer. It gives up after the
// tests' bound.
func chat(c *client, stop <-chan struct{}) error {
	upgraded := false
	deadline := time.Now().Add(wait)
	for i := 1; time.Now().Before(deadline); i++ {
		select {
		case <-stop:
			if upgraded {
				return nil
			}
		default:
		}
		line := fmt.Sprintf("line %d", i)
		c.conn.SetDeadline(time.Now().Add(wait))
		if _, err := fmt.Fprintln(c.conn, line); err != nil {
			return fmt.Errorf("%s: send %q: %v", c.addr(), line, err)
		}
		got, err := c.r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("%s: answer to %q: %v", c.addr(), line, err)
		}
		got = strings.TrimSuffix(got, "\n")
		switch {
		case got == fmt.Sprintf("%d: LINE %d", i, i):
			upgraded = true
		case got == line && !upgraded:
		default:
			return fmt.Errorf("%s: %q answered %q (upgraded: %v)", c.addr(), line, got, upgraded)
		}
	}
	return fmt.Errorf("%s: gave up after %v, upgraded: %v", c.addr(), wait, upgraded)
}

func sameServers(a, b map[string]node.PID) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestKillConnection: whichever process of a connection is killed — its
// server, its reader blocked in Read, its guard — that client is
// disconnected at once, and the others go on as they were.
func TestKillConnection(t *testing.T) {
	for _, victim := range []string{"server", "reader", "guard"} {
		t.Run(victim, func(t *testing.T) {
			o := start(t)
			o.startTree(0)
			a, b := o.dial(), o.dial()
			a.say("a")
			b.say("b")
			b.say("b")
			server := o.server(a)
			guard := o.linkedFunc(server)
			reader := o.linkedFunc(guard, server)
			pid := map[string]node.PID{"server": server, "reader": reader, "guard": guard}[victim]
			if err := o.n.Exit(pid, node.Kill); err != nil {
				t.Fatal(err)
			}
			if err := a.closed(); !errors.Is(err, io.EOF) {
				t.Fatalf("a's connection after its %s was killed: %v, want EOF", victim, err)
			}
			for _, p := range []node.PID{server, reader, guard} {
				o.eventually(fmt.Sprintf("%v to exit", p), func() bool { return !o.n.IsAlive(p) })
			}
			if got := b.say("still"); got != "still" {
				t.Errorf("b got %q", got)
			}
			if st := o.state(b); st["lines"] != 3 {
				t.Errorf("b's state is %v, want 3 lines", st)
			}
			if kids := o.servers(); len(kids) != 1 {
				t.Errorf("the connections supervisor has %v, want b's only", kids)
			}
			if strings.Contains(o.log.String(), "supervisor could not") {
				t.Errorf("the log reports a failed restart:\n%s", o.log)
			}
		})
	}
}

// linkedFunc returns the one process linked to pid, other than those
// named, that is a spawned function: a connection's guard is the one
// linked to its server, its reader the other linked to the guard. The
// guard links in its own time, so it waits for one.
func (o *octochat) linkedFunc(pid node.PID, not ...node.PID) node.PID {
	o.t.Helper()
	var found []node.PID
	o.eventually(fmt.Sprintf("a function linked to %v", pid), func() bool {
		found = found[:0]
		for _, l := range o.info(pid).Links {
			in, err := o.n.Info(l)
			if err == nil && in.Kind == "function" && !contains(not, l) {
				found = append(found, l)
			}
		}
		return len(found) > 0
	})
	if len(found) != 1 {
		o.t.Fatalf("%v is linked to functions %v, want one", pid, found)
	}
	return found[0]
}

func contains(pids []node.PID, pid node.PID) bool {
	for _, p := range pids {
		if p == pid {
			return true
		}
	}
	return false
}

// TestAcceptorRestart: after a load of a new acceptor, a killed acceptor
// is restarted by the supervisor from its MFA, so it runs the current
// version, on the same port — its listener was closed with it — and the
// connections it had accepted stay open.
func TestAcceptorRestart(t *testing.T) {
	o := start(t)
	port := freePort(t)
	o.startTree(port)
	a := o.dial()
	a.say("before")
	o.load("next", "acceptor")
	old, _ := o.n.Whereis(acceptorReg)
	if err := o.n.Exit(old, node.Kill); err != nil {
		t.Fatal(err)
	}
	var acc node.PID
	o.eventually("a new acceptor", func() bool {
		acc, _ = o.n.Whereis(acceptorReg)
		return !acc.IsZero() && acc != old
	})
	// It is registered before its Init has run; its answer comes after.
	if got := o.port(); got != port {
		t.Fatalf("the restarted acceptor listens on %d, want %d", got, port)
	}
	if in := o.info(acc); in.Module != "acceptor" || in.Vsn != "2" {
		t.Errorf("the restarted acceptor runs %s vsn %s, want acceptor vsn 2", in.Module, in.Vsn)
	}
	b := o.dial()
	if got := b.say("after"); got != "after" {
		t.Errorf("b got %q", got)
	}
	if !strings.Contains(o.log.String(), "peer="+b.addr()) {
		t.Errorf("the restarted acceptor is not version 2: it did not log %s:\n%s", b.addr(), o.log)
	}
	if got := a.say("still"); got != "still" {
		t.Errorf("a, accepted by the old acceptor, got %q", got)
	}
	if st := o.state(a); st["lines"] != 2 {
		t.Errorf("a's state is %v, want 2 lines", st)
	}
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestStop: stopping the node closes the listener and every connection,
// and leaves no goroutine blocked in Accept or Read behind.
func TestStop(t *testing.T) {
	o := start(t)
	o.startTree(0)
	port := o.port()
	a, b := o.dial(), o.dial()
	a.say("a")
	b.say("b")
	if err := o.n.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{a, b} {
		if err := c.closed(); !errors.Is(err, io.EOF) {
			t.Errorf("%s after the node stopped: %v, want EOF", c.addr(), err)
		}
	}
	if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
		conn.Close()
		t.Error("the port still accepts connections after the node stopped")
	}
	if log := o.log.String(); strings.Contains(log, "still running") || strings.Contains(log, "level=ERROR") {
		t.Errorf("the node did not stop cleanly:\n%s", log)
	}
}

// TestLayout: gex.toml is release 0.2.0, next/gex.toml 0.3.0 of the same
// release, and next/ holds only files that change, at the paths they
// replace, so that `cp -r next/. .` makes 0.3.0.
func TestLayout(t *testing.T) {
	cur, next := readConfig(t, "gex.toml"), readConfig(t, filepath.Join("next", "gex.toml"))
	if v := cur.Release[0].Version; v != "0.2.0" {
		t.Errorf("gex.toml is %s, want 0.2.0", v)
	}
	if v := next.Release[0].Version; v != "0.3.0" {
		t.Errorf("next/gex.toml is %s, want 0.3.0", v)
	}
	for _, m := range cur.Release[0].Modules {
		if _, err := os.Stat(m); err != nil {
			t.Errorf("module %s: %v", m, err)
		}
	}
	err := filepath.WalkDir("next", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("next", path)
		was, err := os.ReadFile(rel)
		if err != nil {
			t.Errorf("next/%s replaces nothing: %v", rel, err)
			return nil
		}
		now, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if string(was) == string(now) {
			t.Errorf("next/%s is the same as %s", rel, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGuardWhileStopping: a process spawned once the node is stopping
// never runs, deferred calls and all, so a guard spawned then could not
// close its socket; Guard closes it itself, or a reader blocked on it
// would outlive the node.
func TestGuardWhileStopping(t *testing.T) {
	o := start(t)
	if _, err := o.s.Load("wire"); err != nil {
		t.Fatal(err)
	}
	guard := o.s.Exports()["wire/wire"]["Guard"].Interface().(func(io.Closer, ...node.PID) node.PID)
	c := &closer{done: make(chan struct{})}
	o.n.Spawn(func(p *node.Proc) {
		o.n.Stop() // from a process it returns at once; the stop goes on
		for i := 0; i < 1000 && o.n.IsAlive(o.n.Spawn(func(q *node.Proc) { q.Receive() })); i++ {
			time.Sleep(time.Millisecond) // until a spawn no longer runs
		}
		guard(c, p.Self())
	})
	select {
	case <-c.done:
	case <-time.After(wait):
		t.Fatal("a guard spawned while the node stopped did not close its socket")
	}
}

// closer is an io.Closer that tells when it is closed.
type closer struct {
	once sync.Once
	done chan struct{}
}

func (c *closer) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}
