package code

import (
	"fmt"
	"go/token"
	"path"
	"strconv"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/interp"
	"github.com/gexdev/gex/node/symbols"
)

// stdIndex maps the import paths of the standard library to their keys in
// stdlib.Symbols; see interp.StdKeys. Read only.
func stdIndex() map[string]string { return interp.StdKeys() }

// uses is what one module version's interpreter is given.
type uses struct {
	exports yaegi.Exports
	pinned  yaegi.Exports // given after exports: Use merges them into the same packages
	generic bool          // compile the generic standard library sources too
}

// resolveImports gives each import of the module its symbols: the standard
// library (its AfterFuncs pinned to v), the node (bound to this server's
// node and pinned to v), the migration helpers, or another module's stable
// stubs, loading that module from the code path if it is not loaded (chain
// lists the modules whose imports led here, to refuse cycles). Only what
// the module imports is given: handing an interpreter the whole standard
// library costs milliseconds per version.
func (s *Server) resolveImports(fset *token.FileSet, p *parsed, v *version, chain []string) (*uses, error) {
	u := &uses{exports: yaegi.Exports{}, pinned: yaegi.Exports{}}
	for _, is := range p.imports {
		ipath, _ := strconv.Unquote(is.Path.Value)
		if err := s.resolveImport(u, ipath, v, chain); err != nil {
			ce := errorAt(p.name, fset.Position(is.Pos()), err.Error())
			ce.Err = err
			return nil, ce
		}
	}
	return u, nil
}

func (s *Server) resolveImport(u *uses, ipath string, v *version, chain []string) error {
	switch ipath {
	case interp.NodePath:
		u.exports[nodeKey] = s.nodeSyms
		u.pinned[nodeKey] = spawnSymbols(s.node, v)
		return nil
	case interp.MigratePath:
		u.exports[migrateKey] = symbols.Symbols[migrateKey]
		return nil
	}
	if k, ok := s.std[ipath]; ok {
		s.useStd(u, ipath, k)
		if syms := afterFuncSymbols(s.node, v, ipath); syms != nil {
			u.pinned[k] = syms
		}
		return nil
	}
	if k, ok := s.extra[ipath]; ok {
		u.exports[k] = s.extraSyms[k]
		return nil
	}
	if node.ModuleKey(path.Base(ipath)) == node.ModuleKey(v.name) {
		return fmt.Errorf("module %s imports itself", v.name)
	}
	if syms, name, ok := v.batch.symbols(path.Base(ipath)); ok {
		u.exports[ipath+"/"+name] = syms // compiled in the same PrepareLoading
		return nil
	}
	if v.batch != nil && !s.IsLoaded(path.Base(ipath)) {
		return fmt.Errorf("import %q: module %s is not loaded: a set of modules loads all or none, "+
			"so it does not load %s from the code path; add it to the set or load it first",
			ipath, path.Base(ipath), path.Base(ipath))
	}
	syms, name, err := s.moduleSymbols(path.Base(ipath), chain)
	if err != nil {
		return fmt.Errorf("import %q: %w (a module may import the standard library, "+
			"%s, %s and loaded modules)", ipath, err, interp.NodePath, interp.MigratePath)
	}
	u.exports[ipath+"/"+name] = syms
	return nil
}

func (s *Server) useStd(u *uses, ipath, k string) {
	u.generic = u.generic || interp.Generic(ipath)
	for key, syms := range interp.StdExports(ipath, stdlib.Symbols[k]) {
		u.exports[key] = syms
	}
}

// apply gives the interpreter what u holds.
func (u *uses) apply(i *yaegi.Interpreter) error {
	if err := i.Use(u.exports); err != nil {
		return err
	}
	if err := i.Use(u.pinned); err != nil {
		return err
	}
	if !u.generic {
		return nil
	}
	return interp.CompileGeneric(i)
}
