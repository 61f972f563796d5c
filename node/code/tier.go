package code

import (
	"context"
	"errors"
	"fmt"
	"go/token"
	"strconv"

	"github.com/gexdev/gex/node/code/native"
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

// ErrNoNative: a native compile on a server without a native builder.
var ErrNoNative = errors.New("no native builder (Options.Native)")

// CompileNative compiles src as a native version: the same checks as
// Compile, then a plugin built and loaded by the server's native builder.
// A version that cannot be native is a *native.Error saying why (the
// caller may Compile it instead); a module error is what Compile returns.
func (s *Server) CompileNative(ctx context.Context, src *Source) (*Object, error) {
	if s.native == nil {
		return nil, ErrNoNative
	}
	if err := s.checkName(src); err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	p, err := parse(fset, src)
	if err != nil {
		return nil, err
	}
	v := &version{name: src.Name, hash: src.Hash, path: src.Path, tier: Native}
	if v.vsn, err = p.vsn(fset); err != nil {
		return nil, err
	}
	if v.vsn == "" {
		v.vsn = src.Hash
	}
	if err := s.nativeImports(p); err != nil {
		return nil, err
	}
	files := make([]native.File, len(src.Files))
	for i, f := range src.Files {
		files[i] = native.File{Name: f.Name, Data: f.Data}
	}
	nv, err := s.native.Build(ctx, native.Source{Name: src.Name, Files: files})
	if err != nil {
		return nil, err
	}
	v.funcs, v.other, v.plugin, v.mapped = nv.Funcs, nv.Other, nv.Path, nv.Mapped
	if v.cb, err = callbacks(v, nv.Funcs); err != nil {
		return nil, err
	}
	return &Object{v: v}, nil
}

// nativeImports refuses, before any build, the imports a plugin cannot
// have: other modules, which exist only in the code server.
func (s *Server) nativeImports(p *parsed) error {
	for _, is := range p.imports {
		ipath, _ := strconv.Unquote(is.Path.Value)
		if _, std := s.std[ipath]; std || genericStd(ipath) || ipath == nodePath || ipath == migratePath {
			continue
		}
		return &native.Error{Module: p.name, Op: "build", Err: native.ErrImport,
			Detail: fmt.Sprintf("import %q: a native version can import the standard library, node and node/migrate, not other modules", ipath)}
	}
	return nil
}

// compileTier compiles src in the server's tier: natively when the server
// loads native versions, falling back to the interpreter when the version
// cannot be native. The returned error says why it fell back; the load
// reports it (LoadResult.Fallback) and logs it, never silently.
func (s *Server) compileTier(src *Source, chain []string) (obj *Object, fallback error, err error) {
	if s.tier != Native || s.native == nil {
		obj, err = s.compile(src, chain)
		return obj, nil, err
	}
	obj, err = s.CompileNative(context.Background(), src)
	if _, ok := errors.AsType[*native.Error](err); !ok {
		return obj, nil, err
	}
	obj, cerr := s.compile(src, chain)
	if cerr != nil {
		return nil, nil, cerr
	}
	s.node.Logger().Warn("module loaded interpreted", "module", src.Name, "vsn", obj.v.vsn, "reason", err.Error())
	return obj, err, nil
}
