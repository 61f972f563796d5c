package tutorials

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// A runner plays a page's steps in a work directory holding a copy of the
// repository, with the node command on PATH, and compares what each step
// prints with what the page shows. Shell commands run one after the other
// in one bash, the reader's terminal (a cd holds for the commands after
// it); a console runs beside it, on a terminal of its own, and opens in
// the directory the shell is in.
type runner struct {
	t    *testing.T
	dir  string   // the work directory: the reader's checkout
	bin  string   // where go install puts the node command
	env  []string // the environment every command gets
	home string   // $HOME, a directory of the page's own
	sh   *shell   // the reader's terminal, started at the first command
	cons *console // the open console, if any
}

func newRunner(t *testing.T, dir, bin, rundir string) *runner {
	home := t.TempDir()
	// A fresh HOME, but Go's caches stay: the reader has built before.
	env := append(os.Environ(), goEnv(t, "GOMODCACHE"), goEnv(t, "GOCACHE"), goEnv(t, "GOPATH"),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOBIN="+bin,
		"HOME="+home,
		"NO_COLOR=1",
		"GEX_HISTORY=",
		"GEX_RUNTIME_DIR="+rundir,
	)
	return &runner{t: t, dir: dir, bin: bin, env: env, home: home}
}

func (r *runner) run(p *page) {
	defer r.closeConsole()
	for _, s := range p.steps {
		var got string
		switch s.kind {
		case shellStep:
			// The console stays open: the reader edits files in
			// another terminal while it runs.
			got = r.shell(s.input)
		case consoleOpen:
			r.closeConsole()
			r.cons = r.openConsole(s)
			got = r.cons.untilPrompt(s, false)
		case consoleLine:
			if r.cons == nil {
				r.t.Fatalf("%s:%d: a console line with no console open", p.name, s.line)
			}
			got = r.cons.enter(s)
		case consoleNote:
			if r.cons == nil {
				r.t.Fatalf("%s:%d: console output with no console open", p.name, s.line)
			}
			r.cons.await(s)
			continue
		}
		if diff := compare(s.want, tildeHome(got, r.home)); diff != "" {
			r.t.Errorf("%s:%d: %s\n%s", p.name, s.line, s.input, diff)
		}
	}
}

func goEnv(t *testing.T, key string) string {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return key + "=" + strings.TrimSpace(string(out))
}

// shell runs one command line in the reader's terminal and returns what
// it printed, stdout and stderr as they interleave.
func (r *runner) shell(cmdline string) string {
	if r.sh == nil {
		r.sh = startShell(r.t, r.dir, r.env)
	}
	return r.sh.run(cmdline)
}

// cwd is the directory the reader's shell is in: where a console opens.
func (r *runner) cwd() string {
	if r.sh == nil {
		return r.dir
	}
	return strings.TrimSpace(r.sh.run("pwd"))
}

func (r *runner) closeShell() {
	if r.sh != nil {
		r.sh.close()
		r.sh = nil
	}
}

func (r *runner) openConsole(s step) *console {
	cmd := exec.Command("bash", "-c", "exec "+s.input)
	cmd.Dir, cmd.Env = r.cwd(), r.env
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 160})
	if err != nil {
		r.t.Fatalf("line %d: starting %q on a terminal: %v", s.line, s.input, err)
	}
	c := &console{t: r.t, cmd: cmd, ptmx: ptmx, home: r.home, done: make(chan struct{})}
	go c.read()
	return c
}

func (r *runner) closeConsole() {
	if r.cons != nil {
		r.cons.close()
		r.cons = nil
	}
}

// A console is an interactive command running on a pseudo-terminal.
type console struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	home string
	done chan struct{}

	mu   sync.Mutex
	out  bytes.Buffer
	seen int // output before this offset belongs to earlier steps
}

