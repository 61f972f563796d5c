package shell

import (
	"fmt"
	"io"
	"log"
	"maps"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/symbols"
)

// Import paths of the node's own packages.
const (
	nodePath    = "github.com/gexdev/gex/node"
	migratePath = "github.com/gexdev/gex/node/migrate"
	// modulePath is the prefix of the import paths the console gives
	// modules: a module is imported under each name the user writes it
	// by (kv, KV), and the interpreter needs a path per name.
	modulePath = "gex.module/"
)

// preferred settles the package names several standard packages share,
// where the shortest path is not the one a Go programmer means.
var preferred = map[string]string{"template": "text/template"} // read only

// packages finds the package a bare name in console input refers to:
// node, a loaded module (or one on the code path, loaded on first use,
// as IEx does in interactive mode), or the standard library.
type packages struct {
	node *node.Node
	code *code.Server
	std  map[string]string // package name to import path
	out  io.Writer         // where the console's fmt and log write
	fmt  interp.Exports    // fmt and log writing to out, and their wrapper types
	// afterFuncs holds the symbols of time and context, by key, with
	// AfterFuncs that call their functions in processes: a panic on the
	// timer's own goroutine would stop the node.
	afterFuncs map[string]map[string]reflect.Value
}

func newPackages(n *node.Node, cs *code.Server, out io.Writer) *packages {
	p := &packages{node: n, code: cs, std: stdNames(), out: out}
	p.fmt = consoleStdio(out)
	p.afterFuncs = map[string]map[string]reflect.Value{}
	start := func(f func()) { n.Spawn(func(*node.Proc) { f() }) }
	for _, ipath := range []string{"time", "context"} {
		key := ipath + "/" + ipath
		syms := maps.Clone(stdlib.Symbols[key])
		maps.Copy(syms, code.AfterFuncSymbols(ipath, start))
		p.afterFuncs[key] = syms
	}
	return p
}

// stdNames maps the names of the standard library's packages to their
// import paths. Where several share a name, the shortest path wins.
func stdNames() map[string]string {
	names := map[string]string{}
	for key := range stdlib.Symbols {
		dir, name := path.Dir(key), path.Base(key)
		if dir == "." || strings.HasPrefix(dir, "github.com/") {
			continue
		}
		if old, ok := names[name]; !ok || len(dir) < len(old) || (len(dir) == len(old) && dir < old) {
			names[name] = dir
		}
	}
	maps.Copy(names, preferred)
	return names
}

// resolve returns the package called name.
func (p *packages) resolve(name string) (pkg, bool) {
	switch name {
	case "node":
		return p.nodePkg(nodePath), true
	case "migrate":
		return p.nodePkg(migratePath), true
	}
	if ipath, ok := p.std[name]; ok {
		return p.stdPkg(ipath), true
	}
	return p.module(name)
}

// resolvePath returns the package of an import path written in an
// import line: the node's, a standard one, or a module named by the
// path's last element.
func (p *packages) resolvePath(ipath string) (pkg, bool) {
	switch ipath {
	case nodePath, migratePath:
		return p.nodePkg(ipath), true
	}
	if _, ok := stdlib.Symbols[ipath+"/"+path.Base(ipath)]; ok {
		return p.stdPkg(ipath), true
	}
	pk, ok := p.module(path.Base(ipath))
	if !ok {
		return pkg{}, false
	}
	for key, syms := range pk.exports {
		pk.exports = interp.Exports{ipath + "/" + path.Base(key): syms}
	}
	pk.path = ipath
	return pk, true
}

func (p *packages) nodePkg(ipath string) pkg {
	key := ipath + "/" + path.Base(ipath)
	var syms map[string]reflect.Value
	if p.code != nil {
		syms = p.code.NodeExports()[key]
	} else {
		syms = symbols.Symbols[key]
	}
	return pkg{path: ipath, exports: interp.Exports{key: syms}}
}

