package code_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// TestCallbackPanic: a panic in an interpreted callback ends that process
// alone; the caller gets an error; the log says where in the module.
func TestCallbackPanic(t *testing.T) {
	dir := t.TempDir()
	n, s, log := start(t, code.Options{})
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
	if !strings.Contains(log.String(), "panic in module code") || !strings.Contains(log.String(), "kv.go:") {
		t.Errorf("log lacks the module position of the panic:\n%s", log)
	}
}