func (c *console) read() {
	defer close(c.done)
	buf := make([]byte, 4096)
	for {
		n, err := c.ptmx.Read(buf)
		c.mu.Lock()
		c.out.Write(buf[:n])
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// livePrompt finds a prompt in cleaned terminal output.
var livePrompt = regexp.MustCompile(`(?m)^(gex\([^)]*\)\d+> |\.\.\.\(\d+\)> )`)

// untilPrompt returns the output up to the next prompt, cleaned, and
// moves past the prompt. With echo, the output starts with the terminal's
// echo of a typed line, which is dropped.
func (c *console) untilPrompt(s step, echo bool) string {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c.mu.Lock()
		text := clean(c.out.String()[c.seen:])
		c.mu.Unlock()
		if echo {
			if i := strings.Index(text, "\n"); i >= 0 {
				text = text[i+1:]
			} else {
				text = "\x00" // the echo is not complete yet
			}
		}
		if loc := livePrompt.FindStringIndex(text); loc != nil {
			c.mu.Lock()
			c.seen = c.out.Len()
			c.mu.Unlock()
			return text[:loc[0]]
		}
		select {
		case <-c.done:
			c.t.Fatalf("line %d: %q: the console ended; it printed:\n%s", s.line, s.input, text)
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("line %d: %q: no prompt came; the console printed:\n%s", s.line, s.input, text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// enter types a console line and returns what it printed before the next
// prompt, without the echo of the line itself.
func (c *console) enter(s step) string {
	if _, err := io.WriteString(c.ptmx, s.input+"\r"); err != nil {
		c.t.Fatalf("line %d: typing %q: %v", s.line, s.input, err)
	}
	return c.untilPrompt(s, true)
}

// await waits for lines the console prints by itself, such as a notice
// that arrives while it sits at its prompt, and moves past them.
func (c *console) await(s step) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c.mu.Lock()
		end := c.out.Len()
		lines := strings.Split(mask(tildeHome(clean(c.out.String()[c.seen:]), c.home)), "\n")
		c.mu.Unlock()
		for i := 0; i+len(s.want) <= len(lines); i++ {
			if linesMatch(s.want, lines[i:i+len(s.want)]) {
				c.mu.Lock()
				c.seen = end
				c.mu.Unlock()
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("line %d: the console did not print\n\t%s\nit printed:\n\t%s", s.line,
				strings.Join(s.want, "\n\t"), strings.Join(lines, "\n\t"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// close leaves the console as the reader does, with Ctrl-D.
func (c *console) close() {
	io.WriteString(c.ptmx, "\x04")
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
	}
	c.cmd.Wait()
	c.ptmx.Close()
}

var (
	csi    = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]`)
	bell   = regexp.MustCompile(`[\x07\x08]`)
	clocks = regexp.MustCompile(`\b\d\d:\d\d:\d\d\.\d{3}\b`)
	osPIDs = regexp.MustCompile(`\(pid \d+\)`)
	goVsn  = regexp.MustCompile(`\bgo1\.\d+(\.\d+)?\b`)
	// durations as Go prints them (time.Duration's String): how long a
	// build took, or how long an upgrade held its processes suspended.
	durations = regexp.MustCompile(`\b(\d+h)?(\d+m)?\d+(\.\d+)?(ns|µs|ms|s)\b`)
	// the Go build ID of a release binary, which native plugins are built
	// for: it changes with every build of the binary.
	buildIDs = regexp.MustCompile(`\b(build |native/)[0-9a-f]{12}\b`)
)

// clean turns terminal output into the lines a reader sees: escape
// sequences dropped, and of a line redrawn after a carriage return only
// what was drawn last.
func clean(s string) string {
	s = csi.ReplaceAllString(s, "")
	s = bell.ReplaceAllString(s, "")
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		if j := strings.LastIndex(strings.TrimRight(l, "\r"), "\r"); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}

// mask replaces what differs from run to run and machine to machine with
// a placeholder: the host name, wall-clock times, OS pids, Go's version,
// durations, build IDs. A page shows them as a reader sees them; the test compares
// the page and the output with both masked.
func mask(s string) string {
	if h, err := os.Hostname(); err == nil && h != "" {
		s = strings.ReplaceAll(s, "@"+h, "@host")
	}
	s = clocks.ReplaceAllString(s, "HH:MM:SS.mmm")
	s = goVsn.ReplaceAllString(s, "go1.N")
	s = durations.ReplaceAllString(s, "D")
	s = buildIDs.ReplaceAllString(s, "${1}ID")
	return osPIDs.ReplaceAllString(s, "(pid N)")
}

// tildeHome writes paths in the page's $HOME, a temporary directory, as
// the reader's shell abbreviates them: ~/octochat for $HOME/octochat.
func tildeHome(s, home string) string {
	return strings.ReplaceAll(s, home+"/", "~/")
}

// compare reports how got differs from the lines a page shows, or "". A
// "..." in a page line stands for any text.
func compare(want []string, got string) string {
	gotLines := strings.Split(strings.TrimRight(mask(got), "\n"), "\n")
	if len(gotLines) == 1 && gotLines[0] == "" {
		gotLines = nil
	}
	for len(want) > 0 && strings.TrimSpace(want[len(want)-1]) == "" {
		want = want[:len(want)-1]
	}
	if linesMatch(want, gotLines) {
		return ""
	}
	return fmt.Sprintf("the page shows:\n\t%s\nit printed:\n\t%s",
		strings.Join(want, "\n\t"), strings.Join(gotLines, "\n\t"))
}

// linesMatch reports whether got, masked, are the lines want shows.
func linesMatch(want, got []string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !lineMatches(mask(want[i]), got[i]) {
			return false
		}
	}
	return true
}

func lineMatches(want, got string) bool {
	want, got = strings.TrimRight(want, " "), strings.TrimRight(got, " ")
	if !strings.Contains(want, "...") {
		return want == got
	}
	parts := strings.Split(want, "...")
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(quoted, ".*") + "$").MatchString(got)
}

// copyTree copies the repository's files a reader has in a checkout into
// dir: everything but .git and build output.
func copyTree(t *testing.T, root, dir string) {
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "_build") {
			return filepath.SkipDir
		}
		target := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copying the repository: %v", err)
	}
}
