package release

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// demo returns the source of a DemoServer at vsn. Version 1 keeps money,
// later ones salary; body is extra code for the version.
func demo(vsn, body string) string {
	key := "salary"
	if vsn == "1" {
		key = "money"
	}
	return fmt.Sprintf(`package demoserver

import (
	"errors"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

var _, _, _ = migrate.Rename, errors.New, time.Sleep

const Vsn = %q

func StartLink(employee map[string]any) (node.PID, error) {
	return node.StartLink("demoserver", employee)
}

func AddMoney(pid node.PID, value int) (any, error) {
	return node.Call(pid, []any{"add", value})
}

func Init(employee any) (any, error) { return employee, nil }

func HandleCall(req any, from node.From, state any) node.Result {
	r := req.([]any)
	if r[0] == "sleep" {
		time.Sleep(time.Duration(r[1].(int)) * time.Millisecond)
		return node.Reply("slept", state)
	}
	e := state.(map[string]any)
	next := map[string]any{}
	for k, v := range e {
		next[k] = v
	}
	next[%q] = e[%q].(int) + r[1].(int)
	return node.Reply(next, next)
}
%s
`, vsn, key, key, body)
}

// Code changes for the versions after 1.
const (
	up2 = `
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	if oldVsn == "down:1" {
		return migrate.Rename(state, "salary", "money")
	}
	return migrate.Rename(state, "money", "salary")
}`
	up3 = `
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	m := state.(map[string]any)
	n := map[string]any{}
	for k, v := range m {
		n[k] = v
	}
	if oldVsn == "down:2" {
		delete(n, "v3")
	} else {
		n["v3"] = true
	}
	return n, nil
}`
)

// project is a release under construction: module sources by version.
type project struct {
	t    *testing.T
	root string // the release root the node runs
	src  string // where module sources are written
	name string
}

func newProject(t *testing.T) *project {
	return &project{t: t, root: t.TempDir(), src: t.TempDir(), name: "hotcode"}
}

// release writes release vsn with modules (name → source), and its relup
// from prev (nil for none), into the root.
func (p *project) release(vsn string, prev *Manifest, start *ChildSpec, mods map[string]string) *Manifest {
	return p.releaseWith(vsn, prev, start, mods, "")
}

func (p *project) releaseWith(vsn string, prev *Manifest, start *ChildSpec, mods map[string]string, suspendTimeout string) *Manifest {
	p.t.Helper()
	dir := filepath.Join(p.src, vsn)
	var names []string
	for name, text := range mods {
		md := filepath.Join(dir, name)
		if err := os.MkdirAll(md, 0o755); err != nil {
			p.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(md, name+".go"), []byte(text), 0o644); err != nil {
			p.t.Fatal(err)
		}
		names = append(names, name)
	}
	rc := &ReleaseConfig{Name: p.name, Version: vsn, Modules: names, Start: start}
	rc.Node = p.name
	rc.SuspendTimeout = suspendTimeout
	m, srcs, err := NewManifest(dir, rc, "dev")
	if err != nil {
		p.t.Fatal(err)
	}
	var plan *Plan
	if prev != nil {
		plan = GeneratePlan(prev, m)
	}
	if err := Assemble(p.root, m, srcs, plan, ""); err != nil {
		p.t.Fatal(err)
	}
	return m
}

// boot starts a node running release vsn of the root.
func (p *project) boot(vsn string) (*Handler, *node.Node) {
	p.t.Helper()
	n, err := node.Start(node.Options{Name: "hotcode"})
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { n.Stop() })
	cs := code.New(n, code.Options{})
	h, err := Boot(p.root, p.name, vsn, n, cs)
	if err != nil {
		p.t.Fatal(err)
	}
	return h, n
}

func (p *project) file(vsn, name string) string {
	return filepath.Join(p.root, "releases", vsn, name)
}

// startDemo starts a DemoServer with state through the module's own
// StartLink, as the console would.
func startDemo(t testing.TB, h *Handler, state map[string]any) node.PID {
	t.Helper()
	pid, err := h.start.call("demoserver", "StartLink", []any{state})
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func addMoney(t testing.TB, h *Handler, pid node.PID, v int) map[string]any {
	t.Helper()
	r, err := h.n.Call(pid, []any{"add", v})
	if err != nil {
		t.Fatal(err)
	}
	return r.(map[string]any)
}

func getState(t testing.TB, n *node.Node, pid node.PID) map[string]any {
	t.Helper()
	st, err := n.Sys().GetState(pid)
	if err != nil {
		t.Fatal(err)
	}
	return st.(map[string]any)
}

func mustContain(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

func writeFile(t testing.TB, file, text string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t testing.TB, file string, at int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b[at] ^= 0xff
	writeFile(t, file, string(b))
}

// truncate cuts file in half and gives its .sha256 the digest of what is
// left: a tarball cut short in the copy, whose digest was taken after.
func truncate(t testing.TB, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b = b[:len(b)/2]
	writeFile(t, file, string(b))
	writeFile(t, file+".sha256", digest(b)+"  "+filepath.Base(file)+"\n")
}

// editRelup replaces old with new in release 0.2.0's relup, as a hand
// edit would, and repacks nothing: the unpacked relup is what runs, so the
// tarball is removed as a deploy that copied the unpacked tree would.
func editRelup(t testing.TB, p *project, old, new string) {
	t.Helper()
	file := p.file("0.2.0", RelupFile)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("relup lacks %q:\n%s", old, b)
	}
	writeFile(t, file, strings.Replace(string(b), old, new, 1))
	os.Remove(p.file("0.2.0", TarballFile(p.name)))
}

func bootFor(p *project, n *node.Node) (*Handler, error) {
	return Boot(p.root, p.name, "0.1.0", n, code.New(n, code.Options{}))
}
