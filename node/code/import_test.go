package code_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/traefik/yaegi/interp"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

func helloSrc(greeting string, extra string) string {
	return fmt.Sprintf("package a\n\nfunc Hello() string { return %q }\n%s", greeting, extra)
}

// TestCrossModuleCalls checks that a module's calls to another module reach
// that module's current version, whichever path it imported it by.
func TestCrossModuleCalls(t *testing.T) { forTiers(t, testCrossModuleCalls) }

func testCrossModuleCalls(t *testing.T, tier code.Tier) {
	dir := t.TempDir()
	_, s, _ := startTier(t, tier)
	a := write(t, dir, "a.go", helloSrc("a1", ""))
	must[*code.LoadResult](t)(s.LoadFile(a))
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "b.go", `package b

import (
	"a"
	other "example.com/whatever/a"
)

func Greet() string { return "b:" + a.Hello() + "," + other.Hello() + "," + local() }

func local() string { return "local" }
`)))
	greet := fn[func() string](t, s, "b", "Greet")
	if got := greet(); got != "b:a1,a1,local" {
		t.Fatalf("Greet = %q", got)
	}
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "a.go", helloSrc("a2", ""))))
	if got := greet(); got != "b:a2,a2,local" {
		t.Fatalf("after reloading a: Greet = %q", got)
	}

	// A version without Hello: the call fails with an UndefError, as
	// Erlang's undef, and does not take anything else down.
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "a.go", "package a\n\nfunc Other() {}\n")))
	func() {
		defer func() {
			r := recover()
			err, _ := r.(error)
			var ue *code.UndefError
			if !errors.As(err, &ue) || ue.Module != "a" || ue.Func != "Hello" {
				t.Fatalf("call to a removed function: recovered %v", r)
			}
		}()
		greet()
	}()
}

// TestConsoleSession uses the server as a console does: an interpreter
// given NodeExports and Exports, refreshed when Generation changes.
func TestConsoleSession(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{})
	must[*code.LoadResult](t)(s.LoadFile(copyFile(t, "../../examples/kv/kv.go", dir, "kv.go")))

	i := interp.New(interp.Options{})
	use := func() {
		t.Helper()
		if err := i.Use(s.NodeExports()); err != nil {
			t.Fatal(err)
		}
		if err := i.Use(s.Exports()); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(src string) any {
		t.Helper()
		v, err := i.Eval(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !v.IsValid() {
			return nil
		}
		return v.Interface()
	}
	use()
	gen := s.Generation()
	eval(`import "kv"`)
	eval(`import "github.com/gexdev/gex/node"`)
	eval(`pid, err := kv.StartLink()`)
	eval(`kv.Put("a", 42)`)
	if got := eval(`v, _ := kv.Get("a"); v`); got != 42 {
		t.Fatalf("kv.Get(a) = %v", got)
	}
	if got := eval(`node.Uptime() > 0`); got != true {
		t.Fatal("node.Uptime() is not the node's method")
	}
	if got := eval(`node.Name("KV")`); got != node.Name("KV") {
		t.Fatalf("node.Name is not the type: %v", got)
	}

	// A new version with a function the old one lacks: after Use with the
	// extended exports (no second import), the console calls it.
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvExtended)))
	if s.Generation() == gen {
		t.Fatal("generation unchanged by a load")
	}
	use()
	if got := eval(`kv.Hello()`); got != "hello from vsn 1" {
		t.Fatalf("kv.Hello() = %v", got)
	}
	if got := eval(`v, _ = kv.Get("a"); v`); got != 42 {
		t.Fatalf("state after reload: kv.Get(a) = %v", got)
	}
	if got := eval(`pid == node.PID{}`); got != false {
		t.Fatal("console variable lost")
	}
}

var kvExtended = strings.Replace(strings.Replace(readFile("../../examples/kv/kv.go"),
	`const Vsn = "0"`, `const Vsn = "1"`, 1), "func Init(", "func Hello() string { return \"hello from vsn \" + Vsn }\n\nfunc Init(", 1)

