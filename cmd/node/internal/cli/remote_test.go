package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/shell/attach"
)

// remoteEnv is a testEnv whose runtime directory is dir.
func remoteEnv(dir string) (*env, *strings.Builder, *strings.Builder) {
	e, _, _ := testEnv("")
	var out, errOut strings.Builder
	e.stdout, e.stderr = &out, &errOut
	e.getenv = func(k string) string {
		if k == "GEX_RUNTIME_DIR" {
			return dir
		}
		return ""
	}
	return e, &out, &errOut
}

// TestForegroundInProcess runs node foreground in this process and drives
// it with the other commands: ping, pid, eval, stop.
func TestForegroundInProcess(t *testing.T) {
	rundir, err := os.MkdirTemp("", "gexcli")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	mods := t.TempDir()
	os.WriteFile(filepath.Join(mods, "hello.go"), []byte("package hello\n\nfunc Hi() string { return \"hi\" }\n"), 0o644)

	fg, _, fgErr := remoteEnv(rundir)
	done := make(chan int, 1)
	go func() { done <- run(fg, []string{"foreground", mods, "--name", "fg"}) }()

	cmd := func(args ...string) (string, string, int) {
		e, out, errOut := remoteEnv(rundir)
		status := run(e, append(args, "--name", "fg"))
		return out.String(), errOut.String(), status
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if out, _, _ := cmd("ping"); out == "pong\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node foreground never answered; its log:\n%s", fgErr.String())
		}
	}
	if out, _, _ := cmd("pid"); out != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("pid: %q", out)
	}
	if out, errOut, status := cmd("eval", "hello.Hi()"); status != exitOK || out != "\"hi\"\n" {
		t.Errorf("eval: status %d, %q, %q", status, out, errOut)
	}
	if _, _, status := cmd("eval", "nope"); status != exitFail {
		t.Errorf("failing eval: status %d", status)
	}
	out, errOut, status := cmd("stop")
	if status != exitOK || !strings.HasPrefix(out, "node fg@") || !strings.Contains(out, " stopped (pid ") {
		t.Errorf("stop: status %d, %q, %q", status, out, errOut)
	}
	select {
	case status := <-done:
		if status != exitOK {
			t.Errorf("foreground: status %d\n%s", status, fgErr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("foreground did not return after stop")
	}
	if left, _ := filepath.Glob(filepath.Join(rundir, "fg@*")); len(left) != 0 {
		t.Errorf("left after stop: %v", left)
	}
	if _, errOut, status := cmd("ping"); status != exitFail || !strings.Contains(errOut, "is not running") {
		t.Errorf("ping after stop: status %d, %q", status, errOut)
	}
}

func TestRemoteUsage(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		out    string // substring of stdout+stderr
	}{
		{[]string{"ping", "extra"}, exitUsage, "want 0 arguments, got 1"},
		{[]string{"eval"}, exitUsage, "want 1 arguments, got 0"},
		{[]string{"attach", "--name", "a/b"}, exitUsage, `bad node name "a/b@`},
		{[]string{"stop", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"start", "/nonexistent/dir"}, exitFail, "no such directory: /nonexistent/dir"},
		{[]string{"foreground", "a", "b"}, exitUsage, "one directory, not 2"},
		{[]string{"foreground", "--max-sessions", "0"}, exitUsage, "--max-sessions 0: want at least 1"},
		{[]string{"version"}, exitOK, "(attach protocol " + strconv.Itoa(attach.ProtocolVersion) + ")"},
		{[]string{"help", "attach"}, exitOK, "detaches and leaves the node running"},
		{[]string{"eval", "--help"}, exitOK, "Usage: node eval [--name NAME] EXPR"},
	}
	for _, tt := range tests {
		e, out, errOut := remoteEnv(t.TempDir())
		if got := run(e, tt.args); got != tt.status {
			t.Errorf("node %q: status %d, want %d (stderr %q)", tt.args, got, tt.status, errOut)
		}
		if all := out.String() + errOut.String(); !strings.Contains(all, tt.out) {
			t.Errorf("node %q: output %q lacks %q", tt.args, all, tt.out)
		}
	}
}
