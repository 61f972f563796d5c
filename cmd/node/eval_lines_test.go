package main

import (
	"path/filepath"
	"testing"
)

// TestEvalLineOfStatements: node eval shows the value of a line's last
// statement, as the console does, and pid's result is a PID argument.
func TestEvalLineOfStatements(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "evallines", dir)
	for src, want := range map[string]string{
		"a := 1; b := 2; a + b":                             "3\n",
		"var m = map[string]int{}; m[\"a\"] = 1; m":         "map[string]int{\"a\": 1}\n",
		"func() (int, any, error) { return 1, nil, nil }()": "1, nil\n",
	} {
		if out, errOut, status := d.node("eval", src); status != 0 || out != want {
			t.Errorf("eval %s: status %d, %q (%q), want %q", src, status, out, errOut, want)
		}
	}
}
