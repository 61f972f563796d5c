package native_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/native"
)

// cacheDir is the plugin cache the package's tests share, so that a
// plugin is built once per test run.
var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gex-native-test-")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	checker = native.New(native.Options{CacheDir: dir})
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func source(t testing.TB, paths ...string) native.Source {
	t.Helper()
	var src native.Source
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(p)
		src.Files = append(src.Files, native.File{Name: abs, Data: data})
	}
	src.Name = "kv"
	return src
}

func text(name, body string) native.Source {
	return native.Source{Name: name, Files: []native.File{{Name: "/src/" + name + ".go", Data: []byte(body)}}}
}

// needNative skips t where plugins cannot be built (no C compiler, ...),
// saying why.
func needNative(t testing.TB) {
	t.Helper()
	if err := checker.Check(context.Background()); err != nil {
		t.Skipf("no native builds here: %v", err)
	}
}

// checker probes, once, whether this host builds plugins.
var checker *native.Builder

func build(t testing.TB, b *native.Builder, src native.Source) *native.Version {
	t.Helper()
	needNative(t)
	v, err := b.Build(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// module serves a native version's callbacks to the runtime.
type module struct {
	name string
	cb   *node.Callbacks
}

// callbacks returns v's GenServer callbacks.
func callbacks(t testing.TB, v *native.Version) *node.Callbacks {
	t.Helper()
	cb, err := v.Callbacks()
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

func (m module) Name() string               { return m.name }
func (m module) Callbacks() *node.Callbacks { return m.cb }

func startNode(t testing.TB) *node.Node {
	t.Helper()
	n, err := node.Start(node.Options{Name: "native"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n
}

// TestBuild builds the test KV natively, serves a GenServer from its
// callbacks and reads its exports.
func TestBuild(t *testing.T) {
	b := native.New(native.Options{CacheDir: cacheDir})
	v := build(t, b, source(t, "testdata/kv/kv.go"))
	if cb := callbacks(t, v); cb.Init == nil || cb.HandleCall == nil || cb.HandleCast != nil {
		t.Fatalf("callbacks: %+v", cb)
	}
	if got := v.Funcs["Double"].Interface().(func(int) int)(21); got != 42 {
		t.Errorf("Double(21) = %d", got)
	}
	if vsn := v.Other["Vsn"]; !vsn.IsValid() || vsn.Interface() != "0" {
		t.Errorf("Vsn = %v", vsn)
	}
	if typ := v.Other["Entry"]; !typ.IsValid() || typ.Type().Elem().Name() != "Entry" {
		t.Errorf("Entry = %v", typ)
	}
	if v.Mapped <= 0 {
		t.Errorf("Mapped = %d", v.Mapped)
	}
	n := startNode(t)
	pid, err := n.StartServer(module{"kv", callbacks(t, v)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := n.Call(pid, []any{"put", "a", 42}); err != nil || r != node.Atom("ok") {
		t.Fatalf("put: %v, %v", r, err)
	}
	if r, err := n.Call(pid, []any{"get", "a", nil}); err != nil || r != 42 {
		t.Fatalf("get: %v, %v", r, err)
	}
}

// TestTwoVersions loads two versions of one module into the node side by
// side: each keeps its own code.
func TestTwoVersions(t *testing.T) {
	b := native.New(native.Options{CacheDir: cacheDir})
	v0 := build(t, b, source(t, "testdata/kv/kv.go"))
	v1 := build(t, b, source(t, "testdata/kv1/kv.go"))
	if v0.Path == v1.Path {
		t.Fatal("two versions share a plugin")
	}
	d0 := v0.Funcs["Double"].Interface().(func(int) int)
	d1 := v1.Funcs["Double"].Interface().(func(int) int)
	if d0(2) != 4 || d1(2) != 6 {
		t.Fatalf("Double(2): v0 %d, v1 %d", d0(2), d1(2))
	}
	n := startNode(t)
	for want, v := range map[string]*native.Version{"0": v0, "1": v1} {
		pid, err := n.StartServer(module{"kv", callbacks(t, v)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := n.Call(pid, []any{"vsn", nil, nil}); err != nil || r != want {
			t.Errorf("vsn: %v, %v; want %s", r, err, want)
		}
	}
}

// TestCache builds the same source twice: the second build opens the
// plugin the first made, and reopening it is the same package.
func TestCache(t *testing.T) {
	b := native.New(native.Options{CacheDir: cacheDir})
	src := source(t, "testdata/kv/kv.go")
	first := build(t, b, src)
	fi, err := os.Stat(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	again := native.New(native.Options{CacheDir: cacheDir}) // another Builder, same cache
	second := build(t, again, src)
	fi2, err := os.Stat(second.Path)
	if err != nil {
		t.Fatal(err)
	}
	if second.Path != first.Path || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Fatalf("rebuilt: %s (%v), then %s (%v)", first.Path, fi.ModTime(), second.Path, fi2.ModTime())
	}
	if first.Funcs["Double"].Pointer() != second.Funcs["Double"].Pointer() {
		t.Error("the same plugin opened twice gave two copies of its code")
	}
}

// TestConcurrentBuilds builds one source from several goroutines: one
// build, one plugin.
func TestConcurrentBuilds(t *testing.T) {
	needNative(t)
	b := native.New(native.Options{CacheDir: t.TempDir()})
	src := text("conc", "package conc\n\nfunc F() int { return 7 }\n")
	paths := make(chan string, 4)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			p, err := b.Compile(context.Background(), src)
			paths <- p
			errs <- err
		}()
	}
	var first string
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		p := <-paths
		if first == "" {
			first = p
		} else if p != first {
			t.Fatalf("two plugins: %s, %s", first, p)
		}
	}
}

// TestErrors checks that each way a native build fails says why, as an
// *Error wrapping the sentinel a caller falls back on.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  native.Source
		want error
		says string
	}{
		{"compile", text("bad", "package bad\n\nfunc F() int { return \"s\" }\n"), native.ErrCompile, "/src/bad.go:3:"},
		{"module import", text("imp", "package imp\n\nimport \"kv\"\n\nvar _ = kv.Get\n"), native.ErrImport, "package kv is not in std"},
		{"signature", text("sig", "package sig\n\nfunc HandleCall(req any) any { return req }\n"), native.ErrSignature, "HandleCall has type func(interface {}) interface {}"},
		{"reserved name", text("res", "package res\n\nvar GexNativeExports = 1\n"), native.ErrCompile, "GexNativeExports"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			needNative(t)
			b := native.New(native.Options{CacheDir: cacheDir})
			v, err := b.Build(context.Background(), tc.src)
			if err == nil {
				_, err = v.Callbacks()
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v; want %v saying %q", err, tc.want, tc.says)
			}
			if _, ok := errors.AsType[*native.Error](err); !ok {
				if _, ok := errors.AsType[*native.SignatureError](err); !ok {
					t.Errorf("%T is not a typed error", err)
				}
			}
		})
	}
}

// TestNoCompiler builds with a C compiler that is not there: the error
// says cgo is what is missing.
func TestNoCompiler(t *testing.T) {
	t.Setenv("CC", "/nonexistent/gcc")
	b := native.New(native.Options{CacheDir: t.TempDir()})
	_, err := b.Build(context.Background(), text("nocc", "package nocc\n\nfunc F() {}\n"))
	if !errors.Is(err, native.ErrNoCgo) {
		t.Fatalf("got %v; want ErrNoCgo", err)
	}
}

// TestNoModule builds from outside any Go module: the error says the
// host's source is what is missing.
func TestNoModule(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOWORK", "off")
	b := native.New(native.Options{CacheDir: t.TempDir()})
	_, err := b.Build(context.Background(), text("nomod", "package nomod\n\nfunc F() {}\n"))
	if !errors.Is(err, native.ErrNoSource) {
		t.Fatalf("got %v; want ErrNoSource", err)
	}
}

// TestCanceled stops a build in progress through its context.
func TestCanceled(t *testing.T) {
	b := native.New(native.Options{CacheDir: t.TempDir()})
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := b.Build(ctx, text("canceled", "package canceled\n\nfunc F() {}\n"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want the context's error", err)
	}
}

// TestModuleImports builds a version that imports another module: it is
// given stubs of that module's functions, which call what Bind gives.
func TestModuleImports(t *testing.T) {
	b := native.New(native.Options{CacheDir: cacheDir})
	src := text("user", `package user

import (
	"time"

	"example.com/mods/double"
	"github.com/gexdev/gex/node"
)

func Ask(x int) int { return double.Of(x) + double.Sum(1, 2) }

func Label() string { return double.Vsn }

func Wait(p node.PID) (time.Duration, error) { return double.Wait(p, time.Second) }
`)
	src.Modules = map[string]native.Module{"example.com/mods/double": {
		Name: "double",
		Funcs: map[string]reflect.Type{
			"Of":   reflect.TypeFor[func(int) int](),
			"Sum":  reflect.TypeFor[func(...int) int](),
			"Wait": reflect.TypeFor[func(node.PID, time.Duration) (time.Duration, error)](),
			"Bad": reflect.FuncOf([]reflect.Type{ // an interpreted struct: left out
				reflect.StructOf([]reflect.StructField{{Name: "X", Type: reflect.TypeFor[int]()}})}, nil, false),
		},
		Consts: map[string]reflect.Value{"Vsn": reflect.ValueOf("7")},
	}}
	v := build(t, b, src)
	factor := 2
	funcs := map[string]reflect.Value{
		"Of":  reflect.ValueOf(func(x int) int { return factor * x }),
		"Sum": reflect.ValueOf(func(xs ...int) int { return len(xs) }),
		"Wait": reflect.ValueOf(func(p node.PID, d time.Duration) (time.Duration, error) {
			return d, nil
		}),
	}
	if err := v.Bind("example.com/mods/double", funcs); err != nil {
		t.Fatal(err)
	}
	ask := v.Funcs["Ask"].Interface().(func(int) int)
	if got := ask(10); got != 22 {
		t.Fatalf("Ask(10) = %d, want 22", got)
	}
	factor = 3
	if got := ask(10); got != 32 {
		t.Fatalf("Ask(10) after the function changed = %d, want 32", got)
	}
	if got := v.Funcs["Label"].Interface().(func() string)(); got != "7" {
		t.Errorf("Label() = %q", got)
	}
	funcs["Of"] = reflect.ValueOf(func(x string) int { return 0 })
	if err := v.Bind("example.com/mods/double", funcs); !errors.Is(err, native.ErrImport) {
		t.Errorf("Bind with another signature: %v", err)
	}
	if err := v.Bind("other", funcs); !errors.Is(err, native.ErrImport) {
		t.Errorf("Bind of a module not imported: %v", err)
	}
}

// TestStackNamesSource: a panic in native code shows the module's own
// file and line in its stack, not the wrapper's.
func TestStackNamesSource(t *testing.T) {
	b := native.New(native.Options{CacheDir: cacheDir})
	v := build(t, b, text("boom", "//go:build gex\n\npackage boom\n\nfunc Boom() {\n\tpanic(\"boom\")\n}\n"))
	var stack string
	func() {
		defer func() {
			recover()
			stack = string(debug.Stack())
		}()
		v.Funcs["Boom"].Interface().(func())()
	}()
	if !strings.Contains(stack, "/src/boom.go:6") {
		t.Fatalf("stack lacks /src/boom.go:6:\n%s", stack)
	}
}

// TestInitPanic: a module whose init panics fails to load with ErrInit,
// and so does every later open of its plugin, at once (plugin.Open itself
// would wait forever for the failed init).
func TestInitPanic(t *testing.T) {
	needNative(t)
	src := text("initpanic", "package initpanic\n\nfunc init() { panic(\"boom\") }\n")
	for i := range 2 {
		_, err := native.New(native.Options{CacheDir: cacheDir}).Build(context.Background(), src)
		if !errors.Is(err, native.ErrInit) || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("open %d: %v", i+1, err)
		}
	}
}

// TestHostOf builds for a binary named by path — here the running one, as
// a release names its bin/<name> — and refuses a file that is not a Go
// binary.
func TestHostOf(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h, err := native.HostOf(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Cgo || h.ID == "" || h.Mod != "github.com/gexdev/gex" {
		t.Fatalf("HostOf(test binary) = %+v", h)
	}
	v := build(t, native.New(native.Options{CacheDir: cacheDir, Host: &h}), source(t, "testdata/kv/kv.go"))
	if got := v.Funcs["Double"].Interface().(func(int) int)(4); got != 8 {
		t.Fatalf("Double(4) = %d", got)
	}
	if _, err := native.HostOf("testdata/kv/kv.go"); err == nil {
		t.Error("HostOf a source file succeeded")
	}
}

// TestCachePruned: the plugin cache keeps the most recent CacheEntries.
func TestCachePruned(t *testing.T) {
	needNative(t)
	dir := t.TempDir()
	b := native.New(native.Options{CacheDir: dir, CacheEntries: 2})
	var paths []string
	for i := range 3 {
		p, err := b.Compile(context.Background(), text("pruned", fmt.Sprintf("package pruned\n\nfunc F() int { return %d }\n", i)))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		time.Sleep(10 * time.Millisecond) // distinct modification times
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("%d entries in the cache, want 2", len(entries))
	}
	if _, err := os.Stat(paths[0]); err == nil {
		t.Error("the oldest plugin was kept")
	}
	if _, err := os.Stat(paths[2]); err != nil {
		t.Errorf("the newest plugin was removed: %v", err)
	}
}
