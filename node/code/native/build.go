package native

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configures a Builder. The zero value means defaults.
type Options struct {
	// CacheDir holds the built plugins, one directory per key. Default:
	// gex/native under os.UserCacheDir.
	CacheDir string
	// CacheEntries bounds the plugins kept in CacheDir (each some MB):
	// after a build, the least recently built or used beyond it are
	// removed.
	// Default 64.
	CacheEntries int
	// ModuleDir is the root of the host's Go module, whose packages
	// plugins are compiled against. Default: the host's main module, as
	// the go command finds it from the working directory.
	ModuleDir string
	// Go is the go command. Default: go on PATH. It must be the
	// toolchain that built the host.
	Go string
	// Host is the binary the plugins are for. Default: the running one
	// (readHost). A release sets HostOf(its bin/<name>), built by the same
	// toolchain from ModuleDir; Open works only in that binary.
	Host *Host
	// Env is added to the go command's environment: what the host's build
	// had that its build information does not record (GOFLAGS=-mod=mod
	// for a release's, whose build may add requirements to go.mod).
	Env []string
}

// Builder builds and loads native module versions for the running binary.
// It is safe for concurrent use; builds of the same source share one run
// of the toolchain.
type Builder struct {
	opts Options

	setup    sync.Once
	setupErr error // why this host cannot build plugins at all
	host     Host
	modPath  string // the module path of Options.ModuleDir

	checkOnce sync.Once
	checkErr  error

	mu      sync.Mutex
	flights map[string]*flight // builds in progress, by key
}

// flight is one build in progress; its waiters read path and err once done
// is closed.
type flight struct {
	done chan struct{}
	path string
	err  error
}

// New returns a Builder.
func New(opts Options) *Builder {
	return &Builder{opts: opts, flights: make(map[string]*flight)}
}

// Check builds and loads a module of one function, once per Builder, and
// returns why that fails: whether this host can have native versions at
// all (a C compiler, the toolchain, the module's source, the platform).
func (b *Builder) Check(ctx context.Context) error {
	b.checkOnce.Do(func() {
		src := Source{Name: "gexcheck", Files: []File{{Name: "gexcheck.go", Data: []byte("package gexcheck\n\nfunc F() int { return 1 }\n")}}}
		_, b.checkErr = b.Build(ctx, src)
	})
	return b.checkErr
}

// Build compiles src natively, or finds it in the cache, and loads it.
func (b *Builder) Build(ctx context.Context, src Source) (*Version, error) {
	path, err := b.Compile(ctx, src)
	if err != nil {
		return nil, err
	}
	return Open(src.Name, path)
}

