package native

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Source is one module version's source, as the code server read it.
type Source struct {
	Name  string // package name
	Files []File
	// Modules are the other modules the source imports, by import path.
	Modules map[string]Module
}

// File is one source file; Name is the path errors and stacks show.
type File struct {
	Name string
	Data []byte
}

// exportsVar is the plugin symbol holding the module's exports.
const exportsVar = "GexNativeExports"

// wrapper returns the files of the plugin's package main, by path
// relative to its directory, whose import path is pkgPath: the module's
// files with their package clause rewritten and their imports of modules
// pointed at stub packages (imports/m0, ...), the stub packages, and
// gex_exports.go, the table of exports and of the stubs' bind functions.
func wrapper(src Source, pkgPath string) (map[string][]byte, error) {
	fset := token.NewFileSet()
	out := make(map[string][]byte, len(src.Files)+1+len(src.Modules))
	stubs := make(map[string]string) // module import path → stub import path
	for i, ipath := range sortedKeys(src.Modules) {
		rel := fmt.Sprintf("imports/m%d", i)
		m := src.Modules[ipath]
		out[rel+"/"+m.Name+".go"] = stubPackage(m)
		stubs[ipath] = pkgPath + "/" + rel
	}
	var ex exports
	for _, f := range src.Files {
		af, err := parser.ParseFile(fset, f.Name, f.Data, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, &Error{Module: src.Name, Op: "build", Err: ErrCompile, Detail: err.Error()}
		}
		base := filepath.Base(f.Name)
		if _, dup := out[base]; dup || base == "gex_exports.go" {
			return nil, &Error{Module: src.Name, Op: "build", Err: ErrCompile, Detail: "two files named " + base}
		}
		out[base] = asMain(fset, af, f, stubs)
		ex.collect(af)
	}
	for _, name := range []string{exportsVar, importsVar, hooksVar, typesVar} {
		if ex.names[name] {
			return nil, &Error{Module: src.Name, Op: "build", Err: ErrCompile,
				Detail: name + " is declared by the module; the name is the native loader's"}
		}
	}
	out["gex_exports.go"] = ex.file(stubs)
	return out, nil
}

// asMain returns f with its package clause made "package main", its
// build constraints dropped (the code server chose the files) and its
// imports of modules pointed at their stubs, keeping every line where it
// was; a //line directive makes errors and stacks name the original file.
func asMain(fset *token.FileSet, af *ast.File, f File, stubs map[string]string) []byte {
	type edit struct {
		from, to int
		text     string
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	edits := []edit{{off(af.Name.Pos()), off(af.Name.End()), "main"}}
	for _, cg := range af.Comments {
		if cg.Pos() >= af.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build") || strings.HasPrefix(c.Text, "// +build") {
				edits = append(edits, edit{off(c.Pos()), off(c.End()), strings.Repeat(" ", len(c.Text))})
			}
		}
	}
	names := make(map[string]string) // the file's name of a hooked package → its path
	for _, is := range af.Imports {
		ipath, _ := strconv.Unquote(is.Path.Value)
		if stub, ok := stubs[ipath]; ok {
			edits = append(edits, edit{off(is.Path.Pos()), off(is.Path.End()), strconv.Quote(stub)})
		}
		if _, hooked := hookedPackages[ipath]; hooked {
			name := hookedPackages[ipath]
			if is.Name != nil {
				name = is.Name.Name
			}
			names[name] = ipath
		}
	}
	ast.Inspect(af, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok {
			if h, ok := hookOf(names[x.Name], sel.Sel.Name); ok {
				edits = append(edits, edit{off(sel.Pos()), off(sel.End()), h.v})
			}
		}
		return true
	})
	sort.Slice(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	var b bytes.Buffer
	fmt.Fprintf(&b, "//line %s:1\n", f.Name)
	at := 0
	for _, e := range edits {
		b.Write(f.Data[at:e.from])
		b.WriteString(e.text)
		at = e.to
	}
	b.Write(f.Data[at:])
	return b.Bytes()
}

// A hook is a function of a package that a module's code calls and the
// code server replaces for each version, as it does for interpreted ones:
// node.Spawn, SpawnLink and SpawnOpts pin what they start to the version
// that started it, so that purging the version kills it; node.AfterFunc,
// time.AfterFunc and context.AfterFunc run f in such a process, where a
// panic is reported instead of killing the node. The wrapper calls each
// through a package var, which Version.Hook sets.
type hook struct {
	path, name string // the package and the function
	v          string // the wrapper's var
}

