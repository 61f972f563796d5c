// Package examples holds the seeds' programs. Most are modules of this
// repository's Go module; hotcode and octochat are Gex projects, each a Go
// module of its own (go.mod with a replace of Gex to this checkout), as a
// user's project is. This test runs their tests, so that the repository's
// go test ./... covers them too, and vets their module code.
package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestProjects(t *testing.T) {
	mods, err := filepath.Glob("*/go.mod")
	if err != nil || len(mods) == 0 {
		t.Fatalf("no example projects: %v", err)
	}
	args := []string{"test", "-count=1"}
	if raceEnabled() {
		args = append(args, "-race")
	}
	if testing.Short() {
		args = append(args, "-short")
	}
	for _, mod := range mods {
		dir := filepath.Dir(mod)
		t.Run(dir, func(t *testing.T) {
			goIn(t, dir, "vet", "./...")
			t.Logf("%s", goIn(t, dir, append(args, "./...")...))
		})
	}
}

// goIn runs the go command in dir and returns what it printed.
func goIn(t *testing.T, dir string, args ...string) []byte {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", args[0], dir, err, out)
	}
	return out
}

// raceEnabled reports whether this test was built with -race: the
// projects' tests then are too.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
