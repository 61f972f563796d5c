package watch_test

import (
	"errors"
	"testing"

	"github.com/gexdev/gex/node/code/watch"
)

// TestEventLines: the one line of each kind of event not rendered by the
// other tests.
func TestEventLines(t *testing.T) {
	for _, c := range []struct {
		ev   watch.Event
		want string
	}{
		{watch.Event{Outcome: watch.Loaded, Modules: []watch.Module{{Name: "kv", OldVsn: "0", Vsn: "1"}}},
			`watch: reloaded kv "0" → "1"`},
		{watch.Event{Outcome: watch.Loaded, Modules: []watch.Module{{Name: "a",
			OldVsn: "0217b5a92b80ff348c9ce3fb7e5cd57b", Vsn: "f9b8b10a8f70bff1144d6c4f790ad141"}}},
			`watch: reloaded a "0217b5a9…" → "f9b8b10a…"`},
		{watch.Event{Outcome: watch.Loaded, Modules: []watch.Module{
			{Name: "a", OldVsn: "1", Vsn: "1"}, {Name: "kv", OldVsn: "0", Vsn: "1"}}},
			`watch: reloaded a (vsn "1" unchanged); kv "0" → "1"`},
		{watch.Event{Outcome: watch.CompileFailed, Modules: []watch.Module{{Name: "a", OldVsn: "1"}, {Name: "kv", OldVsn: "0"}},
			Err: errors.Join(errors.New("/src/a.go:3:9: undefined: x"), errors.New("/src/kv.go:7:1: expected declaration\n\tmore"))},
			`watch: not reloaded, a "1", kv "0" keep running: /src/a.go:3:9: undefined: x; /src/kv.go:7:1: expected declaration; more`},
		{watch.Event{Outcome: watch.Loaded, Modules: []watch.Module{{Name: "kv", OldVsn: "0", Vsn: "1", State: watch.StateStale}}},
			`watch: reloaded kv "0" → "1", its servers on old state`},
		{watch.Event{Outcome: watch.Outcome(9)}, `watch: outcome(9)`},
	} {
		if got := c.ev.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if watch.Loaded.String() != "loaded" || watch.Held.String() != "held" || watch.StateMigrated.String() != "migrated" {
		t.Error("names of outcomes and states")
	}
}

// TestFlag: --watch, --watch=migrate, and what they pass on.
func TestFlag(t *testing.T) {
	for _, c := range []struct {
		in   string
		on   bool
		mode watch.Mode
		args []string
	}{
		{"true", true, watch.Report, []string{"--watch=report"}},
		{"migrate", true, watch.Migrate, []string{"--watch=migrate"}},
		{"report", true, watch.Report, []string{"--watch=report"}},
		{"false", false, watch.Report, nil},
	} {
		var f watch.Flag
		if err := f.Set(c.in); err != nil || f.On != c.on || f.Mode != c.mode || len(f.Args()) != len(c.args) ||
			(len(c.args) > 0 && f.Args()[0] != c.args[0]) {
			t.Errorf("Set(%q): %+v, %v; args %v", c.in, f, err, f.Args())
		}
	}
	var f watch.Flag
	if err := f.Set("sometimes"); !errors.Is(err, watch.ErrBadMode) {
		t.Errorf("Set(sometimes): %v", err)
	}
}
