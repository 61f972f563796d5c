package code_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// TestBadCodeKeepsCurrent loads broken versions over a running module: each
// is refused with a positioned error, and the current version keeps
// serving, untouched.
func TestBadCodeKeepsCurrent(t *testing.T) { forTiers(t, testBadCodeKeepsCurrent) }

func testBadCodeKeepsCurrent(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	n, s, _ := startTier(t, tier)
	path := write(t, dir, "kv.go", kvSrc("1", ""))
	must[*code.LoadResult](t)(s.LoadFile(path))
	pid := must[node.PID](t)(n.StartServer("kv", nil))
	must[any](t)(n.Call(pid, []any{"put", "a", 1}))
	gen := s.Generation()

	tests := []struct {
		name     string
		src      string
		line     int    // 0: no position expected
		contains string // in the error's message
	}{
		{"syntax", "package kv\n\nfunc Init(arg any) (any, error) {\n\treturn nil nil\n}\n", 4, "expected"},
		{"type", "package kv\n\nfunc F() int {\n\treturn \"x\"\n}\n", 4, "cannot use"},
		{"undefined", "package kv\n\nfunc F() {\n\tnosuch()\n}\n", 4, "undefined: nosuch"},
		{"import", "package kv\n\nimport \"example.com/nosuch\"\n\nvar _ = nosuch.X\n", 3, `import "example.com/nosuch"`},
		// What manages the node is not part of the module API.
		{"node.Start", "package kv\n\nimport \"github.com/gexdev/gex/node\"\n\nfunc F() {\n\tnode.Start(node.Options{})\n}\n", 6, "has no symbol Start"},
		{"go statement", "package kv\n\nfunc F() {\n\tgo F()\n}\n", 4, "node.Spawn"},
		{"init panic", "package kv\n\nfunc init() { panic(\"boom\") }\n", 1, "init failed: boom"},
		// yaegi issue #1593: a package used as a value panics the compiler.
		{"interpreter panic", "package kv\n\nimport \"context\"\n\nfunc F() { g(context) }\n\nfunc g(ctx context.Context) {}\n", 5, "interpreter failed"},
		{"callback", "package kv\n\nfunc HandleCall(req any) any { return req }\n", 0, "HandleCall has type func(interface {}) interface {}"},
		{"vsn", "package kv\n\nconst Vsn = \"1\" + \"2\"\n", 3, "const Vsn must be a literal"},
		{"package", "package other\n\nfunc F() {}\n", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, dir, "bad/kv.go", tt.src)
			_, err := s.LoadFile(p)
			if err == nil {
				if tt.name == "package" {
					// Another package is another module: it loads beside kv.
					if !s.IsLoaded("other") || !s.IsLoaded("kv") {
						t.Fatal("package other did not load beside kv")
					}
					return
				}
				t.Fatal("bad code loaded")
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q lacks %q", err, tt.contains)
			}
			var ce *code.CompileError
			var cbe *code.CallbackError
			switch {
			case errors.As(err, &ce):
				if tt.line > 0 && (ce.File != p || ce.Line != tt.line || ce.Col == 0) {
					t.Errorf("position %s:%d:%d, want %s:%d:col", ce.File, ce.Line, ce.Col, p, tt.line)
				}
				if !strings.HasPrefix(err.Error(), p+":") && tt.line > 0 {
					t.Errorf("error %q does not start with file:line:col", err)
				}
			case errors.As(err, &cbe):
				if cbe.Callback != "HandleCall" || cbe.Module != "kv" {
					t.Errorf("callback error %+v", cbe)
				}
			default:
				t.Errorf("error %T %v is neither a CompileError nor a CallbackError", err, err)
			}
			if in, _ := s.Info("kv"); in.Vsn != "1" || in.Path != path || in.OldVsn != "" {
				t.Errorf("current version changed: %+v", in)
			}
			if v, err := n.Call(pid, []any{"get", "a", nil}); v != 1 || err != nil {
				t.Errorf("server after a failed load: %v, %v", v, err)
			}
		})
	}
	if s.Generation() != gen+1 { // package other loaded, nothing else
		t.Errorf("generation went from %d to %d", gen, s.Generation())
	}
}

func TestSourceErrors(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{Path: []string{dir}})
	if _, err := s.LoadFile(filepath.Join(dir, "nosuch.go")); !errors.Is(err, code.ErrNotFound) {
		t.Errorf("LoadFile of a missing file: %v", err)
	}
	if _, err := s.Load("nosuch"); !errors.Is(err, code.ErrNotFound) {
		t.Errorf("Load of a module not on the path: %v", err)
	}
	if _, err := s.Reload("nosuch"); !errors.Is(err, code.ErrNotLoaded) {
		t.Errorf("Reload of a module not loaded: %v", err)
	}
	write(t, dir, "two/a.go", "package a\n")
	write(t, dir, "two/b.go", "package b\n")
	if _, err := s.LoadFile(filepath.Join(dir, "two")); err == nil || !strings.Contains(err.Error(), "b.go:1:9: package b; other files are package a") {
		t.Errorf("mixed packages: %v", err)
	}
	p := write(t, dir, "time.go", "package time\n")
	if _, err := s.LoadFile(p); err == nil || !strings.Contains(err.Error(), "standard library") {
		t.Errorf("module named time: %v", err)
	}
	p = write(t, dir, "main.go", "package main\n\nfunc main() {}\n")
	if _, err := s.LoadFile(p); err == nil || !strings.Contains(err.Error(), "package main") {
		t.Errorf("package main: %v", err)
	}
}

// TestFailedCompileKillsInitProcesses: a failure leaves no trace, so the
// processes that the module's init spawned (pinned to the version being
// compiled) are killed when the compile then fails: they would run code of
// a version never installed, which no purge would reach, and keep its
// interpreter alive.
func TestFailedCompileKillsInitProcesses(t *testing.T) {
	tests := map[string]string{
		"wrong callback": `
func HandleCall(req any) any { return req }
`,
		"later init panics": `
func init() { panic("boom") }
`,
	}
	for name, tail := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			n, s, _ := start(t, code.Options{})
			_, err := s.LoadFile(write(t, dir, "bad.go", `package bad

import "github.com/gexdev/gex/node"

func init() {
	node.Spawn(func(p *node.Proc) { p.Receive() })
}
`+tail))
			if err == nil {
				t.Fatal("bad module loaded")
			}
			deadline := time.Now().Add(2 * time.Second)
			for {
				var orphans []node.PID
				for _, in := range n.Processes() {
					if in.Module == "bad" {
						orphans = append(orphans, in.PID)
					}
				}
				if len(orphans) == 0 {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("compile failed (%v) but processes its init spawned still run: %v", err, orphans)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// TestObjectInfoDuringInstall: Object.Info may be called while another
// goroutine installs the object (run with -race).
func TestObjectInfoDuringInstall(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{})
	src := must[*code.Source](t)(code.ReadSource(write(t, dir, "a.go", helloSrc("a1", ""))))
	obj := must[*code.Object](t)(s.Compile(src))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := s.Install(obj); err != nil {
			t.Error(err)
		}
	}()
	_ = obj.Info()
	wg.Wait()
}
