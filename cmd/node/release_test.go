package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// relTest is the seeds' release flow run with the real binaries: node
// release in a copy of examples/hotcode, and bin/hotcode in a "remote"
// directory the tarball is extracted into.
type relTest struct {
	t       testing.TB
	project string // a copy of examples/hotcode
	remote  string
	name    string // the release: bin/<name>
	env     []string
}

func newRelTest(t *testing.T) *relTest {
	if testing.Short() {
		t.Skip("builds releases")
	}
	return newRelTestB(t)
}

func newRelTestB(t testing.TB) *relTest {
	rundir, err := os.MkdirTemp("", "gexrt") // short: a socket path has a limit
	if err != nil {
		t.Fatal(err)
	}
	// HOME stays: the go command's build cache is under it.
	r := &relTest{t: t, project: filepath.Join(t.TempDir(), "hotcode"), remote: t.TempDir(), name: "hotcode",
		env: []string{"GEX_RUNTIME_DIR=" + filepath.Join(rundir, "gex"), "GEX_HISTORY=" + filepath.Join(rundir, "history")}}
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(r.remote, "bin", r.name)); err == nil {
			r.bin("stop") // best effort
		}
		os.RemoveAll(rundir)
	})
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(r.project, os.DirFS(filepath.Join(root, "examples", "hotcode"))); err != nil {
		t.Fatal(err)
	}
	gomod := filepath.Join(r.project, "go.mod")
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("=> ../.."), []byte("=> "+root), 1)
	if err := os.WriteFile(gomod, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *relTest) run(dir, bin string, args ...string) (string, string, int) {
	r.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), r.env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		r.t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// node runs the node command in the project and wants it to succeed.
func (r *relTest) node(args ...string) string {
	r.t.Helper()
	out, errOut, status := r.run(r.project, nodeBinary(r.t), args...)
	if status != 0 {
		r.t.Fatalf("node %s: status %d\n%s%s", strings.Join(args, " "), status, out, errOut)
	}
	return out
}

// bin runs the remote's bin/hotcode.
func (r *relTest) bin(args ...string) (string, string, int) {
	return r.run(r.remote, filepath.Join(r.remote, "bin", r.name), args...)
}

func (r *relTest) mustBin(args ...string) string {
	r.t.Helper()
	out, errOut, status := r.bin(args...)
	if status != 0 {
		r.t.Fatalf("bin/%s %s: status %d\n%s%s", r.name, strings.Join(args, " "), status, out, errOut)
	}
	return out
}

func (r *relTest) rel(parts ...string) string {
	return filepath.Join(append([]string{r.project, "_build", "prod", "rel", "hotcode", "releases"}, parts...)...)
}

