package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestConsoleCyclicAndDeepState: a state that holds itself, or is nested
// millions deep, is asked for at the console with :sys.get_state and
// :sys.get_status (issue 9.1: the node died of a stack overflow). The
// cyclic one is printed, the deep one refused with a clear error, and the
// node and its KV server live on.
func TestConsoleCyclicAndDeepState(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/kv")
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	term := startTerminal(t, []string{"HOME=" + t.TempDir(), "NO_COLOR=1", "XDG_STATE_HOME=", "GEX_HISTORY=", "GEX_RUNTIME_DIR=" + rundir},
		"console", dir, "--name", "kv")

	term.expect(`\)1> `)
	term.typ("kv.StartLink()\r")
	term.expect(`#PID<0\.\d+\.0>`)
	term.expect(`\)2> `)
	term.typ("m := map[string]any{}\r")
	term.expect(`\)3> `)
	term.typ("m[\"m\"] = m\r")
	term.expect(`\)4> `)
	term.typ("kv.Put(\"x\", m)\r")
	term.expect(`:ok`)
	term.expect(`\)5> `)
	term.typ(":sys.get_state KV\r")
	term.expect(`map\[any\]any\{"x": map\[string\]any\{"m": <cycle>\}\}`)
	term.expect(`\)6> `)
	term.typ(":sys.get_status KV\r")
	term.expect(`State`)
	term.expect(`\)7> `)

	term.typ("var deep any\r")
	term.expect(`\)8> `)
	term.typ("for i := 0; i < 3000000; i++ { deep = []any{deep} }\r")
	term.expect(`\)9> `)
	term.typ("kv.Put(\"deep\", deep)\r")
	term.expect(`:ok`)
	term.expect(`\)10> `)
	term.typ(":sys.get_state KV\r")
	term.expect(`\*\* \(error\) .*value nested too deeply to copy`)
	term.expect(`\)11> `)
	term.typ(":sys.get_status KV\r")
	term.expect(`\*\* \(error\) .*value nested too deeply to copy`)
	term.expect(`\)12> `)
	term.typ("kv.Get(\"x\")\r")
	term.expect(`map\[string\]any\{"m": `)
	term.expect(`\)13> `)

	term.typ("\x04")
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		t.Fatal("node console did not exit after Ctrl-D")
	}
	if err := term.cmd.Wait(); err != nil {
		t.Fatalf("node console exited with %v", err)
	}
}
