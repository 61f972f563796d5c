package code

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/symbols"
)

// TestModuleAPIBound checks that every function of the compiled module API
// (node/api.go) is in the modules' package node with its own signature,
// bound to the node the module is loaded into, and that what manages a
// node is not.
func TestModuleAPIBound(t *testing.T) {
	n, err := node.Start(node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	syms := nodeSymbols(n)
	generated := symbols.Symbols[nodeKey]
	f, err := parser.ParseFile(token.NewFileSet(), "../api.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	api := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || !fd.Name.IsExported() {
			continue
		}
		api++
		name := fd.Name.Name
		got, ok := syms[name]
		if !ok {
			t.Errorf("node.%s of the module API is not given to modules", name)
			continue
		}
		if got.Type() != generated[name].Type() {
			t.Errorf("node.%s: modules see %v, compiled code %v", name, got.Type(), generated[name].Type())
		}
		if got.Pointer() == generated[name].Pointer() {
			t.Errorf("node.%s: not bound to the module's node: *node.Node has no method %s %v", name, name, generated[name].Type())
		}
	}
	if api < 20 {
		t.Fatalf("found %d functions in node/api.go; the test reads the wrong file", api)
	}
	for _, name := range notForModules {
		if _, ok := syms[name]; ok {
			t.Errorf("modules see node.%s", name)
		}
	}
}