// TestCodePath finds modules by name, case-insensitively, loading them on
// first use: by the runtime's resolver and by imports.
func TestCodePath(t *testing.T) {
	dir, dir2 := t.TempDir(), t.TempDir()
	n, s, _ := start(t, code.Options{Path: []string{dir}})
	s.AddPath(dir2)
	copyFile(t, "../../examples/kv/kv.go", dir, "kv.go")
	copyFile(t, "../../examples/demo_server/demo_server.go", dir2, "demo_server.go")
	write(t, dir2, "user/user.go", "package user\n\nimport \"kv\"\n\nfunc Get(k any) (any, error) { return kv.Get(k) }\n")
	write(t, dir2, "user/helper.go", "package user\n\nfunc helper() {}\n")
	write(t, dir2, "user/user_test.go", "package user\n\nthis is not Go\n")
	write(t, dir2, "user/skip.go", "//go:build ignore\n\npackage user\n\nthis is not Go\n")

	if p, err := s.Which("KV"); err != nil || p != filepath.Join(dir, "kv.go") {
		t.Fatalf("Which(KV) before loading = %q, %v", p, err)
	}
	// The resolver loads KV from the path when the runtime asks for it.
	must[node.PID](t)(n.StartServer("KV", nil, node.Named("KV")))
	if !s.IsLoaded("kv") {
		t.Fatal("kv not loaded by StartServer")
	}
	// user is a directory module; loading it loads nothing else it imports twice.
	res := must[*code.LoadResult](t)(s.Load("User"))
	if res.Module.Path != filepath.Join(dir2, "user") || res.Module.Name != "user" {
		t.Fatalf("Load(User): %+v", res.Module)
	}
	must[any](t)(n.Call(node.Name("KV"), []any{"put", "k", "v"}))
	if got := must[any](t)(fn[func(any) (any, error)](t, s, "user", "Get")("k")); got != "v" {
		t.Fatalf("user.Get = %v", got)
	}
	// DemoServer finds demo_server.go, package demoserver.
	res = must[*code.LoadResult](t)(s.Load("DemoServer"))
	if res.Module.Name != "demoserver" || res.Module.Vsn != "1" {
		t.Fatalf("Load(DemoServer): %+v", res.Module)
	}
	var names []string
	for _, in := range s.AllLoaded() {
		names = append(names, in.Name)
	}
	if strings.Join(names, " ") != "demoserver kv user" {
		t.Fatalf("AllLoaded = %v", names)
	}
	if _, err := s.Which("nosuch"); !errors.Is(err, code.ErrNotFound) {
		t.Fatalf("Which(nosuch): %v", err)
	}
	if _, err := n.StartServer("nosuch", nil); !errors.Is(err, node.ErrNoModule) {
		t.Fatalf("StartServer(nosuch): %v", err)
	}
}

func TestImportCycle(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{Path: []string{dir}})
	write(t, dir, "ping.go", "package ping\n\nimport \"pong\"\n\nfunc Ping() { pong.Pong() }\n")
	write(t, dir, "pong.go", "package pong\n\nimport \"ping\"\n\nfunc Pong() { ping.Ping() }\n")
	_, err := s.Load("ping")
	if err == nil || !strings.Contains(err.Error(), "import cycle") {
		t.Fatalf("import cycle: %v", err)
	}
	if s.IsLoaded("ping") || s.IsLoaded("pong") {
		t.Fatal("a module of the cycle loaded")
	}
}

// TestVersionHash names a version without Vsn by its source's MD5.
func TestVersionHash(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{})
	res := must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "a.go", helloSrc("a1", ""))))
	if res.Module.Vsn != res.Module.Hash || len(res.Module.Vsn) != 32 {
		t.Fatalf("version of a module without Vsn: %+v", res.Module)
	}
	again := must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "a.go", helloSrc("a1", ""))))
	if again.Module.Vsn != res.Module.Vsn {
		t.Fatal("same source, different version")
	}
	other := must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "a.go", helloSrc("a2", ""))))
	if other.Module.Vsn == res.Module.Vsn {
		t.Fatal("different source, same version")
	}
}

// TestStandardLibrary: a module gets the packages of the standard library it
// imports, generic ones included (as far as yaegi v0.16.1 has them: it
// lacks slices.Sort, and maps.Clone fails to compile).
func TestStandardLibrary(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{})
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "std.go", `package std

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

func Summary(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !slices.Contains(keys, "a") {
		return "no a"
	}
	return fmt.Sprintf("%s in %v", strings.Join(keys, ","), time.Duration(len(keys))*time.Second)
}
`)))
	summary := fn[func(map[string]int) string](t, s, "std", "Summary")
	if got := summary(map[string]int{"b": 1, "a": 2}); got != "a,b in 2s" {
		t.Fatalf("Summary = %q", got)
	}
}
