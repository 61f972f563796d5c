package symbols_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gexdev/gex/node/symbols"
)

// TestUpToDate fails when the generated symbols miss an exported name of
// node or node/migrate, or hold one that is gone: run go generate.
func TestUpToDate(t *testing.T) {
	for dir, key := range map[string]string{
		"..":         "github.com/gexdev/gex/node/node",
		"../migrate": "github.com/gexdev/gex/node/migrate/migrate",
	} {
		want := exported(t, dir)
		var got []string
		for name := range symbols.Symbols[key] {
			if !strings.HasPrefix(name, "_") { // interface wrappers
				got = append(got, name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("symbols of %s are stale; run: go generate ./node/symbols\n have %v\n want %v", dir, got, want)
		}
	}
}

// exported lists the exported package-level names of the package in dir.
func exported(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	var names []string
	for _, f := range files {
		names = append(names, declared(f)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// declared lists the exported package-level names f declares.
func declared(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						names = append(names, s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	return names
}
