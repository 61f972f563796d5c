package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// copyKV copies examples/kv to a temp dir and returns it, with the path of
// its version 1 source.
func copyKV(t *testing.T) (dir string, v1 []byte) {
	t.Helper()
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/kv")); err != nil {
		t.Fatal(err)
	}
	v1, err := os.ReadFile(filepath.Join(dir, "v1", "kv.go"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, v1
}

// TestConsoleWatch: node console --watch reloads kv.go when it is saved,
// without r KV; the console says what it did and the server, its state
// kept, runs the new code.
func TestConsoleWatch(t *testing.T) {
	dir, v1 := copyKV(t)
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	term := startTerminal(t, []string{"HOME=" + t.TempDir(), "NO_COLOR=1", "XDG_STATE_HOME=", "GEX_HISTORY=", "GEX_RUNTIME_DIR=" + rundir},
		"console", dir, "--name", "watched", "--watch")
	term.expect(`gex\(watched@[^)]+\)1> `)
	term.typ("kv.StartLink()\r")
	term.expect(`\)2> `)
	term.typ("kv.Put(\"a\", 42)\r")
	term.expect(`\)3> `)

	if err := os.WriteFile(filepath.Join(dir, "kv.go"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	term.expect(regexp.QuoteMeta(`watch: reloaded kv "0" → "1", 1 process runs it on vsn "0" state; migrate: :sys.suspend KV; :sys.change_code KV, kv, "0", nil; :sys.resume KV`))
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

// TestDaemonWatchLog: node start --watch=migrate passes the flag to the
// daemon, which reloads saved modules and writes each event's line to its
// log.
func TestDaemonWatchLog(t *testing.T) {
	dir, v1 := copyKV(t)
	rundir, err := os.MkdirTemp("", "gexrt")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{t: t, name: "watchd", rundir: filepath.Join(rundir, "gex"),
		env: []string{"GEX_RUNTIME_DIR=" + filepath.Join(rundir, "gex"), "HOME=" + rundir, "XDG_STATE_HOME=", "GEX_HISTORY="}}
	t.Cleanup(func() {
		d.node("stop")
		os.RemoveAll(rundir)
	})
	if out, errOut, status := d.node("start", dir, "--watch=migrate"); status != 0 {
		t.Fatalf("node start --watch=migrate: status %d\n%s%s", status, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "kv.go"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, _ := os.ReadFile(d.file(".log"))
		if strings.Contains(string(log), `msg="watch: reloaded kv \"0\" → \"1\""`) {
			if !strings.Contains(string(log), "mode=migrate") {
				t.Fatalf("the log does not say the mode:\n%s", log)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reload in the daemon's log:\n%s", log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if out, errOut, status := d.node("eval", "kv.Vsn"); status != 0 || out != "\"1\"\n" {
		t.Fatalf("eval kv.Vsn after the save: status %d, %q, %q", status, out, errOut)
	}
}
