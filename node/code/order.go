package code

import (
	"fmt"
	"go/ast"
	"go/token"
	"strings"
)

// The interpreter (yaegi v0.16) turns a function used as a value into a
// Go func — to pass it to compiled code, node.Spawn(loop), or to store it
// in a compiled struct, node.ChildSpec{Start: ...} — with the entry point
// of the function's body as compiled so far. Inside a func literal that
// happens while the enclosing declaration is compiled, so a function
// declared further down the file has no body yet: the Go func runs
// nothing and returns zero values, and a spawned process exits :normal at
// once. Declarations compile in source order, so the loader orders them:
// every function used as a value inside a func literal of a declaration
// (or in a package var's initializer) is moved before that declaration.
// Go does not depend on the order of declarations (package vars keep
// their relative order, and so do init functions), so this changes
// nothing else. A cycle of such uses (a function whose func literal uses
// the function itself as a value) cannot be ordered and is refused.

// declUse is a function or method used as a value where the order of
// declarations matters.
type declUse struct {
	name string // a function's name, or "." and a method's
	pos  token.Pos
}

// orderDecls returns decls with every function moved before the
// declarations whose func literals use it as a value.
func orderDecls(fset *token.FileSet, module string, decls []ast.Decl) ([]ast.Decl, error) {
	funcs := map[string][]int{} // by declUse.name
	for i, d := range decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name != "init" && fd.Name.Name != "_" {
			funcs[funcKey(fd)] = append(funcs[funcKey(fd)], i)
		}
	}
	o := orderer{fset: fset, module: module, decls: decls, funcs: funcs, state: make([]uint8, len(decls))}
	for i := range decls {
		if err := o.visit(i); err != nil {
			return nil, err
		}
	}
	return o.out, nil
}

type orderer struct {
	fset   *token.FileSet
	module string
	decls  []ast.Decl
	funcs  map[string][]int
	state  []uint8 // 0 not visited, 1 being placed, 2 placed
	out    []ast.Decl
}

func (o *orderer) visit(i int) error {
	if o.state[i] == 2 {
		return nil
	}
	o.state[i] = 1
	for _, u := range valueUses(o.decls[i]) {
		for _, j := range o.funcs[u.name] {
			if o.state[j] == 1 {
				return o.cycle(i, j, u)
			}
			if err := o.visit(j); err != nil {
				return err
			}
		}
	}
	o.state[i] = 2
	o.out = append(o.out, o.decls[i])
	return nil
}

func (o *orderer) cycle(i, j int, u declUse) error {
	name := strings.TrimPrefix(u.name, ".")
	msg := fmt.Sprintf("%s is used as a value inside a func literal of %s, which %s needs compiled first; "+
		"the interpreter would bind %s before its body exists and the call would do nothing. "+
		"Write func(...) { %s(...) } instead, or take it outside the literal first (f := %s)",
		name, declName(o.decls[i]), declName(o.decls[j]), name, name, name)
	if i == j {
		msg = fmt.Sprintf("%s is used as a value inside a func literal of %s itself; "+
			"the interpreter would bind it before its body exists and the call would do nothing. "+
			"Write func(...) { %s(...) } instead, or take it outside the literal first (f := %s)",
			name, name, name, name)
	}
	return errorAt(o.module, o.fset.Position(u.pos), msg)
}

func funcKey(fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return "." + fd.Name.Name
	}
	return fd.Name.Name
}

func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		return d.Name.Name
	case *ast.GenDecl:
		for _, s := range d.Specs {
			if vs, ok := s.(*ast.ValueSpec); ok && len(vs.Names) > 0 {
				return "var " + vs.Names[0].Name
			}
		}
	}
	return "a declaration"
}

// valueUses lists the names used as values (not called) where order
// matters: inside func literals, and anywhere in a package var's
// initializer. A local that shadows a package function counts too; it
// only orders declarations more than needed.
func valueUses(d ast.Decl) []declUse {
	var uses []declUse
	collect := func(root ast.Node) {
		called := map[*ast.Ident]bool{}
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				switch f := ast.Unparen(n.Fun).(type) {
				case *ast.Ident:
					called[f] = true
				case *ast.SelectorExpr:
					called[f.Sel] = true
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok {
					called[k] = true // a field name, not a value
				}
			case *ast.SelectorExpr:
				if !called[n.Sel] {
					uses = append(uses, declUse{name: "." + n.Sel.Name, pos: n.Sel.Pos()})
				}
				called[n.Sel] = true // not a plain identifier
			case *ast.Ident:
				if !called[n] {
					uses = append(uses, declUse{name: n.Name, pos: n.Pos()})
				}
			}
			return true
		})
	}
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Body == nil {
			return nil
		}
		ast.Inspect(d.Body, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok {
				collect(lit.Body)
				return false
			}
			return true
		})
	case *ast.GenDecl:
		if d.Tok == token.VAR {
			for _, s := range d.Specs {
				for _, v := range s.(*ast.ValueSpec).Values {
					collect(v)
				}
			}
		}
	}
	return uses
}
