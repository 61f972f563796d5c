package interp

import (
	"maps"
	"path"
	"reflect"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	gen "github.com/traefik/yaegi/stdlib/generic"
)

// Import paths of the node's own packages, which module code and the
// console import.
const (
	NodePath    = "github.com/gexdev/gex/node"
	MigratePath = "github.com/gexdev/gex/node/migrate"
)

// Key returns the key under which an Exports holds the package at import
// path ipath: "math/rand/rand" for "math/rand".
func Key(ipath string) string { return ipath + "/" + path.Base(ipath) }

// StdKeys maps the import paths of the standard library to their keys in
// stdlib.Symbols ("math/rand" to "math/rand/rand"). Read only.
var StdKeys = sync.OnceValue(func() map[string]string {
	idx := make(map[string]string, len(stdlib.Symbols))
	for k := range stdlib.Symbols {
		if dir := path.Dir(k); dir != "." && !strings.HasPrefix(dir, "github.com/") {
			idx[dir] = k
		}
	}
	return idx
})

// preferred settles the package names several standard packages share,
// where the shortest path is not the one a Go programmer means.
var preferred = map[string]string{"template": "text/template"} // read only

// StdNames maps the names of the standard library's packages to their
// import paths, for code that names a package without importing it, as
// the console's input does. Where several share a name, the shortest
// path wins. Read only.
var StdNames = sync.OnceValue(func() map[string]string {
	names := map[string]string{}
	for dir, key := range StdKeys() {
		name := path.Base(key) // rand for math/rand/v2

		if old, ok := names[name]; !ok || len(dir) < len(old) || (len(dir) == len(old) && dir < old) {
			names[name] = dir
		}
	}
	maps.Copy(names, preferred)
	return names
})

// Generic reports whether the standard package ipath needs yaegi's
// generic sources compiled into the interpreter: yaegi extract cannot
// wrap generic functions, so these packages are given as source.
func Generic(ipath string) bool {
	switch ipath {
	case "cmp", "maps", "slices":
		return true
	}
	return false
}

// CompileGeneric compiles the standard library's generic sources into in.
func CompileGeneric(in *yaegi.Interpreter) error {
	for _, src := range gen.Sources {
		if _, err := in.Compile(src); err != nil {
			return err
		}
	}
	return nil
}

// StdExports returns what gives an interpreter the standard package
// ipath with the symbols syms (nil: the standard ones), and the wrapper
// types that let fmt, json and others see interpreted types' methods.
//
// Use takes the key "fmt/fmt" to mean the whole standard library: it
// then compiles the generic sources (3-7 ms) and replaces fmt's and
// log's printing functions with its own. "fmt//fmt" names the same
// package, as Use cleans keys, without either.
func StdExports(ipath string, syms map[string]reflect.Value) yaegi.Exports {
	if syms == nil {
		syms = stdlib.Symbols[StdKeys()[ipath]]
	}
	return yaegi.Exports{".": Wrappers(), UseKey(ipath): syms}
}

// UseKey returns the key to give the standard package ipath's symbols to
// Use under: its key in stdlib.Symbols, but "fmt//fmt" for fmt; see
// StdExports.
func UseKey(ipath string) string {
	key, ok := StdKeys()[ipath]
	if !ok {
		key = Key(ipath)
	}
	if ipath == "fmt" {
		return "fmt//fmt"
	}
	return key
}

// Wrappers returns the standard library's interface wrapper types, which
// an interpreter needs so that compiled code sees interpreted types'
// String, Error and other methods.
func Wrappers() map[string]reflect.Value { return stdlib.Symbols["."] }

// New returns an interpreter with opts and the standard library's
// wrapper types.
func New(opts yaegi.Options) (*yaegi.Interpreter, error) {
	in := yaegi.New(opts)
	if err := in.Use(yaegi.Exports{".": Wrappers()}); err != nil {
		return nil, err
	}
	return in, nil
}
