package tutorials

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTutorials plays every page in this directory against the real node
// command, as a reader would type it, in a fresh copy of the repository.
func TestTutorials(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no tutorial pages: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pages {
		t.Run(strings.TrimSuffix(name, ".md"), func(t *testing.T) {
			text, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := parsePage(name, string(text))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			copyTree(t, root, dir)
			bin := t.TempDir()
			rundir, err := os.MkdirTemp("", "gexrt") // short: socket paths have a limit
			if err != nil {
				t.Fatal(err)
			}
			r := newRunner(t, dir, bin, rundir)
			t.Cleanup(func() { stopNodes(r); r.closeShell(); os.RemoveAll(rundir) })
			r.run(p)
		})
	}
}

// stopNodes stops the daemons a page started and left running.
func stopNodes(r *runner) {
	socks, _ := filepath.Glob(filepath.Join(r.envValue("GEX_RUNTIME_DIR"), "*.sock"))
	for _, s := range socks {
		name := strings.TrimSuffix(filepath.Base(s), ".sock")
		cmd := exec.Command(filepath.Join(r.bin, "node"), "stop", "--name", name)
		cmd.Env = r.env
		cmd.Run()
	}
}

func (r *runner) envValue(key string) string {
	for i := len(r.env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(r.env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
