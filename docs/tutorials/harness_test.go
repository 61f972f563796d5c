package tutorials

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShell checks that the reader's terminal keeps what a command leaves
// for the next one, and returns each command's output whole.
func TestShell(t *testing.T) {
	dir := t.TempDir()
	sh := startShell(t, dir, os.Environ())
	defer sh.close()
	for _, c := range []struct{ cmd, want string }{
		{"mkdir sub && cd sub", ""},
		{"pwd", filepath.Join(dir, "sub") + "\n"},
		{"printf 'no newline'", "no newline"},
		{"exec 3>out; echo kept >&3", ""},
		{"echo more >&3; exec 3>&-; cat out", "kept\nmore\n"},
		{"echo to stderr >&2; false", "to stderr\n"},
		{"x=42", ""},
		{`echo "$x"`, "42\n"},
	} {
		if got := sh.run(c.cmd); got != c.want {
			t.Errorf("%s: got %q, want %q", c.cmd, got, c.want)
		}
	}
}

// TestShellCloseEndsJobs checks that what a page left running in the
// background ends with its shell.
func TestShellCloseEndsJobs(t *testing.T) {
	sh := startShell(t, t.TempDir(), os.Environ())
	pid := strings.TrimSpace(sh.run("sleep 300 >/dev/null 2>&1 & echo $!"))
	sh.close()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("background job %s outlived its shell", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether process pid runs: it exists and is not a zombie
// waiting for init to reap it.
func alive(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z")
}

// TestMasks checks that only what varies is masked: durations and the
// page's home, not the numbers around them.
func TestMasks(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1 processes suspended for 52µs; took 18.228ms", "1 processes suspended for D; took D"},
		{"built in _build/prod/rel/hotcode (4.335s):", "built in _build/prod/rel/hotcode (D):"},
		{"took 1m2.5s", "took D"},
		{`map[string]any{"money": 700000}`, `map[string]any{"money": 700000}`},
		{"upgrade of hotcode 0.1.0 -> 0.2.0", "upgrade of hotcode 0.1.0 -> 0.2.0"},
		{"#PID<0.12.0>", "#PID<0.12.0>"},
	} {
		if got := mask(c.in); got != c.want {
			t.Errorf("mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := tildeHome("node upgrade: /tmp/x/home/octochat/relup:19: no", "/tmp/x/home"); got != "node upgrade: ~/octochat/relup:19: no" {
		t.Errorf("tildeHome: %q", got)
	}
}
