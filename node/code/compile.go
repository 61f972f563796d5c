package code

import (
	"fmt"
	"go/token"
	"io/fs"
	"reflect"
	"slices"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/interp"
)

// Object is a compiled module version that is not loaded yet, what Erlang
// calls object code. Compile makes one and Install loads it; a release
// compiles every module of an upgrade before it loads any.
type Object struct {
	v         *version
	installed bool // guarded by the Server's mutex
}

// Info describes the compiled version.
func (o *Object) Info() ModuleInfo { return o.v.info() }

// Callbacks returns the GenServer callbacks of the compiled version, so
// that a release can run its CodeChange on live states before the version
// is current.
func (o *Object) Callbacks() *node.Callbacks { return o.v.cb }

// Compile compiles src in an interpreter of its own. The module's package
// vars are initialized and its init functions run; nothing else changes
// until Install, and a failure leaves no trace. Errors are CompileErrors
// (possibly joined) or a CallbackError.
func (s *Server) Compile(src *Source) (*Object, error) { return s.compile(src, nil) }

// compile is Compile with the chain of modules whose imports led to src.
func (s *Server) compile(src *Source, chain []string) (*Object, error) {
	return s.compileWith(src, chain, nil)
}

// compileIn compiles src as one module of a PrepareLoading batch b.
func (s *Server) compileIn(src *Source, b batch) (*Object, error) { return s.compileWith(src, nil, b) }

func (s *Server) compileWith(src *Source, chain []string, b batch) (*Object, error) {
	if err := s.checkName(src); err != nil {
		return nil, err
	}
	v := &version{name: src.Name, hash: src.Hash, path: src.Path, batch: b}
	defer func() { v.batch = nil }() // the batch's other versions must stay collectable
	// An interpreter for this version alone: yaegi cannot evaluate a
	// package twice in one interpreter ("redeclared in this block").
	i, err := interp.New(yaegi.Options{SourcecodeFilesystem: noSource{}, Stderr: s.stderr(v)})
	if err != nil {
		return nil, err
	}
	fset := i.FileSet()
	p, err := parse(fset, src)
	if err != nil {
		return nil, err
	}
	if v.vsn, err = p.vsn(fset); err != nil {
		return nil, err
	}
	if v.vsn == "" {
		v.vsn = src.Hash
	}
	u, err := s.resolveImports(fset, p, v, slices.Concat(chain, []string{node.ModuleKey(v.name)}))
	if err != nil {
		return nil, err
	}
	exported, err := evaluate(i, p, u, position(fset, p))
	if err == nil {
		v.funcs, v.other = split(exported)
		v.cb, err = callbacks(v, exported)
	}
	if err != nil {
		// The init may have spawned processes before the failure: they run
		// code of a version never installed, which no purge would reach.
		v.purged.Store(true)
		s.kill(v.pins.live(s.node))
		return nil, err
	}
	return &Object{v: v}, nil
}

// checkName refuses a module named like a standard library package: its
// importers and the console import it by its name, which would give them
// the standard library's package instead.
func (s *Server) checkName(src *Source) error {
	if _, std := s.std[src.Name]; !std {
		return nil
	}
	return errorAt(src.Name, token.Position{Filename: src.Files[0].Name, Line: 1}, fmt.Sprintf(
		"package %s: the name of a standard library package; a module needs a name of its own", src.Name))
}

// evaluate compiles and runs the package in i and returns its exported
// symbols. It is the boundary with the interpreter, which can panic on
// input it does not expect (yaegi issues #982, #1593): such a panic
// becomes a CompileError at the package clause.
func evaluate(i *yaegi.Interpreter, p *parsed, u *uses, at token.Position) (exported map[string]reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(p.name, at, r)
		}
	}()
	if err := u.apply(i); err != nil {
		return nil, errorAt(p.name, at, err.Error())
	}
	prog, err := i.CompileAST(p.merged())
	if err != nil {
		return nil, compileError(p.name, err)
	}
	if _, err := i.Execute(prog); err != nil {
		ce := errorAt(p.name, at, "init failed: "+err.Error())
		ce.Err = err
		return nil, ce
	}
	return i.Symbols(p.name)[p.name], nil
}

// panicError turns a panic of the interpreter into a CompileError, at the
// position the panic names ("file:line:col: CFG post-order panic: ...") or
// else at the package clause.
func panicError(module string, at token.Position, r any) error {
	ce, ok := compileError(module, fmt.Errorf("%v", r)).(*CompileError)
	if !ok || ce.File == "" {
		ce = errorAt(module, at, fmt.Sprint(r))
	}
	ce.Msg = "the interpreter failed on this code: " + ce.Msg
	return ce
}

// split separates exported functions, which importers reach through stubs,
// from constants and types, which they are given as they are. Package vars
// are left out: an importer would read the version current when it
// imported, and keep that version alive.
func split(exported map[string]reflect.Value) (funcs, other map[string]reflect.Value) {
	funcs = make(map[string]reflect.Value)
	other = make(map[string]reflect.Value)
	for name, val := range exported {
		switch {
		case !val.IsValid():
		case val.CanAddr(): // a package var: the interpreter hands out its storage
		case val.Kind() == reflect.Func:
			funcs[name] = val
		default:
			other[name] = val
		}
	}
	return funcs, other
}

func position(fset *token.FileSet, p *parsed) token.Position {
	return fset.Position(p.files[0].Name.Pos())
}

// noSource is the interpreter's source file system: empty, so that an
// import is never compiled from disk behind the code server's back.
type noSource struct{}

func (noSource) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
