package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gexdev/gex/node/release"
)

func TestReleaseCommandLine(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		args        []string
		status      int
		out, errOut string
	}{
		{[]string{"release", "--help"}, exitOK, "Usage: node release [init] [NAME]", ""},
		{[]string{"release", "--project", empty}, exitFail, "", "no gex.toml in " + empty + ": node release init writes a commented one"},
		{[]string{"release", "a", "b"}, exitUsage, "", "one release name, not 2"},
		{[]string{"release", "--upfrom", "0.1.0"}, exitUsage, "", "--upfrom goes with --upgrade"},
		{[]string{"new"}, exitUsage, "", "want one project name"},
		{[]string{"new", "Bad-Name"}, exitUsage, "", "a project name is a lower-case Go package name"},
		{[]string{"new", "x"}, exitUsage, "", "give --gex DIR"},
		{[]string{"help", "new"}, exitOK, "Usage: node new NAME [--gex DIR]", ""},
	}
	for _, tt := range tests {
		e, out, errOut := testEnv("")
		if got := run(e, tt.args); got != tt.status {
			t.Errorf("node %q: status %d, want %d (stderr %q)", tt.args, got, tt.status, errOut)
		}
		if !strings.Contains(out.String(), tt.out) || !strings.Contains(errOut.String(), tt.errOut) {
			t.Errorf("node %q: stdout %q stderr %q, want %q and %q", tt.args, out, errOut, tt.out, tt.errOut)
		}
	}
}

func TestReleaseInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop")
	os.MkdirAll(filepath.Join(dir, "lib", "cart"), 0o755)
	os.MkdirAll(filepath.Join(dir, "lib", "stock"), 0o755)
	e, out, errOut := testEnv("")
	if got := run(e, []string{"release", "init", "--project", dir}); got != exitOK {
		t.Fatalf("release init: %d %s", got, errOut)
	}
	if !strings.Contains(out.String(), "wrote ") {
		t.Fatalf("release init said %q", out)
	}
	cfg, err := release.ReadConfig(dir)
	if err != nil {
		t.Fatalf("the written gex.toml: %v", err)
	}
	r, _, err := cfg.Release("", "prod")
	if err != nil || r.Name != "shop" || r.Version != "0.1.0" || strings.Join(r.Modules, " ") != "lib/cart lib/stock" {
		t.Fatalf("release %+v %v", r, err)
	}
	e, _, errOut = testEnv("")
	if got := run(e, []string{"release", "init", "--project", dir}); got != exitFail || !strings.Contains(errOut.String(), "exists") {
		t.Fatalf("a second init: %d %q", got, errOut)
	}
}
