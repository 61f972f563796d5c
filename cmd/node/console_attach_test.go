package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAttachToConsole: node console serves its socket too; a second
// terminal attaches with its own session, and node stop ends the console.
func TestAttachToConsole(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	rundir, err := os.MkdirTemp("", "gexrt")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	d := &daemon{t: t, name: "con", rundir: rundir,
		env: []string{"GEX_RUNTIME_DIR=" + rundir, "HOME=" + rundir, "XDG_STATE_HOME=", "GEX_HISTORY=", "NO_COLOR=1"}}
	con := startTerminal(t, d.env, "console", dir, "--name", "con")
	con.expect(`gex\(con@[^)]+\)1> `)
	con.typ("x := 1\r")
	con.expect(`\)2> `)

	att := d.attach()
	att.expect(`Attached to node con@`)
	att.expect(`gex\(con@[^)]+\)1> `)
	att.typ("x\r")
	att.expect(`undefined: x`)
	att.leave()

	out, errOut, status := d.node("stop")
	if status != 0 || !strings.Contains(out, "stopped") {
		t.Fatalf("stop: %d %q %q", status, out, errOut)
	}
	select {
	case <-con.done:
	case <-time.After(10 * time.Second):
		t.Fatal("node console did not end on node stop")
	}
	if err := con.cmd.Wait(); err != nil {
		t.Errorf("node console exited with %v", err)
	}
	if _, err := os.Stat(d.file(".sock")); !os.IsNotExist(err) {
		t.Errorf("socket left: %v", err)
	}
}