func (p *packages) stdPkg(ipath string) pkg {
	name := path.Base(ipath)
	if name == "fmt" || name == "log" {
		// Use takes the key "fmt/fmt" to mean the whole standard library:
		// it then compiles the generic sources (milliseconds) and
		// replaces fmt's printing functions with its own. "fmt//fmt"
		// names the same package without either.
		return pkg{path: ipath, exports: interp.Exports{
			".":                 p.fmt["."],
			ipath + "//" + name: p.fmt[ipath+"/"+name],
		}}
	}
	key := ipath + "/" + name
	syms, ok := p.afterFuncs[key]
	if !ok {
		syms = stdlib.Symbols[key]
	}
	generic := name == "cmp" || name == "maps" || name == "slices"
	return pkg{path: ipath, exports: interp.Exports{key: syms}, generic: generic}
}

// module returns the module called name, matched as the code server
// matches names, loading it from the code path if it is there.
func (p *packages) module(name string) (pkg, bool) {
	if p.code == nil {
		return pkg{}, false
	}
	in, err := p.code.Info(name)
	if err != nil {
		if _, err := p.code.Which(name); err != nil {
			return pkg{}, false
		}
		if _, err := p.code.Load(name); err != nil {
			return pkg{}, false
		}
		if in, err = p.code.Info(name); err != nil {
			return pkg{}, false
		}
	}
	syms := p.code.Exports()[in.Name+"/"+in.Name]
	if syms == nil {
		return pkg{}, false
	}
	ipath := modulePath + name
	return pkg{
		path:    ipath,
		exports: interp.Exports{ipath + "/" + in.Name: syms},
		gen:     p.code.Generation(),
	}, true
}

// moduleNames returns the names of the loaded modules, sorted.
func (p *packages) moduleNames() []string {
	if p.code == nil {
		return nil
	}
	var names []string
	for _, in := range p.code.AllLoaded() {
		names = append(names, in.Name)
	}
	return names
}

// stdPackageNames returns the names of the standard packages, sorted.
func (p *packages) stdPackageNames() []string {
	names := make([]string, 0, len(p.std))
	for name := range p.std {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// symbolsOf returns the exported symbols of the package called name, for
// completion.
func (p *packages) symbolsOf(name string) map[string]reflect.Value {
	pk, ok := p.resolve(name)
	if !ok {
		return nil
	}
	for _, syms := range pk.exports {
		if _, wrappers := syms["MapTypes"]; !wrappers {
			return syms
		}
	}
	return nil
}

// consoleStdio returns fmt and log for the console: their printing
// functions write to out, the session's output, instead of the node's
// stdout and stderr. log.Fatal panics rather than exiting the node. The
// "." entry tells the interpreter that the new functions, like the ones
// they replace, take values whose String or Format methods matter.
func consoleStdio(out io.Writer) interp.Exports {
	fmtSyms := maps.Clone(stdlib.Symbols["fmt/fmt"])
	logSyms := maps.Clone(stdlib.Symbols["log/log"])
	logger := log.New(out, "", log.LstdFlags)
	wrapped := map[string]any{
		"fmt.Print":     func(a ...any) (int, error) { return fmt.Fprint(out, a...) },
		"fmt.Printf":    func(f string, a ...any) (int, error) { return fmt.Fprintf(out, f, a...) },
		"fmt.Println":   func(a ...any) (int, error) { return fmt.Fprintln(out, a...) },
		"log.Print":     logger.Print,
		"log.Printf":    logger.Printf,
		"log.Println":   logger.Println,
		"log.Fatal":     logger.Panic,
		"log.Fatalf":    logger.Panicf,
		"log.Fatalln":   logger.Panicln,
		"log.Panic":     logger.Panic,
		"log.Panicf":    logger.Panicf,
		"log.Panicln":   logger.Panicln,
		"log.Flags":     logger.Flags,
		"log.SetFlags":  logger.SetFlags,
		"log.Prefix":    logger.Prefix,
		"log.SetPrefix": logger.SetPrefix,
		"log.Writer":    logger.Writer,
		"log.Output":    logger.Output,
	}
	mt := stdlib.MapTypes[reflect.ValueOf(fmt.Println)]
	types := map[reflect.Value][]reflect.Type{}
	for name, f := range wrapped {
		pkgName, fn, _ := strings.Cut(name, ".")
		v := reflect.ValueOf(f)
		if pkgName == "fmt" {
			fmtSyms[fn] = v
		} else {
			logSyms[fn] = v
		}
		types[v] = mt
	}
	return interp.Exports{
		".":       {"MapTypes": reflect.ValueOf(types)},
		"fmt/fmt": fmtSyms,
		"log/log": logSyms,
	}
}
