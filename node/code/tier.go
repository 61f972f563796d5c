package code

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"path"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/native"
	"github.com/gexdev/gex/node/interp"
)

// Tier is how a module version runs.
type Tier int

const (
	// Interpreted versions run in an interpreter of their own (yaegi).
	Interpreted Tier = iota
	// Native versions are compiled Go, loaded as plugins (package native).
	Native
)

func (t Tier) String() string {
	if t == Native {
		return "native"
	}
	return "interpreted"
}

// identical reports whether a and b are the same type, or identical
// unnamed types (the same signature): the interpreter makes the function
// types of a module with reflect.FuncOf, and a plugin brings its own copy
// of a function type the host binary lacks, so one signature can be two
// reflect.Types, which calls convert between.
func identical(a, b reflect.Type) bool {
	return a == b || a.Name() == "" && b.Name() == "" && a.String() == b.String() && a.ConvertibleTo(b) && b.ConvertibleTo(a)
}

// CompileNative compiles src as a native version: the same checks as
// Compile, then a plugin built and loaded by the server's native builder.
// The modules it imports are given to it as stubs of their current
// exports, which reach their current version at each call, native or
// interpreted. A version that cannot be native is a *native.Error saying
// why (the caller may Compile it instead); a module error is what Compile
// returns.
func (s *Server) CompileNative(ctx context.Context, src *Source) (*Object, error) {
	return s.compileNative(ctx, src, nil)
}

func (s *Server) compileNative(ctx context.Context, src *Source, chain []string) (*Object, error) {
	if s.native == nil {
		return nil, ErrNoNative
	}
	v, nsrc, mods, err := s.nativeSource(src, chain)
	if err != nil {
		return nil, err
	}
	nv, err := s.native.Build(ctx, nsrc)
	if err != nil {
		return nil, err
	}
	return s.nativeObject(v, nv, mods)
}

// BuildPlugin builds the plugin of src's native version with the
// server's native builder, for the host the builder builds for (a
// release's binary, Options.Host), and returns its file, loading
// nothing: the checks of CompileNative, the modules src imports as stubs
// of their current exports. Errors are CompileNative's.
func (s *Server) BuildPlugin(ctx context.Context, src *Source) (string, error) {
	if s.native == nil {
		return "", ErrNoNative
	}
	_, nsrc, _, err := s.nativeSource(src, nil)
	if err != nil {
		return "", err
	}
	return s.native.Compile(ctx, nsrc)
}

// OpenNative loads src's native version from file, a plugin BuildPlugin
// built for this binary from the same source (a release's). Errors are
// CompileNative's; a plugin built for another binary is a *native.Error
// (native.ErrMismatch).
func (s *Server) OpenNative(src *Source, file string) (*Object, error) {
	return s.openNative(src, file, nil)
}

func (s *Server) openNative(src *Source, file string, chain []string) (*Object, error) {
	v, _, mods, err := s.nativeSource(src, chain)
	if err != nil {
		return nil, err
	}
	nv, err := native.Open(src.Name, file)
	if err != nil {
		return nil, err
	}
	return s.nativeObject(v, nv, mods)
}

// nativeSource checks src as Compile does and returns its native version
// to be, the source the native builder builds, and the symbols of the
// modules it imports, by import path.
func (s *Server) nativeSource(src *Source, chain []string) (*version, native.Source, map[string]map[string]reflect.Value, error) {
	var nsrc native.Source
	if err := s.checkName(src); err != nil {
		return nil, nsrc, nil, err
	}
	fset := token.NewFileSet()
	p, err := parse(fset, src)
	if err != nil {
		return nil, nsrc, nil, err
	}
	v := &version{name: src.Name, hash: src.Hash, path: src.Path, tier: Native}
	if v.vsn, err = p.vsn(fset); err != nil {
		return nil, nsrc, nil, err
	}
	if v.vsn == "" {
		v.vsn = src.Hash
	}
	if name := managesNode(p); name != "" {
		// Go would compile it; the interpreter refuses it, and says why.
		return nil, nsrc, nil, &native.Error{Module: p.name, Op: "build", Err: native.ErrCompile,
			Detail: "node." + name + " manages a node and is not for modules"}
	}
	mods, err := s.nativeImports(p, slices.Concat(chain, []string{node.ModuleKey(v.name)}))
	if err != nil {
		return nil, nsrc, nil, err
	}
	nsrc = native.Source{Name: src.Name, Files: make([]native.File, len(src.Files)), Modules: make(map[string]native.Module)}
	for i, f := range src.Files {
		nsrc.Files[i] = native.File{Name: f.Name, Data: f.Data}
	}
	for ipath, syms := range mods {
		nm := native.Module{Name: path.Base(ipath), Funcs: make(map[string]reflect.Type), Consts: make(map[string]reflect.Value)}
		for name, val := range syms {
			if val.Kind() == reflect.Func {
				nm.Funcs[name] = val.Type()
			} else {
				nm.Consts[name] = val
			}
		}
		nsrc.Modules[ipath] = nm
	}
	return v, nsrc, mods, nil
}