// Compile builds the plugin of src, unless the cache has it, and returns
// its path. Errors are *Error.
func (b *Builder) Compile(ctx context.Context, src Source) (string, error) {
	if err := b.init(src.Name); err != nil {
		return "", err
	}
	key := b.host.key(b.opts.ModuleDir, src)
	b.mu.Lock()
	if f := b.flights[key]; f != nil {
		b.mu.Unlock()
		select {
		case <-f.done:
			return f.path, f.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	b.flights[key] = f
	b.mu.Unlock()
	f.path, f.err = b.compile(ctx, key, src)
	b.mu.Lock()
	delete(b.flights, key)
	b.mu.Unlock()
	close(f.done)
	return f.path, f.err
}

// init checks once that this host can load plugins at all, and finds the
// toolchain and the module.
func (b *Builder) init(module string) error {
	b.setup.Do(func() {
		if b.opts.Host != nil {
			b.host = *b.opts.Host
		} else {
			b.host = thisHost()
		}
		switch {
		case runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd":
			b.setupErr = ErrUnsupported
		case !b.host.Cgo:
			b.setupErr = &Error{Op: "build", Err: ErrNoCgo, Detail: "the host was built with CGO_ENABLED=0"}
		}
		if b.setupErr != nil {
			return
		}
		if b.opts.Go, b.setupErr = goTool("", b.opts.Go, cmp.Or(b.host.Go, runtime.Version())); b.setupErr != nil {
			return
		}
		if b.opts.ModuleDir == "" {
			if b.opts.ModuleDir, b.setupErr = moduleDir("", b.opts.Go, b.host.Mod); b.setupErr != nil {
				return
			}
		}
		if b.modPath, b.setupErr = modulePath(b.opts.ModuleDir); b.setupErr != nil {
			return
		}
		if b.opts.CacheDir == "" {
			dir, err := os.UserCacheDir()
			if err != nil {
				b.setupErr = &Error{Op: "build", Err: ErrCompile, Detail: "no cache directory: " + err.Error()}
				return
			}
			b.opts.CacheDir = filepath.Join(dir, "gex", "native")
		}
	})
	var e *Error
	if errors.As(b.setupErr, &e) {
		cp := *e
		cp.Module = module
		return &cp
	}
	if b.setupErr != nil {
		return &Error{Module: module, Op: "build", Err: b.setupErr}
	}
	return nil
}

// compile runs go build for src under key, unless the cache has it.
func (b *Builder) compile(ctx context.Context, key string, src Source) (string, error) {
	dir := filepath.Join(b.opts.CacheDir, key)
	so := filepath.Join(dir, src.Name+".so")
	if _, err := os.Stat(so); err == nil {
		now := time.Now()
		os.Chtimes(dir, now, now) // recently used: pruned last
		return so, nil
	}
	pkgRel := path.Join(".gexnative", key)
	files, err := wrapper(src, b.modPath+"/"+pkgRel)
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		return "", &Error{Module: src.Name, Op: "build", Err: ErrCompile, Detail: err.Error()}
	}
	srcDir := filepath.Join(dir, "src")
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		return fail(err)
	}
	// The wrapper appears inside the host module, through the overlay, so
	// that go build resolves every import as the host's build did.
	pkgDir := filepath.Join(b.opts.ModuleDir, ".gexnative", key)
	overlay := map[string]map[string]string{"Replace": {}}
	for rel, data := range files {
		real := filepath.Join(srcDir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(real, data, 0o644); err != nil {
			return fail(err)
		}
		overlay["Replace"][filepath.Join(pkgDir, filepath.FromSlash(rel))] = real
	}
	ov, _ := json.Marshal(overlay)
	ovPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
		return fail(err)
	}
	tmp, err := os.CreateTemp(dir, "build-*.so")
	if err != nil {
		return fail(err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	args := append([]string{"build", "-buildmode=plugin", "-ldflags=-s -w", "-overlay", ovPath, "-o", tmp.Name()}, b.host.Flags...)
	args = append(args, "./"+pkgRel)
	cmd := exec.CommandContext(ctx, b.opts.Go, args...)
	cmd.Dir = b.opts.ModuleDir
	cmd.Env = append(slices.Concat(os.Environ(), b.opts.Env, b.host.Env), "CGO_ENABLED=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", buildError(src.Name, out.String(), err)
	}
	// Renamed into place whole: another process building the same key
	// never opens half a file.
	if err := os.Rename(tmp.Name(), so); err != nil {
		return fail(err)
	}
	b.prune()
	return so, nil
}

// prune removes the least recently built plugins beyond CacheEntries. A
// plugin removed while loaded stays mapped; a later build makes it again.
func (b *Builder) prune() {
	limit := b.opts.CacheEntries
	if limit <= 0 {
		limit = 64
	}
	entries, err := os.ReadDir(b.opts.CacheDir)
	if err != nil || len(entries) <= limit {
		return
	}
	type entry struct {
		path string
		mod  int64
	}
	var all []entry
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && e.IsDir() {
			all = append(all, entry{filepath.Join(b.opts.CacheDir, e.Name()), fi.ModTime().UnixNano()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod > all[j].mod })
	for _, e := range all[min(limit, len(all)):] {
		os.RemoveAll(e.path)
	}
}

// buildError classifies a failed go build by what it printed.
func buildError(module, out string, err error) error {
	var lines []string
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "# ") { // the wrapper's import path
			lines = append(lines, strings.TrimRight(line, "\n"))
		}
	}
	detail := strings.Join(lines, "\n")
	if detail == "" {
		detail = err.Error()
	}
	kind := ErrCompile
	switch {
	case strings.Contains(out, "C compiler") || strings.Contains(out, "requires external (cgo) linking"):
		kind = ErrNoCgo
	case strings.Contains(out, "not supported on"):
		kind = ErrUnsupported
	case strings.Contains(out, "is not in std") || strings.Contains(out, "no required module provides package") ||
		strings.Contains(out, "cannot find package") || strings.Contains(out, "use of internal package"):
		kind = ErrImport
		detail += "\n(a native version can import the standard library and the packages of the host's module, not other Gex modules)"
	}
	return &Error{Module: module, Op: "build", Err: kind, Detail: detail}
}
