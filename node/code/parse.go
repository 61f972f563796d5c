package code

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// parsed is a module's source as syntax trees, checked for what the
// interpreter must not be given.
type parsed struct {
	name    string
	files   []*ast.File
	imports []*ast.ImportSpec // each import path once
	file    *ast.File         // the package as one file, its declarations ordered
}

// parse parses src into fset, the interpreter's file set, so that the
// positions of the interpreter's errors name the module's files.
func parse(fset *token.FileSet, src *Source) (*parsed, error) {
	p := &parsed{name: src.Name}
	var errs []error
	for _, f := range src.Files {
		af, err := parser.ParseFile(fset, f.Name, f.Data, parser.AllErrors|parser.SkipObjectResolution)
		if err != nil {
			errs = append(errs, compileError(src.Name, err))
			continue
		}
		p.files = append(p.files, af)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := p.refuseGo(fset); err != nil {
		return nil, err
	}
	p.collectImports()
	p.file = p.merge()
	decls, err := orderDecls(fset, p.name, p.file.Decls)
	if err != nil {
		return nil, err
	}
	p.file.Decls = decls
	return p, nil
}

// goRefused explains why a module may not use the go statement.
const goRefused = "go statement not allowed in a module: a panic in a goroutine the node " +
	"did not start kills the whole node; start concurrent work with " +
	"node.Spawn(func(p *node.Proc) { ... }), which recovers and reports"

// refuseGo rejects raw go statements. A panic in a goroutine started by
// interpreted code cannot be recovered by the node, so it would take every
// process down with it; node.Spawn runs the function as a process instead.
func (p *parsed) refuseGo(fset *token.FileSet) error {
	var errs []error
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok {
				errs = append(errs, errorAt(p.name, fset.Position(g.Go), goRefused))
			}
			return true
		})
	}
	return errors.Join(errs...)
}

func (p *parsed) collectImports() {
	seen := make(map[string]bool)
	for _, f := range p.files {
		for _, is := range f.Imports {
			path, _ := strconv.Unquote(is.Path.Value)
			if !seen[path] {
				seen[path] = true
				p.imports = append(p.imports, is)
			}
		}
	}
}

// merged returns the package as one file, for the interpreter.
func (p *parsed) merged() *ast.File { return p.file }

// merge returns the package as one file: the interpreter compiles a
// program from one syntax tree. Imports, file-scoped in Go, become
// package-scoped; identical imports in several files are kept once.
func (p *parsed) merge() *ast.File {
	if len(p.files) == 1 {
		return p.files[0]
	}
	first := p.files[0]
	imports := &ast.GenDecl{Tok: token.IMPORT, TokPos: first.Package, Lparen: first.Package}
	seen := make(map[string]bool)
	var decls []ast.Decl
	for _, f := range p.files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.IMPORT {
				decls = append(decls, d)
				continue
			}
			for _, s := range g.Specs {
				is := s.(*ast.ImportSpec)
				k := is.Path.Value
				if is.Name != nil {
					k = is.Name.Name + " " + k
				}
				if !seen[k] {
					seen[k] = true
					imports.Specs = append(imports.Specs, is)
				}
			}
		}
	}
	if len(imports.Specs) > 0 {
		decls = append([]ast.Decl{imports}, decls...)
	}
	return &ast.File{Package: first.Package, Name: first.Name, Decls: decls}
}

// vsn returns the value of the package's const Vsn, "" if it has none.
// The version must be known before the module's init runs, since processes
// it spawns are pinned to it, so Vsn must be a literal: "1", 1 or 0.1.
func (p *parsed) vsn(fset *token.FileSet) (string, error) {
	for _, f := range p.files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if id.Name != "Vsn" || i >= len(vs.Values) {
						continue
					}
					if v, ok := literal(vs.Values[i]); ok {
						return v, nil
					}
					return "", errorAt(p.name, fset.Position(vs.Values[i].Pos()),
						"const Vsn must be a literal such as \"1\"")
				}
			}
		}
	}
	return "", nil
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok {
		return "", false
	}
	switch lit.Kind {
	case token.STRING:
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil && s != ""
	case token.INT, token.FLOAT:
		return lit.Value, true
	}
	return "", false
}
