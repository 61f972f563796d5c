package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// testEnv returns an env whose output is captured and whose input is in.
func testEnv(in string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &env{
		stdin:  strings.NewReader(in),
		stdout: &out,
		stderr: &errOut,
		getenv: func(string) string { return "" },
		notify: func(chan<- os.Signal, ...os.Signal) func() { return func() {} },
	}, &out, &errOut
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args        []string
		status      int
		out, errOut string // substrings
	}{
		{nil, exitUsage, "", "Usage:"},
		{[]string{"--help"}, exitOK, "console ", ""},
		{[]string{"help"}, exitOK, "The commands are:", ""},
		{[]string{"help", "console"}, exitOK, "Usage: node console [DIR] [--name NAME]", ""},
		{[]string{"console", "--help"}, exitOK, "--name NAME", ""},
		{[]string{"console", "-h"}, exitOK, "--name NAME", ""},
		{[]string{"bogus"}, exitUsage, "", `unknown command "bogus"`},
		{[]string{"help", "bogus"}, exitUsage, "", `unknown command "bogus"`},
		{[]string{"console", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus\nRun 'node console --help' for usage."},
		{[]string{"console", "--name"}, exitUsage, "", "flag needs an argument: -name"},
		{[]string{"console", "a", "b"}, exitUsage, "", "one directory, not 2: a b"},
		{[]string{"console", "/nonexistent/dir"}, exitFail, "", "no such directory: /nonexistent/dir"},
		{[]string{"console", "cli.go"}, exitFail, "", "not a directory: cli.go"},
	}
	for _, tt := range tests {
		e, out, errOut := testEnv("")
		if got := run(e, tt.args); got != tt.status {
			t.Errorf("node %q: status %d, want %d (stderr %q)", tt.args, got, tt.status, errOut)
		}
		if !strings.Contains(out.String(), tt.out) {
			t.Errorf("node %q: stdout %q lacks %q", tt.args, out, tt.out)
		}
		if !strings.Contains(errOut.String(), tt.errOut) {
			t.Errorf("node %q: stderr %q lacks %q", tt.args, errOut, tt.errOut)
		}
	}
}

func TestConsoleInProcess(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/hello.go", []byte("package hello\n\nconst Vsn = \"7\"\n\nfunc Hi() string { return \"hi\" }\n"), 0o644)
	os.WriteFile(dir+"/broken.go", []byte("package broken\n\nfunc (\n"), 0o644)
	e, out, errOut := testEnv("hello.Hi()\nnode.Name(\"x\")\n")
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(rundir)
	e.getenv = func(k string) string {
		switch k {
		case "GEX_HISTORY":
			return dir + "/history"
		case "GEX_RUNTIME_DIR":
			return rundir
		}
		return ""
	}
	// The flag comes after the directory, which package flag alone
	// would not read.
	if got := run(e, []string{"console", dir, "--name", "t1"}); got != exitOK {
		t.Fatalf("status %d; stderr:\n%s", got, errOut)
	}
	for _, want := range []string{"Gex console on node t1@", `Loaded from ` + dir + `: hello "7"`, "\"hi\"\n", `node.Name("x")`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut.String(), "warning: module broken not loaded") {
		t.Errorf("stderr does not report the broken module:\n%s", errOut)
	}
}