var hooks = []hook{
	{"github.com/gexdev/gex/node", "Spawn", "gexNodeSpawn"},
	{"github.com/gexdev/gex/node", "SpawnLink", "gexNodeSpawnLink"},
	{"github.com/gexdev/gex/node", "SpawnOpts", "gexNodeSpawnOpts"},
	{"github.com/gexdev/gex/node", "AfterFunc", "gexNodeAfterFunc"},
	{"time", "AfterFunc", "gexTimeAfterFunc"},
	{"context", "AfterFunc", "gexContextAfterFunc"},
}

// hookedPackages maps the import paths of hooked functions to their
// package names.
var hookedPackages = map[string]string{"github.com/gexdev/gex/node": "node", "time": "time", "context": "context"}

func hookOf(path, name string) (hook, bool) {
	for _, h := range hooks {
		if h.path == path && h.name == name {
			return h, true
		}
	}
	return hook{}, false
}

// typesVar is the plugin symbol mapping the name of each of the module's
// types, unexported ones too, to its reflect.Type.
const typesVar = "GexNativeTypes"

// hooksVar is the plugin symbol mapping "path.Name" of each hook to the
// address of its var.
const hooksVar = "GexNativeHooks"

// exports collects a module's exported top-level functions, constants and
// types. Package vars are left out, as the interpreted tier leaves them
// out: an importer would hold the version's storage.
type exports struct {
	names   map[string]bool // every top-level name
	entries []string        // `"Name": gexreflect.ValueOf(...)`
	types   []string        // every non-generic top-level type, exported or not
}

func (ex *exports) collect(af *ast.File) {
	if ex.names == nil {
		ex.names = make(map[string]bool)
	}
	add := func(name, expr string) {
		ex.entries = append(ex.entries, fmt.Sprintf("%s: gexreflect.ValueOf(%s),", strconv.Quote(name), expr))
	}
	for _, d := range af.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				continue
			}
			ex.names[d.Name.Name] = true
			if d.Name.IsExported() && d.Type.TypeParams == nil {
				add(d.Name.Name, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch spec := spec.(type) {
				case *ast.ValueSpec:
					for _, id := range spec.Names {
						ex.names[id.Name] = true
						if d.Tok == token.CONST && id.IsExported() {
							add(id.Name, id.Name)
						}
					}
				case *ast.TypeSpec:
					ex.names[spec.Name.Name] = true
					if spec.TypeParams == nil && spec.Name.Name != "_" {
						ex.types = append(ex.types, spec.Name.Name)
					}
					if spec.Name.IsExported() && spec.TypeParams == nil {
						add(spec.Name.Name, "(*"+spec.Name.Name+")(nil)")
					}
				}
			}
		}
	}
}

// file is gex_exports.go, in the form yaegi's extracted symbols take, with
// the bind functions of the stub packages.
func (ex *exports) file(stubs map[string]string) []byte {
	sort.Strings(ex.entries)
	var b bytes.Buffer
	b.WriteString("// Code generated by the Gex native loader. DO NOT EDIT.\n\npackage main\n\n")
	b.WriteString("import (\n\tgexreflect \"reflect\"\n")
	b.WriteString("\tgexnode \"github.com/gexdev/gex/node\"\n\tgextime \"time\"\n\tgexcontext \"context\"\n")
	paths := sortedKeys(stubs)
	for i, ipath := range paths {
		fmt.Fprintf(&b, "\tgexm%d %q\n", i, stubs[ipath])
	}
	b.WriteString(")\n\n")
	b.WriteString("var " + exportsVar + " = map[string]gexreflect.Value{\n")
	for _, e := range ex.entries {
		b.WriteString("\t" + e + "\n")
	}
	b.WriteString("}\n\n")
	alias := map[string]string{"github.com/gexdev/gex/node": "gexnode", "time": "gextime", "context": "gexcontext"}
	b.WriteString("var (\n")
	for _, h := range hooks {
		fmt.Fprintf(&b, "\t%s = %s.%s\n", h.v, alias[h.path], h.name)
	}
	b.WriteString(")\n\n")
	b.WriteString("var " + hooksVar + " = map[string]any{\n")
	for _, h := range hooks {
		fmt.Fprintf(&b, "\t%q: &%s,\n", h.path+"."+h.name, h.v)
	}
	b.WriteString("}\n\n")
	sort.Strings(ex.types)
	b.WriteString("var " + typesVar + " = map[string]gexreflect.Type{\n")
	for _, name := range ex.types {
		fmt.Fprintf(&b, "\t%q: gexreflect.TypeOf((*%s)(nil)).Elem(),\n", name, name)
	}
	b.WriteString("}\n\n")
	b.WriteString("var " + importsVar + " = map[string]func(map[string]gexreflect.Value){\n")
	for i, ipath := range paths {
		fmt.Fprintf(&b, "\t%q: gexm%d.%s,\n", ipath, i, bindFunc)
	}
	b.WriteString("}\n")
	return b.Bytes()
}
