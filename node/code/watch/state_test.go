package watch_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/watch"
)

// codeChange migrates a kv state to a copy marked with the version it
// came from, and fails on a state holding "bad". It copies: the old state
// must stay as it was should another server's migration fail.
const codeChange = `
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	m := state.(map[string]any)
	if m["bad"] != nil {
		return nil, errors.New("cannot migrate a bad state")
	}
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	out["from"] = oldVsn
	return out, nil
}
`

func kvWithCodeChange(vsn string) string {
	return strings.Replace(kvSrc(vsn, codeChange), `import "github.com/gexdev/gex/node"`,
		"import (\n\t\"errors\"\n\n\t\"github.com/gexdev/gex/node\"\n)", 1)
}

func (f *fixture) state(pid node.PID) map[string]any {
	f.t.Helper()
	st, err := f.n.Sys().GetState(pid)
	if err != nil {
		f.t.Fatal(err)
	}
	return st.(map[string]any)
}

// TestReportMode: by default the servers run the new code on the old
// state, and the event says so with the commands that migrate them; a
// save that keeps Vsn keeps the state as it is.
func TestReportMode(t *testing.T) {
	f := newFixture(t, watch.Options{}, map[string]string{"kv.go": kvWithCodeChange("0")}, "kv")
	a := f.startServer("kv")
	b, err := f.n.StartServer("kv", nil, node.Named("Store"))
	check(t, err)

	f.write("kv.go", kvWithCodeChange("1"))
	ev := f.next()
	m := ev.Modules[0]
	if ev.Outcome != watch.Loaded || m.State != watch.StateStale || len(m.Servers) != 2 || m.Procs() != 2 {
		t.Fatalf("vsn 0 → 1 with two servers: %+v", ev)
	}
	id := fmt.Sprintf(`pid("0.%d.0")`, a.ID())
	want := []string{
		":sys.suspend " + id, ":sys.change_code " + id + `, kv, "0", nil`, ":sys.resume " + id,
		":sys.suspend Store", `:sys.change_code Store, kv, "0", nil`, ":sys.resume Store",
	}
	if !slices.Equal(m.Commands, want) {
		t.Fatalf("commands:\n%s\nwant:\n%s", strings.Join(m.Commands, "\n"), strings.Join(want, "\n"))
	}
	line := fmt.Sprintf(`watch: reloaded kv "0" → "1", 2 processes run it on vsn "0" state; migrate: %s (likewise %v)`,
		strings.Join(want[:3], "; "), b)
	if ev.String() != line {
		t.Fatalf("event line:\n%s\nwant:\n%s", ev, line)
	}
	if f.state(a)["from"] != nil || f.call(a, "vsn") != "1" {
		t.Fatal("report mode migrated the state")
	}
	// The commands work, as a console would run them.
	sys := f.n.Sys()
	check(t, sys.Suspend(a))
	check(t, sys.ChangeCode(a, "kv", "0", nil))
	check(t, sys.Resume(a))
	if f.state(a)["from"] != "0" {
		t.Fatalf("after the commands: state %v", f.state(a))
	}

	f.write("kv.go", kvWithCodeChange("1")+"\n// a comment: same Vsn\n")
	ev = f.next()
	if m := ev.Modules[0]; ev.Outcome != watch.Loaded || m.OldVsn != "1" || m.Vsn != "1" || m.State != watch.StateStale ||
		!slices.Equal(m.Commands, want[3:]) || ev.String() != `watch: reloaded kv (vsn "1" unchanged), `+
		`1 process runs it on vsn "0" state; migrate: `+strings.Join(want[3:], "; ") {
		// a is on vsn 1 state now; Store still on vsn 0.
		t.Fatalf("same Vsn, one server migrated and one not: %v", ev)
	}
	check(t, sys.Suspend(b))
	check(t, sys.ChangeCode(b, "kv", "0", nil))
	check(t, sys.Resume(b))
	f.write("kv.go", kvWithCodeChange("1")+"\n// another comment\n")
	ev = f.next()
	if m := ev.Modules[0]; m.State != watch.StateKept || len(m.Commands) != 0 ||
		ev.String() != `watch: reloaded kv (vsn "1" unchanged), 2 processes run it, state kept` {
		t.Fatalf("same Vsn, servers on it: %v", ev)
	}
}

