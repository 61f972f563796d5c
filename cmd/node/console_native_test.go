package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConsoleNativeTierUp: node console --native shows each module's
// switch to native code as it shows a reload, one line: after the first
// load, and after r of the saved source; the server's state is carried
// over to the native code.
func TestConsoleNativeTierUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	dir, v1 := copyKV(t)
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	// HOME stays: the go command's build cache, which native builds use, is under it.
	term := startTerminal(t, []string{"NO_COLOR=1", "XDG_STATE_HOME=", "GEX_HISTORY=", "GEX_RUNTIME_DIR=" + rundir},
		"console", dir, "--name", "tiered", "--native")
	term.expect(`gex\(tiered@[^)]+\)1> `)
	term.typ("kv.StartLink()\r")
	term.expect(`\)2> `)
	term.typ("kv.Put(\"a\", 42)\r")
	term.expect(`\)3> `)
	// A first native build on a machine compiles the runtime for plugins.
	if got := expectWithin(term, `tier-up: kv "0" [^\r\n]*`, 90*time.Second); !strings.HasPrefix(got, `tier-up: kv "0" runs native (built in `) {
		if strings.Contains(got, "native builds need cgo") || strings.Contains(got, "no Go toolchain") {
			t.Skipf("no native builds here: %s", got)
		}
		t.Fatalf("the tier-up said %q", got)
	}
	term.typ("i KV\r")
	term.expect(`Tier\r\n  native\r\n`)

	if err := os.WriteFile(filepath.Join(dir, "kv.go"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	term.typ("r KV\r")
	term.expect(regexp.QuoteMeta(`warning: redefining module KV`))
	expectWithin(term, regexp.QuoteMeta(`tier-up: kv "1" runs native (built in `), 30*time.Second)
	term.typ(":code.which KV\r")
	term.expect(regexp.QuoteMeta(`kv.go (native)"`))
	term.typ("kv.Get(\"a\")\r")
	term.expect(`Handling get request`) // the new code
	term.expect(`\r\n42\r\n`)           // the old state
	term.typ("\x04")
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		t.Fatal("node console did not exit after Ctrl-D")
	}
}

// expectWithin is term.expect with a deadline of d.
func expectWithin(term *terminal, re string, d time.Duration) string {
	term.t.Helper()
	rx := regexp.MustCompile(re)
	for deadline := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		term.mu.Lock()
		text := term.out.String()
		if loc := rx.FindStringIndex(text[term.seen:]); loc != nil {
			match := text[term.seen+loc[0] : term.seen+loc[1]]
			term.seen += loc[1]
			term.mu.Unlock()
			return match
		}
		term.mu.Unlock()
		if time.Now().After(deadline) {
			term.t.Fatalf("no %q in the output; after the last match it is:\n%s", re, text[term.seen:])
		}
	}
}
