package helpers

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

const counterV1 = `package counter

import "github.com/gexdev/gex/node"

const Vsn = "1"

func StartLink() (node.PID, error) { return node.StartLink("counter", 0, node.Named("Counter")) }

func Init(arg any) (any, error) { return arg, nil }

func HandleCall(req any, from node.From, state any) node.Result {
	n := state.(int) + 1
	return node.Reply(n, n)
}
`

// testEnv returns an Env on a fresh node whose code path and working
// directory hold the module counter.
func testEnv(t *testing.T) (*Env, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "counter.go"), []byte(counterV1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(node.Options{Name: "test@localhost", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	var out bytes.Buffer
	e := &Env{Node: n, Code: code.New(n, code.Options{Path: []string{dir}}), Out: &out, Dir: dir}
	e.Mailbox = OpenMailbox(n)
	t.Cleanup(func() { e.Mailbox.Close() })
	return e, &out
}

func TestLoadAndReload(t *testing.T) {
	e, out := testEnv(t)
	if name, err := e.L("Counter"); err != nil || name != "counter" {
		t.Fatalf("L = %q, %v", name, err)
	}
	if out.Len() != 0 {
		t.Errorf("a first load warned: %q", out)
	}
	got, err := e.R("Counter")
	if err != nil || !slices.Equal(got, []string{"counter"}) {
		t.Fatalf("R = %q, %v", got, err)
	}
	if want := "warning: redefining module Counter (current version loaded from counter.go)\n"; out.String() != want {
		t.Errorf("R showed %q, want %q", out, want)
	}
	out.Reset()
	if got, err := e.C("counter.go"); err != nil || !slices.Equal(got, []string{"counter"}) {
		t.Errorf("C = %q, %v", got, err)
	}
	if got, err := e.Recompile(); err != nil || len(got) != 0 {
		t.Errorf("Recompile with nothing changed = %q, %v", got, err)
	}
	if _, err := e.R("nope"); !errors.Is(err, code.ErrNotLoaded) {
		t.Errorf("R of an unknown module: %v", err)
	}
	if _, err := (&Env{Node: e.Node}).R("counter"); !errors.Is(err, ErrNoCodeServer) {
		t.Errorf("R without a code server: %v", err)
	}
}

func TestExportsAndHelp(t *testing.T) {
	e, out := testEnv(t)
	e.L("counter")
	if err := e.Exports("Counter"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"StartLink() (node.PID, error)\n", `const Vsn = "1"` + "\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Exports lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if err := e.H("counter.StartLink"); err != nil || out.String() != "counter.StartLink() (node.PID, error)\n" {
		t.Errorf("H(counter.StartLink) = %q, %v", out, err)
	}
	for _, topic := range Topics() {
		out.Reset()
		if err := e.H(topic); err != nil || out.Len() == 0 {
			t.Errorf("H(%q) = %q, %v", topic, out, err)
		}
	}
	if err := e.H("nothing"); !errors.Is(err, ErrNoTopic) {
		t.Errorf("H(nothing) = %v", err)
	}
}

func TestInspect(t *testing.T) {
	e, out := testEnv(t)
	e.L("counter")
	pid, err := e.Node.StartLink("counter", 0, node.Named("Counter"))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []any{pid, node.Name("Counter")} {
		out.Reset()
		if err := e.I(x); err != nil {
			t.Fatalf("I(%v): %v", x, err)
		}
		if !strings.Contains(out.String(), "Name\n  Counter\n") || !strings.Contains(out.String(), "Module\n  counter\n") {
			t.Errorf("I(%#v) does not describe the process:\n%s", x, out)
		}
	}
	// A name that is a module's and a process's is the module's, as
	// i KV is in IEx.
	out.Reset()
	e.I("Counter")
	if !strings.Contains(out.String(), "Data type\n  module\n") || !strings.Contains(out.String(), "Exports\n  HandleCall, Init, StartLink\n") {
		t.Errorf("I(counter) does not describe the module:\n%s", out)
	}
	out.Reset()
	e.I(map[string]int{"a": 1})
	if !strings.Contains(out.String(), "A map with 1 entries.") {
		t.Errorf("I(map):\n%s", out)
	}
	out.Reset()
	e.Processes()
	if !strings.HasPrefix(out.String(), "PID ") || !strings.Contains(out.String(), "Counter") {
		t.Errorf("Processes:\n%s", out)
	}
}

func TestFiles(t *testing.T) {
	e, out := testEnv(t)
	dir := e.Dir
	if err := e.Ls(); err != nil || out.String() != "counter.go  sub/\n" {
		t.Errorf("Ls = %q, %v", out, err)
	}
	out.Reset()
	if err := e.Cd("sub"); err != nil || e.Dir != filepath.Join(dir, "sub") {
		t.Fatalf("Cd(sub): dir %q, %v", e.Dir, err)
	}
	if err := e.Cd("../counter.go"); !errors.Is(err, ErrNotDir) {
		t.Errorf("Cd to a file: %v", err)
	}
	if err := e.Cd("nowhere"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Cd to nowhere: %v", err)
	}
	out.Reset()
	e.Pwd()
	if out.String() != filepath.Join(dir, "sub")+"\n" {
		t.Errorf("Pwd = %q", out)
	}
	if wd, _ := os.Getwd(); wd == e.Dir {
		t.Error("Cd changed the process's working directory")
	}
}

func TestFlush(t *testing.T) {
	e, out := testEnv(t)
	e.Node.Send(e.Self(), "hello")
	e.Node.Send(e.Self(), 42)
	if ok, err := e.Flush(); err != nil || ok != "ok" {
		t.Fatal(ok, err)
	}
	if out.String() != "\"hello\"\n42\n" {
		t.Errorf("Flush showed %q", out)
	}
	out.Reset()
	e.Flush()
	if out.Len() != 0 {
		t.Errorf("a second Flush showed %q", out)
	}
	if _, err := (&Env{}).Flush(); !errors.Is(err, ErrNoMailbox) {
		t.Errorf("Flush without a mailbox: %v", err)
	}
}

func TestPid(t *testing.T) {
	e, _ := testEnv(t)
	for _, s := range []string{"0.117.0", "<0.117.0>", "#PID<0.117.0>"} {
		if pid := e.Pid(s); pid.String() != "#PID<0.117.0>" {
			t.Errorf("Pid(%q) = %v", s, pid)
		}
	}
	defer func() {
		var ae *ArgumentError
		if err, _ := recover().(error); !errors.As(err, &ae) || !errors.Is(err, node.ErrBadPID) {
			t.Errorf("Pid(1.2) panicked with %v, want an *ArgumentError wrapping ErrBadPID", err)
		}
	}()
	e.Pid("1.2")
	t.Error("Pid(1.2) returned")
}

const looper = `package looper

import "github.com/gexdev/gex/node"

func Start() node.PID {
	return node.Spawn(func(p *node.Proc) {
		for {
			p.Receive()
		}
	})
}
`

func TestPurgeAndSoftPurge(t *testing.T) {
	e, _ := testEnv(t)
	if err := os.WriteFile(filepath.Join(e.Dir, "looper.go"), []byte(looper), 0o644); err != nil {
		t.Fatal(err)
	}
	if tag, name, err := e.LoadFile("Looper"); err != nil || tag != "module" || name != "looper" {
		t.Fatalf("LoadFile = %q, %q, %v", tag, name, err)
	}
	start := e.Code.Exports()["looper/looper"]["Start"].Interface().(func() node.PID)
	pid := start()
	// The process runs the version that is about to become old.
	if _, _, err := e.LoadFile("looper"); err != nil {
		t.Fatal(err)
	}
	if gone, err := e.SoftPurge("looper"); err != nil || gone {
		t.Fatalf("SoftPurge with a lingering process = %v, %v", gone, err)
	}
	if !e.Node.IsAlive(pid) {
		t.Fatal("SoftPurge killed the process")
	}
	if killed, err := e.Purge("looper"); err != nil || !killed {
		t.Fatalf("Purge = %v, %v", killed, err)
	}
	if e.Node.IsAlive(pid) {
		t.Fatal("Purge left the old-code process alive")
	}
	if gone, err := e.SoftPurge("looper"); err != nil || !gone {
		t.Fatalf("SoftPurge with no old version = %v, %v", gone, err)
	}
	if deleted, err := e.Delete("looper"); err != nil || !deleted {
		t.Fatalf("Delete = %v, %v", deleted, err)
	}
}

const greeter = `// Package greeter says hello.
//
// It is a module with doc comments.
package greeter

// Vsn is its version.
const Vsn = "1"

// Hello returns a greeting for name.
func Hello(name string) string { return "hello " + name }

func undocumented() {}
`

// TestHelpShowsDocComments: h of a module and of its function show
// their doc comments, read from the module's source as go doc reads
// them.
func TestHelpShowsDocComments(t *testing.T) {
	e, out := testEnv(t)
	if err := os.WriteFile(filepath.Join(e.Dir, "greeter.go"), []byte(greeter), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.L("greeter"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := e.H("greeter"); err != nil {
		t.Fatal(err)
	}
	want := "package greeter\n\nPackage greeter says hello.\n\nIt is a module with doc comments.\n\n" +
		"const Vsn = \"1\"\nfunc Hello(name string) string\n"
	if out.String() != want {
		t.Errorf("h greeter:\n%s\nwant:\n%s", out, want)
	}
	out.Reset()
	if err := e.H("greeter.Hello"); err != nil {
		t.Fatal(err)
	}
	if want := "greeter.Hello(string) string\n    Hello returns a greeting for name.\n"; out.String() != want {
		t.Errorf("h greeter.Hello = %q, want %q", out, want)
	}
}
