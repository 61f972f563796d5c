package code_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// TestCallbackPanic: a panic in an interpreted callback ends that process
// alone; the caller gets an error; the log says where in the module.
func TestCallbackPanic(t *testing.T) { forTiers(t, testCallbackPanic) }

func testCallbackPanic(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, log := startTier(t, tier)
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("1", `
func boom() { panic("boom") }
`))))
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", strings.Replace(kvSrc("2", `
func boom() { panic("boom") }
`), `case "vsn":`, "case \"boom\":\n\t\tboom()\n\tcase \"vsn\":", 1))))
	victim := must[node.PID](t)(n.StartServer("kv", nil))
	other := must[node.PID](t)(n.StartServer("kv", nil))
	exit := exitOf(t, n, victim)

	if _, err := n.Call(victim, []any{"boom"}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("call that panics: %v", err)
	}
	if reason := <-exit; !strings.Contains(fmt.Sprint(reason), "boom") {
		t.Fatalf("exit reason %v", reason)
	}
	if v, err := n.Call(other, []any{"vsn"}); v != "2" || err != nil {
		t.Fatalf("other server: %v, %v", v, err)
	}
	// The interpreter reports the module's frames; a native version's
	// are in the Go stack of the crash report.
	if tier == code.Interpreted && !strings.Contains(log.String(), "panic in module code") || !strings.Contains(log.String(), "kv.go:") {
		t.Errorf("log lacks the module position of the panic:\n%s", log)
	}
}

// TestAfterFuncPanic: go statements are refused because a panic in a
// goroutine the node did not start kills the node. The function a module
// gives time.AfterFunc runs in a process instead, so that a panic there
// ends that process alone. Run in a child process, since a regression does
// kill the test binary.
func TestAfterFuncPanic(t *testing.T) { forTiers(t, testAfterFuncPanic) }

func testAfterFuncPanic(t *testing.T, tier code.Tier) {
	if os.Getenv("GEX_AFTERFUNC_CHILD") == "1" {
		dir := t.TempDir()
		_, s, _ := startTier(t, tier)
		must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "tick.go", `package tick

import "time"

func init() { time.AfterFunc(0, func() { panic("boom") }) }
`)))
		time.Sleep(300 * time.Millisecond)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAfterFuncPanic$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GEX_AFTERFUNC_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		first, _, _ := strings.Cut(string(out), "\n\n")
		t.Fatalf("a module's time.AfterFunc callback panicked and the node died (%v):\n%s", err, first)
	}
}