func TestReleaseSeedFlow(t *testing.T) {
	r := newRelTest(t)
	out := r.node("release", "--env", "prod")
	if !strings.Contains(out, "Building release hotcode:0.1.0 using environment prod") {
		t.Fatalf("node release said:\n%s", out)
	}
	tarball := r.rel("0.1.0", "hotcode.tar.gz")
	if _, _, status := r.run(r.remote, "tar", "-xzf", tarball, "-C", r.remote); status != 0 {
		t.Fatal("tar failed")
	}
	if out := r.mustBin("start"); !regexp.MustCompile(`^hotcode: node hotcode@\S+ started \(pid \d+\) on release 0.1.0, the newest release \(none is permanent yet\); log `).MatchString(out) {
		t.Fatalf("start said %q", out)
	}
	if out := r.mustBin("ping"); out != "pong\n" {
		t.Fatalf("ping said %q", out)
	}
	r.mustBin("eval", `pid, _ := demoserver.StartLink(map[string]any{"name": "blackode", "money": 300000}); node.Register("boss", pid)`)
	if out := r.mustBin("eval", addMoney(400000)); !strings.Contains(out, `"400000 added to blackode "`) {
		t.Fatalf("AddMoney on 0.1.0 said %q", out)
	}

	copyOver(t, filepath.Join(r.project, "next"), r.project) // cp -r next/. .
	out = r.node("release", "--env", "prod", "--upgrade", "--dry-run")
	if !strings.Contains(out, "up from 0.1.0\n") || !strings.Contains(out, "Dry run: nothing written") {
		t.Fatalf("node release --upgrade --dry-run said:\n%s", out)
	}
	if _, err := os.Stat(r.rel("0.2.0")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("--dry-run wrote releases/0.2.0: %v", err)
	}
	out = r.node("release", "--env", "prod", "--upgrade")
	if !strings.Contains(out, "releases/0.2.0/relup") {
		t.Fatalf("node release --upgrade said:\n%s", out)
	}
	relup, err := os.ReadFile(r.rel("0.2.0", "relup"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"up from 0.1.0\n  load_object_code demoserver 2\n  point_of_no_return\n  suspend demoserver\n  load demoserver\n  code_change up demoserver 1\n  resume demoserver\n",
		"down to 0.1.0\n  load_object_code demoserver 1\n"} {
		if !strings.Contains(string(relup), want) {
			t.Fatalf("relup lacks %q:\n%s", want, relup)
		}
	}
	dst := filepath.Join(r.remote, "releases", "0.2.0")
	os.MkdirAll(dst, 0o755)
	for _, f := range []string{"hotcode.tar.gz", "hotcode.tar.gz.sha256"} {
		b, err := os.ReadFile(r.rel("0.2.0", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, f), b, 0o644)
	}

	r.upgradeLive(t)

	// Stop and start: the node boots the permanent release, the one the
	// downgrade went back to, not the newest.
	r.mustBin("stop")
	r.mustBin("start")
	if perm := strings.TrimSpace(readFile(t, filepath.Join(r.remote, "releases", "permanent"))); perm != "0.1.0" {
		t.Fatalf("permanent %s after the downgrade", perm)
	}
	if out := r.mustBin("eval", `demoserver.Vsn`); strings.TrimSpace(out) != `"1"` {
		t.Fatalf("after restart demoserver.Vsn %q, want the permanent release's", out)
	}
	if got := r.mustBin("releases"); got != "hotcode 0.1.0      current, permanent\nhotcode 0.2.0      old\n" {
		t.Fatalf("releases after restart:\n%s", got)
	}

	// A newer release placed that does not boot (its module is not what
	// its manifest says): start falls back to the permanent one, saying so.
	bad := filepath.Join(r.remote, "releases", "0.3.0")
	copyOver(t, filepath.Join(r.remote, "releases", "0.2.0", "modules"), filepath.Join(bad, "modules"))
	manifest := strings.Replace(readFile(t, filepath.Join(r.remote, "releases", "0.2.0", "hotcode.rel")), `"version": "0.2.0"`, `"version": "0.3.0"`, 1)
	os.WriteFile(filepath.Join(bad, "hotcode.rel"), []byte(manifest), 0o644)
	os.WriteFile(filepath.Join(bad, "modules", "demoserver", "demo_server.go"), []byte("package demoserver\n"), 0o644)
	r.mustBin("stop")
	out, errOut, status := r.bin("start")
	if status != 0 || !strings.Contains(out, "on release 0.1.0") || !strings.Contains(errOut, "release 0.3.0 did not boot; the node runs the permanent release 0.1.0") {
		t.Fatalf("start with a broken 0.3.0: %d %q %q", status, out, errOut)
	}
	if out := r.mustBin("eval", `demoserver.Vsn`); strings.TrimSpace(out) != `"1"` {
		t.Fatalf("after a failed boot of 0.3.0, demoserver.Vsn %q", out)
	}
	logs, _ := filepath.Glob(filepath.Join(strings.TrimPrefix(r.env[0], "GEX_RUNTIME_DIR="), "hotcode@*.log"))
	if len(logs) != 1 {
		t.Fatalf("logs %v", logs)
	}
	if log := readFile(t, logs[0]); !strings.Contains(log, "release 0.3.0 did not boot") || !strings.Contains(log, "booting the permanent release 0.1.0 instead") {
		t.Fatalf("the log does not tell of the fallback:\n%s", log)
	}
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// addMoney is console input adding value to the DemoServer registered as
// boss, as one expression so that eval prints the reply.
func addMoney(value int) string {
	return fmt.Sprintf(`demoserver.AddMoney(func() node.PID { p, _ := node.Whereis("boss"); return p }(), %d)`, value)
}

// copyOver copies the files under src into dst, replacing those there, as
// cp -r src/. dst does.
func copyOver(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNewProjectReleases makes a project with node new, tests it, builds
// its release and runs it: it builds and releases as it stands.
func TestNewProjectReleases(t *testing.T) {
	r := newRelTest(t)
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	if out, errOut, status := r.run(dir, nodeBinary(t), "new", "hello", "--gex", root); status != 0 {
		t.Fatalf("node new: %d\n%s%s", status, out, errOut)
	}
	r.project = filepath.Join(dir, "hello")
	// The project's own test, and its module compiled by go build and
	// checked by go vet as ordinary Go.
	if out, errOut, status := r.run(r.project, "go", "vet", "./..."); status != 0 {
		t.Fatalf("go vet in the new project: %d\n%s%s", status, out, errOut)
	}
	if out, errOut, status := r.run(r.project, "go", "test", "./..."); status != 0 {
		t.Fatalf("go test in the new project: %d\n%s%s", status, out, errOut)
	}
	r.node("release")
	r.remote, r.name = filepath.Join(r.project, "_build", "dev", "rel", "hello"), "hello"
	r.mustBin("start")
	out, errOut, status := r.bin("eval", `hello.Hello("gex")`)
	if status != 0 || strings.TrimSpace(out) != `"hello, gex (greeting 1)"` {
		t.Fatalf("bin/hello eval: %d %q %s", status, out, errOut)
	}
	r.mustBin("stop")
	// bin/hello console boots the release in the process, with a console.
	console := exec.Command(filepath.Join(r.remote, "bin", "hello"), "console")
	console.Env = append(os.Environ(), r.env...)
	console.Stdin = strings.NewReader("hello.Hello(\"you\")\n")
	got, err := console.CombinedOutput()
	if err != nil || !strings.Contains(string(got), `"hello, you (greeting 1)"`) || !strings.Contains(string(got), `Loaded from `) {
		t.Fatalf("bin/hello console: %v\n%s", err, got)
	}
}

// BenchmarkReleaseStart is bin/hotcode start until the node answers a
// ping, which start waits for: a BEAM release takes 1-2 s.
func BenchmarkReleaseStart(b *testing.B) {
	r := newRelTestB(b)
	r.node("release")
	r.remote = filepath.Join(r.project, "_build", "dev", "rel", "hotcode")
	b.ResetTimer()
	for range b.N {
		r.mustBin("start")
		b.StopTimer()
		r.mustBin("stop")
		b.StartTimer()
	}
}

// TestReleaseNewBinary upgrades to a release whose module imports a
// package the old binary does not carry: the relup says it needs a new
// binary, and upgrade --restart restarts the node on it.
func TestReleaseNewBinary(t *testing.T) {
	r := newRelTest(t)
	r.node("release")
	build := filepath.Join(r.project, "_build", "dev", "rel", "hotcode")
	if _, _, status := r.run(r.remote, "tar", "-xzf", filepath.Join(build, "releases", "0.1.0", "hotcode.tar.gz"), "-C", r.remote); status != 0 {
		t.Fatal("tar failed")
	}
	r.mustBin("start")

	os.MkdirAll(filepath.Join(r.project, "lib", "tomly"), 0o755)
	os.WriteFile(filepath.Join(r.project, "lib", "tomly", "tomly.go"), []byte(`package tomly

import "github.com/BurntSushi/toml"

const Vsn = "1"

func Parse(s string) (map[string]any, error) {
	var m map[string]any
	_, err := toml.Decode(s, &m)
	return m, err
}
`), 0o644)
	cfg := readFile(t, filepath.Join(r.project, "gex.toml"))
	cfg = strings.Replace(cfg, `version = "0.1.0"`, `version = "0.2.0"`, 1)
	cfg = strings.Replace(cfg, `modules = ["lib/demoserver"]`, `modules = ["lib/demoserver", "lib/tomly"]`, 1)
	os.WriteFile(filepath.Join(r.project, "gex.toml"), []byte(cfg), 0o644)
	r.node("release", "--upgrade")
	relup := readFile(t, filepath.Join(build, "releases", "0.2.0", "relup"))
	if !strings.Contains(relup, "restart_new_binary interpreter symbols [] -> [github.com/BurntSushi/toml]") {
		t.Fatalf("relup:\n%s", relup)
	}
	dst := filepath.Join(r.remote, "releases", "0.2.0")
	os.MkdirAll(dst, 0o755)
	for _, f := range []string{"hotcode.tar.gz", "hotcode.tar.gz.sha256"} {
		os.WriteFile(filepath.Join(dst, f), []byte(readFile(t, filepath.Join(build, "releases", "0.2.0", f))), 0o644)
	}
	r.hotUpgradeRefused(t, "0.2.0")
	out := r.mustBin("upgrade", "--restart", "0.2.0")
	if !regexp.MustCompile(`restarted on release 0.2.0; the node was down \d`).MatchString(out) {
		t.Fatalf("upgrade --restart said %q", out)
	}
	if out := r.mustBin("eval", `tomly.Parse("a = 1")`); strings.TrimSpace(out) != `map[string]any{"a": int64(1)}` {
		t.Fatalf("tomly on 0.2.0: %q", out)
	}
	if perm := strings.TrimSpace(readFile(t, filepath.Join(r.remote, "releases", "permanent"))); perm != "0.2.0" {
		t.Fatalf("permanent %s", perm)
	}
}

// TestUpgradeOfPlainNode: node upgrade reaches a node that runs no
// release, and says so.
func TestUpgradeOfPlainNode(t *testing.T) {
	d := startDaemon(t, "plain", t.TempDir())
	_, errOut, status := d.node("upgrade", "0.2.0")
	if status != 1 || !strings.Contains(errOut, "node upgrade: node plain@") || !strings.Contains(errOut, "runs no release") {
		t.Fatalf("node upgrade of a plain node: %d %q", status, errOut)
	}
	if _, errOut, status := d.node("upgrade"); status != 2 || !strings.Contains(errOut, "want one version") {
		t.Fatalf("node upgrade without a version: %d %q", status, errOut)
	}
}
