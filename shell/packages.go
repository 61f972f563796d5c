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

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/interp"
	"github.com/gexdev/gex/node/symbols"
)

// modulePath is the prefix of the import paths the console gives
// modules: a module is imported under each name the user writes it by
// (kv, KV), and the interpreter needs a path per name.
const modulePath = "gex.module/"

// packages finds the package a bare name in console input refers to:
// node, a loaded module (or one on the code path, loaded on first use,
// as IEx does in interactive mode), or the standard library.
type packages struct {
	node *node.Node
	code *code.Server
	std  map[string]string // package name to import path
	out  io.Writer         // where the console's fmt and log write
	fmt  yaegi.Exports     // fmt and log writing to out, and their wrapper types
	// afterFuncs holds the symbols of time and context, by key, with
	// AfterFuncs that call their functions in processes: a panic on the
	// timer's own goroutine would stop the node.
	afterFuncs map[string]map[string]reflect.Value
}

func newPackages(n *node.Node, cs *code.Server, out io.Writer) *packages {
	p := &packages{node: n, code: cs, std: interp.StdNames(), out: out}
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

// resolve returns the package called name.
func (p *packages) resolve(name string) (pkg, bool) {
	switch name {
	case "node":
		return p.nodePkg(interp.NodePath), true
	case "migrate":
		return p.nodePkg(interp.MigratePath), true
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
	case interp.NodePath, interp.MigratePath:
		return p.nodePkg(ipath), true
	}
	if _, ok := interp.StdKeys()[ipath]; ok {
		return p.stdPkg(ipath), true
	}
	pk, ok := p.module(path.Base(ipath))
	if !ok {
		return pkg{}, false
	}
	for key, syms := range pk.exports {
		pk.exports = yaegi.Exports{ipath + "/" + path.Base(key): syms}
	}
	pk.path = ipath
	return pk, true
}

func (p *packages) nodePkg(ipath string) pkg {
	key := interp.Key(ipath)
	var syms map[string]reflect.Value
	if p.code != nil {
		syms = p.code.NodeExports()[key]
	} else {
		syms = symbols.Symbols[key]
	}
	return pkg{path: ipath, exports: yaegi.Exports{key: syms}}
}

func (p *packages) stdPkg(ipath string) pkg {
	key := interp.StdKeys()[ipath]
	if ipath == "fmt" || ipath == "log" {
		// The console's own fmt and log, writing to the session.
		return pkg{path: ipath, exports: yaegi.Exports{".": p.fmt["."], interp.UseKey(ipath): p.fmt[key]}}
	}
	syms, ok := p.afterFuncs[key]
	if !ok {
		syms = stdlib.Symbols[key]
	}
	return pkg{path: ipath, exports: yaegi.Exports{key: syms}, generic: interp.Generic(ipath)}
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
	syms := p.code.ModuleExports(in.Name)
	if syms == nil {
		return pkg{}, false
	}
	ipath := modulePath + name
	return pkg{
		path:    ipath,
		exports: yaegi.Exports{ipath + "/" + in.Name: syms},
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
func consoleStdio(out io.Writer) yaegi.Exports {
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
	return yaegi.Exports{
		".":       {"MapTypes": reflect.ValueOf(types)},
		"fmt/fmt": fmtSyms,
		"log/log": logSyms,
	}
}
