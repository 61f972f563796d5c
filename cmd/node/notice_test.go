package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// reloadedKV is the notice of the save of kv version 1 over version 0 while
// the KV server runs.
var reloadedKV = regexp.QuoteMeta(`watch: reloaded kv "0" → "1", 1 process runs it on vsn "0" state; migrate: :sys.suspend KV; :sys.change_code KV, kv, "0", nil; :sys.resume KV`)

// noticeWhileTyping starts KV on term's node, half types a line, saves
// kv.go as version 1, and checks that the notice comes at once, that the
// prompt and the half-typed line are drawn again below it, and that the
// line, finished, runs with the old state.
func noticeWhileTyping(t *testing.T, term *terminal, dir string, v1 []byte) {
	t.Helper()
	term.typ("kv.StartLink()\r")
	term.expect(`\)2> `)
	term.typ("kv.Put(\"a\", 42)\r")
	term.expect(`:ok`)
	term.expect(`\)3> `)
	term.typ(`kv.Get("a"`)
	term.expect(`kv\.Get\("a"`) // echoed: the line is being typed

	if err := os.WriteFile(filepath.Join(dir, "kv.go"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	// The line being typed is cleared, the notice printed, and below it the
	// prompt and the line as typed drawn again.
	term.expect(`\x1b\[2K\r` + reloadedKV + `\r\ngex\([^)]+\)3> kv\.Get\("a"`)
	term.typ(")\r")
	term.expect(`\r\n42\r\n`) // the old state
	term.expect(`\)4> `)
	term.typ("kv.Vsn\r")
	term.expect(`"1"`) // the new code
	term.expect(`\)5> `)
}

// TestAttachedNoticeWhileTyping: a daemon started with --watch reloads
// kv.go on save, and a console attached to it shows the notice while a
// line is half typed, without losing the line; the daemon's log has the
// same line and the new code ran.
func TestAttachedNoticeWhileTyping(t *testing.T) {
	dir, v1 := copyKV(t)
	d := startDaemon(t, "noticed", dir, "--watch")
	att := d.attach("NO_COLOR=1")
	att.expect(`gex\(noticed@[^)]+\)1> `)
	noticeWhileTyping(t, att, dir, v1)
	att.leave()

	log, err := os.ReadFile(d.file(".log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`msg="watch: reloaded kv \"0\" → \"1\"`, "KV: Handling get request"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the daemon's log lacks %s:\n%s", want, log)
		}
	}
}

// TestConsoleNoticeWhileTyping: the same in node console --watch, which
// shows each notice once, as its session's, not through its log.
func TestConsoleNoticeWhileTyping(t *testing.T) {
	dir, v1 := copyKV(t)
	rundir, err := os.MkdirTemp("", "gexrt")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	term := startTerminal(t, []string{"HOME=" + t.TempDir(), "NO_COLOR=1", "XDG_STATE_HOME=", "GEX_HISTORY=", "GEX_RUNTIME_DIR=" + rundir},
		"console", dir, "--name", "local", "--watch")
	term.expect(`Watching \S+ for saves, in report mode\r\n`)
	term.expect(`gex\(local@[^)]+\)1> `)
	noticeWhileTyping(t, term, dir, v1)
	term.typ("\x04")
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		t.Fatal("node console did not exit after Ctrl-D")
	}
	term.mu.Lock()
	out := term.out.String()
	term.mu.Unlock()
	if n := strings.Count(out, `watch: reloaded kv "0" → "1"`); n != 1 {
		t.Errorf("the reload is shown %d times, want once:\n%s", n, out)
	}
}

// TestAttachedWatchHelpers: in a console attached to a daemon started
// without --watch, watch starts live reload for the node; a save that
// does not compile is shown in that console with file:line:col while the
// old code runs on, and in the daemon's log; unwatch stops it.
func TestAttachedWatchHelpers(t *testing.T) {
	dir, _ := copyKV(t)
	d := startDaemon(t, "helped", dir)
	att := d.attach("NO_COLOR=1")
	att.expect(`gex\(helped@[^)]+\)1> `)
	att.typ("watch\r")
	att.expect(`watching \S+ for saves, in report mode: each save reloads, and every session says what it did\r\n`)
	att.expect(`\)2> `)
	att.typ("watch migrate\r")
	att.expect(`\*\* \(error\) already watching \S+ in report mode; unwatch, then watch migrate`)
	att.expect(`\)3> `)

	src, err := os.ReadFile(filepath.Join(dir, "kv.go"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "func Get(", "func Get(((", 1)
	if err := os.WriteFile(filepath.Join(dir, "kv.go"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	att.expect(`watch: not reloaded, kv "0" keeps running: \S*kv\.go:\d+:\d+: [^\r\n]+\r\n`)
	att.expect(`gex\([^)]+\)3> `) // the prompt drawn again
	att.typ(":code.all_loaded\r")
	att.expect(`map\[string\]string\{"kv": "0 \(interpreted\)"\}`)
	att.expect(`\)4> `)
	att.typ("unwatch\r")
	att.expect(`stopped watching \S+\r\n`)
	att.expect(`\)5> `)
	att.typ("unwatch\r")
	att.expect(`\*\* \(error\) not watching`)
	att.leave()

	log, err := os.ReadFile(d.file(".log"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`level=WARN msg="watch: not reloaded, kv \\"0\\" keeps running: \S*kv\.go:\d+:\d+: `).Match(log) {
		t.Errorf("the daemon's log lacks the compile error:\n%s", log)
	}
}

// TestConsoleLogWhileTyping: in node console, a log line that comes while
// a line is half typed is written as a notice is: the line being typed is
// cleared, the log line printed, and below it the prompt and the line as
// typed drawn again; the line, finished, runs.
func TestConsoleLogWhileTyping(t *testing.T) {
	rundir, err := os.MkdirTemp("", "gexrt")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	term := startTerminal(t, []string{"HOME=" + t.TempDir(), "NO_COLOR=1", "XDG_STATE_HOME=", "GEX_HISTORY=", "GEX_RUNTIME_DIR=" + rundir},
		"console", t.TempDir(), "--name", "logging")
	term.expect(`gex\(logging@[^)]+\)1> `)
	term.typ(`node.Spawn(func(p *node.Proc) { for i := 0; i < 200; i++ { node.Logger().Info("tick", "n", i); time.Sleep(20 * time.Millisecond) } })` + "\r")
	term.expect(`#PID<0\.\d+\.0>`)
	term.expect(`\)2> `)
	term.typ("40 +")
	term.expect(`40 \+`) // echoed: the line is being typed
	term.expect(`\x1b\[2K\r\d\d:\d\d:\d\d\.\d{3} \[info\] tick n=\d+\r\ngex\([^)]+\)2> 40 \+`)
	term.typ(" 2\r")
	term.expect(`\r\n42\r\n`)
	term.expect(`\)3> `)
}