// TestMigrateMode: every server is migrated with the new CodeChange; if
// one fails, none is, and every server keeps its old code and state.
func TestMigrateMode(t *testing.T) {
	f := newFixture(t, watch.Options{Mode: watch.Migrate}, map[string]string{"kv.go": kvWithCodeChange("0")}, "kv")
	pids := []node.PID{f.startServer("kv"), f.startServer("kv"), f.startServer("kv")}
	for i, pid := range pids {
		f.call(pid, "put", "n", i)
	}

	f.write("kv.go", kvWithCodeChange("1"))
	ev := f.next()
	if m := ev.Modules[0]; ev.Outcome != watch.Loaded || m.State != watch.StateMigrated || len(m.Servers) != 3 ||
		ev.String() != `watch: reloaded kv "0" → "1", migrated the state of 3 processes` {
		t.Fatalf("migrate 0 → 1: %v", ev)
	}
	for i, pid := range pids {
		if st := f.state(pid); st["from"] != "0" || st["n"] != i || f.call(pid, "vsn") != "1" {
			t.Fatalf("server %d after migration: state %v", i, st)
		}
		if in, _ := f.n.Info(pid); in.Vsn != "1" || in.Status != node.Waiting {
			t.Fatalf("server %d: %+v", i, in)
		}
	}

	f.call(pids[1], "put", "bad", true)
	before := make([]map[string]any, len(pids))
	for i, pid := range pids {
		before[i] = f.state(pid)
	}
	f.write("kv.go", kvWithCodeChange("2"))
	ev = f.next()
	m := ev.Modules[0]
	var cce *node.CodeChangeError
	if ev.Outcome != watch.MigrateFailed || m.State != watch.StateUntouched || !errors.As(ev.Err, &cce) ||
		!slices.Equal(m.Failed, []node.PID{pids[1]}) {
		t.Fatalf("a failing CodeChange: %+v", ev)
	}
	if !strings.HasPrefix(ev.String(), `watch: kv "1" → "2" not loaded: `) ||
		!strings.Contains(ev.String(), pids[1].String()) || !strings.Contains(ev.String(), "cannot migrate a bad state") ||
		!strings.HasSuffix(ev.String(), "; every process (3) keeps its old code and state") {
		t.Fatalf("event line: %s", ev)
	}
	if f.vsn("kv") != "1" {
		t.Fatalf("kv is vsn %s after a failed migration", f.vsn("kv"))
	}
	for i, pid := range pids {
		if st := f.state(pid); !reflect.DeepEqual(st, before[i]) || f.call(pid, "vsn") != "1" {
			t.Fatalf("server %d after a failed migration: state %v, was %v", i, st, before[i])
		}
		if in, _ := f.n.Info(pid); in.Vsn != "1" || in.Status == node.Suspended {
			t.Fatalf("server %d after a failed migration: %+v", i, in)
		}
	}

	// Fixed (the bad state is let through): the pending save loads.
	f.write("kv.go", strings.Replace(kvWithCodeChange("2"), `return nil, errors.New("cannot migrate a bad state")`, `_ = errors.New`, 1))
	if ev := f.next(); ev.Outcome != watch.Loaded || ev.Modules[0].State != watch.StateMigrated {
		t.Fatalf("fixed CodeChange: %v", ev)
	}
	for _, pid := range pids {
		if st := f.state(pid); st["from"] != "1" {
			t.Fatalf("after the fixed migration: %v", st)
		}
	}
}

// TestNoSurprisePurge: a save that would purge a version processes still
// run is held, and says which would die; it loads once they end, or when
// forced, which kills them.
func TestNoSurprisePurge(t *testing.T) {
	for _, mode := range []watch.Mode{watch.Report, watch.Migrate} {
		t.Run(mode.String(), func(t *testing.T) {
			f := newFixture(t, watch.Options{Mode: mode}, map[string]string{"loop.go": fmt.Sprintf(loopSrc, "1")}, "loop")
			start := fn[func() node.PID](t, f.cs, "loop", "Start")
			p1 := start()

			f.write("loop.go", fmt.Sprintf(loopSrc, "2"))
			if ev := f.next(); ev.Outcome != watch.Loaded ||
				ev.String() != `watch: reloaded loop "1" → "2", 1 process runs spawned by its code, each on its version` {
				t.Fatalf("second version: %v", ev)
			}
			f.write("loop.go", fmt.Sprintf(loopSrc, "3"))
			ev := f.next()
			if m := ev.Modules[0]; ev.Outcome != watch.Held || !slices.Equal(m.Lingering, []node.PID{p1}) || m.PurgedVsn != "1" {
				t.Fatalf("third version: %+v", ev)
			}
			want := fmt.Sprintf(`watch: loop "2" → "3" held: loading would purge loop vsn "1", killing %v, which still runs it; it loads once that ends, or force it`, p1)
			if ev.String() != want {
				t.Fatalf("event line:\n%s\nwant\n%s", ev, want)
			}
			if !f.n.IsAlive(p1) || f.vsn("loop") != "2" {
				t.Fatal("the held load killed or loaded")
			}
			f.write("loop.go", fmt.Sprintf(loopSrc, "4")) // saved again: still held
			if ev := f.next(); ev.Outcome != watch.Held || ev.Modules[0].Vsn != "4" {
				t.Fatalf("saved again while held: %v", ev)
			}

			// p1 ends: the held save loads by itself.
			check(t, f.n.Send(p1, "stop"))
			if ev := f.next(); ev.Outcome != watch.Loaded || ev.Modules[0].Vsn != "4" || f.vsn("loop") != "4" {
				t.Fatalf("after the lingering process ended: %v", ev)
			}

			p4 := start()
			f.write("loop.go", fmt.Sprintf(loopSrc, "5"))
			f.next()
			f.write("loop.go", fmt.Sprintf(loopSrc, "6"))
			if ev := f.next(); ev.Outcome != watch.Held {
				t.Fatalf("vsn 6 over lingering vsn 4: %v", ev)
			}
			check(t, f.w.Force())
			ev = f.next()
			if m := ev.Modules[0]; ev.Outcome != watch.Loaded || !slices.Equal(m.Killed, []node.PID{p4}) || m.PurgedVsn != "4" {
				t.Fatalf("forced: %+v", ev)
			}
			if !strings.HasSuffix(ev.String(), fmt.Sprintf(`, purged vsn "4" killing %v`, p4)) || f.n.IsAlive(p4) {
				t.Fatalf("forced: %s; p4 alive %v", ev, f.n.IsAlive(p4))
			}
			if err := f.w.Force(); !errors.Is(err, watch.ErrNothingHeld) {
				t.Fatalf("Force with nothing held: %v", err)
			}
		})
	}
}