// nativeObject makes v, loaded as nv, an Object: its imports bound to the
// modules' stubs, its callbacks read, what its code spawns pinned to it.
func (s *Server) nativeObject(v *version, nv *native.Version, mods map[string]map[string]reflect.Value) (*Object, error) {
	for ipath, syms := range mods {
		if err := nv.Bind(ipath, syms); err != nil {
			return nil, err
		}
	}
	v.funcs, v.other, v.plugin, v.mapped, v.native = nv.Funcs, nv.Other, nv.Path, nv.Mapped, nv
	var err error
	if v.cb, err = callbacks(v, nv.Funcs); err != nil {
		return nil, err
	}
	if err := s.pinNative(v); err != nil {
		return nil, err
	}
	return &Object{v: v}, nil
}

// managesNode returns a name of package node the module uses that is not
// for modules (notForModules), or "".
func managesNode(p *parsed) string {
	var found string
	for _, f := range p.files {
		local := ""
		for _, is := range f.Imports {
			if ipath, _ := strconv.Unquote(is.Path.Value); ipath == interp.NodePath {
				local = "node"
				if is.Name != nil {
					local = is.Name.Name
				}
			}
		}
		if local == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && found == "" {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == local && slices.Contains(notForModules, sel.Sel.Name) {
					found = sel.Sel.Name
				}
			}
			return found == ""
		})
	}
	return found
}

// nativeImports returns the importable symbols of each module p imports,
// by import path, loading them from the code path if needed. An import
// that is neither the standard library, node, node/migrate nor a module is
// a *native.Error: the interpreter's compile will say what is wrong.
func (s *Server) nativeImports(p *parsed, chain []string) (map[string]map[string]reflect.Value, error) {
	mods := make(map[string]map[string]reflect.Value)
	for _, is := range p.imports {
		ipath, _ := strconv.Unquote(is.Path.Value)
		_, std := s.std[ipath]
		if _, extra := s.extra[ipath]; std || extra || interp.Generic(ipath) || ipath == interp.NodePath || ipath == interp.MigratePath {
			continue
		}
		if node.ModuleKey(path.Base(ipath)) == node.ModuleKey(p.name) {
			return nil, &native.Error{Module: p.name, Op: "build", Err: native.ErrImport, Detail: "the module imports itself"}
		}
		syms, _, err := s.moduleSymbols(path.Base(ipath), chain)
		if err != nil {
			return nil, &native.Error{Module: p.name, Op: "build", Err: native.ErrImport, Detail: fmt.Sprintf("import %q: %v", ipath, err)}
		}
		mods[ipath] = syms
	}
	return mods, nil
}

// compileTier compiles src in the server's tier: from its prebuilt plugin
// when Options.Plugins has one, natively when the server loads native
// versions, else, or when the version cannot be native, with interpreted
// (the interpreter, alone or in a batch). The returned fallback says why
// a version asked to be native is interpreted; the load reports it
// (LoadResult.Fallback), the version keeps it (ModuleInfo.Fallback) and
// the node's log says it: never silently.
func (s *Server) compileTier(src *Source, chain []string, interpreted func() (*Object, error)) (obj *Object, fallback error, err error) {
	obj, nerr := s.compileNativeTier(src, chain)
	if nerr == nil && obj != nil {
		return obj, nil, nil
	}
	if _, ok := errors.AsType[*native.Error](nerr); nerr != nil && !ok {
		return nil, nil, nerr
	}
	if obj, err = interpreted(); err != nil || nerr == nil {
		return obj, nil, err
	}
	obj.v.why = nerr.Error()
	s.node.Logger().Warn("module loaded interpreted", "module", src.Name, "vsn", obj.v.vsn, "reason", nerr.Error())
	return obj, nerr, nil
}

