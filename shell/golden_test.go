package shell

import (
	"bufio"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata from the session's output")

// promptLine matches a line of a transcript that the user typed: the
// prompt, then the input.
var promptLine = regexp.MustCompile(`^(gex\([^)]*\)\d+> |\.\.\.\(\d+\)> )(.*)$`)

// TestGolden replays each transcript in testdata: the lines after a
// prompt are typed into a session on a fresh node whose code path is a
// copy of the examples' modules, and what the session shows must be what the
// transcript shows. Lines beginning with "# " are comments; "#! cp A B"
// copies file A over B in the module directory, as a user editing a
// module would. With -update the transcripts are rewritten.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := replay(t, string(want))
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(want) {
				t.Errorf("transcript differs (go test -run TestGolden -update to accept):\n%s", diffLines(string(want), got))
			}
		})
	}
}

// replay runs the inputs of a transcript and returns the transcript the
// session gives.
func replay(t *testing.T, transcript string) string {
	dir := t.TempDir()
	copyExamples(t, dir)
	n, err := node.Start(node.Options{
		Name:   "test@localhost",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	cs := code.New(n, code.Options{Path: []string{dir}})
	s, err := NewSession(n, cs, SessionOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(transcript))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "#" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "#! "):
			out.WriteString(line + "\n")
			if cmd, ok := strings.CutPrefix(line, "#! "); ok {
				directive(t, dir, cmd)
			}
		case promptLine.MatchString(line):
			input := promptLine.FindStringSubmatch(line)[2]
			out.WriteString(s.Prompt() + input + "\n")
			var b strings.Builder
			s.Eval(context.Background(), input, &b)
			out.WriteString(stable(b.String(), dir))
		}
	}
	return out.String()
}

// unstable matches what changes from run to run: times, the memory
// figures of processes, and whether a process is running or waiting at
// the moment it is looked at.
var unstable = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\b\d+(\.\d)? (B|KiB|MiB)\b|\b(running|waiting)\b`)

// stable replaces the module directory and what unstable matches in
// output with placeholders.
func stable(out, dir string) string {
	out = strings.ReplaceAll(out, dir, "$DIR")
	return unstable.ReplaceAllStringFunc(out, func(s string) string {
		switch {
		case strings.Contains(s, ":"):
			return "$TIME"
		case s == "running" || s == "waiting":
			return "$STATUS"
		}
		return "$MEM"
	})
}

func directive(t *testing.T, dir, cmd string) {
	f := strings.Fields(cmd)
	switch {
	case len(f) == 3 && f[0] == "cp":
		data, err := os.ReadFile(filepath.Join(dir, f[1]))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f[2]), data, 0o644); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown directive %q", cmd)
	}
}

// diffLines shows the first lines where two transcripts part.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			end := min(i+6, len(g))
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n\ngot from there:\n" + strings.Join(g[i:end], "\n")
		}
	}
	return ""
}

// exampleModules are the files of examples/ a transcript's module directory
// holds, by their place there.
var exampleModules = map[string]string{
	"kv.go":             "../examples/kv/kv.go",
	"v1/kv.go":          "../examples/kv/v1/kv.go",
	"demo_server.go":    "../examples/demo_server/demo_server.go",
	"v2/demo_server.go": "../examples/demo_server/v2/demo_server.go",
}

func copyExamples(t *testing.T, dir string) {
	t.Helper()
	for dst, src := range exampleModules {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst = filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
