package helpers

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"strings"

	"github.com/gexdev/gex/node/code"
)

// moduleDoc reads the documentation of a loaded module with go/doc from
// the source it was loaded from, as go doc reads a package's.
func (e *Env) moduleDoc(module string) (*doc.Package, *token.FileSet, error) {
	cs, err := e.code()
	if err != nil {
		return nil, nil, err
	}
	in, err := cs.Info(module)
	if err != nil {
		return nil, nil, err
	}
	src, err := code.ReadSource(in.Path)
	if err != nil {
		return nil, nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, f := range src.Files {
		af, err := parser.ParseFile(fset, f.Name, f.Data, parser.ParseComments)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, af)
	}
	pkg, err := doc.NewFromFiles(fset, files, in.Name)
	return pkg, fset, err
}

// packageDoc shows a module as go doc shows a package: its clause, its
// doc comment, and its exported declarations, one line each.
func (e *Env) packageDoc(pkg *doc.Package, fset *token.FileSet) {
	e.printf("package %s\n\n", pkg.Name)
	if text := pkg.Text(pkg.Doc); len(text) > 0 {
		e.printf("%s\n", text)
	}
	var decls []string
	for _, v := range append(pkg.Consts, pkg.Vars...) {
		decls = append(decls, declLine(fset, v.Decl))
	}
	for _, f := range pkg.Funcs {
		decls = append(decls, declLine(fset, f.Decl))
	}
	for _, t := range pkg.Types {
		decls = append(decls, "type "+t.Name+" "+typeKind(t))
		for _, f := range t.Funcs {
			decls = append(decls, "    "+declLine(fset, f.Decl))
		}
	}
	for _, d := range decls {
		e.printf("%s\n", d)
	}
}

// symbolDoc returns the doc comment of the exported name in pkg, matched
// ignoring case as the console matches names, formatted as go doc
// indents it; "" if it has none.
func symbolDoc(pkg *doc.Package, name string) string {
	var comment string
	match := func(n, d string) {
		if comment == "" && strings.EqualFold(n, name) {
			comment = d
		}
	}
	for _, f := range pkg.Funcs {
		match(f.Name, f.Doc)
	}
	for _, t := range pkg.Types {
		match(t.Name, t.Doc)
		for _, f := range t.Funcs {
			match(f.Name, f.Doc)
		}
	}
	for _, v := range append(pkg.Consts, pkg.Vars...) {
		for _, n := range v.Names {
			match(n, v.Doc)
		}
	}
	if comment == "" {
		return ""
	}
	p := pkg.Printer()
	p.TextPrefix = "    "
	return string(p.Text(pkg.Parser().Parse(comment)))
}

// declLine is a declaration's first line as go doc lists it: a function's
// signature without its body, a group's first line.
func declLine(fset *token.FileSet, d ast.Decl) string {
	if f, ok := d.(*ast.FuncDecl); ok {
		f2 := *f
		f2.Body, f2.Doc = nil, nil
		d = &f2
	}
	var b bytes.Buffer
	printer.Fprint(&b, fset, d)
	line, _, more := strings.Cut(b.String(), "\n")
	if more && strings.HasSuffix(line, "(") {
		return line + " ... )"
	}
	return line
}

func typeKind(t *doc.Type) string {
	for _, s := range t.Decl.Specs {
		if ts, ok := s.(*ast.TypeSpec); ok {
			switch ts.Type.(type) {
			case *ast.StructType:
				return "struct{ ... }"
			case *ast.InterfaceType:
				return "interface{ ... }"
			}
			return fmt.Sprint(ts.Type)
		}
	}
	return ""
}
