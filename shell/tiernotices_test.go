package shell

import (
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/native"
)

// TestSessionTierUpNotices: with tier-up on (node console --native),
// every session sees a module's switch to native code as one line, as it
// sees a reload, and i then says the module runs native.
func TestSessionTierUpNotices(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	dir, _ := kvDir(t)
	n, err := node.Start(node.Options{Name: "test@localhost", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	cs := code.New(n, code.Options{Path: []string{dir}, Native: native.New(native.Options{}), TierUp: true})
	t.Cleanup(cs.WaitTierUp)
	a := newTestSession(t, n, cs, SessionOptions{Dir: dir})
	b := newTestSession(t, n, cs, SessionOptions{Dir: dir})
	if out := sessionEval(t, a, `c "kv.go"`); strings.Contains(out, "error") {
		t.Fatalf("c \"kv.go\": %s", out)
	}
	for who, s := range map[string]*Session{"a": a, "b": b} {
		var got string
		select {
		case got = <-s.Notices():
		case <-time.After(90 * time.Second): // a first native build compiles the runtime
			t.Fatalf("%s: no tier-up notice", who)
		}
		if strings.Contains(got, "native builds need cgo") || strings.Contains(got, "no Go toolchain") {
			t.Skipf("no native builds here: %s", got)
		}
		if want := regexp.MustCompile(`^tier-up: kv "0" runs native \(built in \S+\)\n$`); !want.MatchString(got) {
			t.Errorf("%s: notice %q, want it to match %s", who, got, want)
		}
	}
	if out := sessionEval(t, b, "i KV"); !strings.Contains(out, "Tier\n  native\n") || !strings.Contains(out, "mapped, purged versions included") {
		t.Errorf("i KV after the tier-up:\n%s", out)
	}
	if out := sessionEval(t, b, ":code.which KV"); out != "\"kv.go (native)\"\n" {
		t.Errorf(":code.which KV after the tier-up: %q", out)
	}
}