// CompileTier compiles src as a load would (LoadSource), installing
// nothing: its prebuilt plugin (Options.Plugins), or natively in the
// native tier, or interpreted; fallback says why a version asked to be
// native is interpreted, as LoadResult.Fallback does.
func (s *Server) CompileTier(src *Source) (obj *Object, fallback error, err error) {
	return s.compileTier(src, nil, func() (*Object, error) { return s.compile(src, nil) })
}

// compileNativeTier returns src's native version if it is asked to be
// native: its prebuilt plugin, or a native build in the native tier.
// (nil, nil) when it is not; a *native.Error says why it cannot be.
func (s *Server) compileNativeTier(src *Source, chain []string) (*Object, error) {
	if s.plugins != nil {
		file, err := s.plugins(src)
		if file != "" {
			return s.openNative(src, file, chain)
		}
		if err != nil {
			if _, ok := errors.AsType[*native.Error](err); !ok {
				err = &native.Error{Module: src.Name, Op: "load", Err: native.ErrLoad, Detail: err.Error()}
			}
			return nil, err
		}
	}
	if s.tier != Native || s.native == nil {
		return nil, nil
	}
	return s.compileNative(context.Background(), src, chain)
}

// pinNative gives the native version's code the node functions that start
// processes pinned to v, as the interpreted tier's are: purging v kills
// what its code spawned, and AfterFunc runs f in such a process. (The
// module's init has run when the plugin was opened, before this.) A
// plugin is one package however often it is opened, so the last version
// pinned owns its hooks.
func (s *Server) pinNative(v *version) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := hook(v.native, spawnSymbols(s.node, v), afterFuncSymbols(s.node, v, "time"), afterFuncSymbols(s.node, v, "context")); err != nil {
		return err
	}
	s.hooked[v.plugin] = v
	return nil
}

// unpinNative points the hooks of v's plugin, if v owns them, at functions
// that hold no version: the plugin stays mapped for the life of the
// process, and its hooks must not keep the purged version (and the
// interpreted version it replaced) alive. What its code still spawns dies
// at once, as a purged version's does. Called with s.mu held.
func (s *Server) unpinNative(v *version) {
	if v.native == nil || s.hooked[v.plugin] != v {
		v.native = nil
		return
	}
	delete(s.hooked, v.plugin)
	// The module API's functions find the caller's node: nothing held.
	dead := func(f func(*node.Proc), opts node.SpawnOptions) node.PID {
		pid := node.SpawnOpts(f, opts)
		node.Exit(pid, node.Kill)
		return pid
	}
	gone := func(f func()) { dead(func(*node.Proc) { f() }, node.SpawnOptions{}) }
	hook(v.native, map[string]reflect.Value{
		"Spawn":     reflect.ValueOf(func(f func(*node.Proc)) node.PID { return dead(f, node.SpawnOptions{}) }),
		"SpawnLink": reflect.ValueOf(func(f func(*node.Proc)) node.PID { return dead(f, node.SpawnOptions{Link: true}) }),
		"SpawnOpts": reflect.ValueOf(dead),
		"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
			return time.AfterFunc(d, func() { gone(f) })
		}),
	}, AfterFuncSymbols("time", gone), AfterFuncSymbols("context", gone))
	v.native = nil
}

// hook sets the plugin's hooks: the node functions, then time's and
// context's AfterFunc.
func hook(nv *native.Version, nodeSyms, timeSyms, contextSyms map[string]reflect.Value) error {
	for name, f := range nodeSyms {
		if err := nv.Hook(interp.NodePath+"."+name, f); err != nil {
			return err
		}
	}
	if err := nv.Hook("time.AfterFunc", timeSyms["AfterFunc"]); err != nil {
		return err
	}
	return nv.Hook("context.AfterFunc", contextSyms["AfterFunc"])
}
