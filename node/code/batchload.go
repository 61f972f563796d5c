package code

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"path"
	"reflect"
	"strconv"
	"time"

	"github.com/gexdev/gex/node"
)

// A change that spans several modules loads as one: CompileAll compiles
// every module, InstallAll makes them all current at once and returns a
// Swap, which the caller commits or undoes. Between the two a caller can
// migrate state with the new code current and the old one still held:
// a watcher or an upgrade suspends the processes first, runs their
// CodeChange, and undoes the swap if any fails, so that every process is
// left on its old code and state.

// LoadAll compiles srcs and loads them all, or none if any fails to
// compile, as LoadSource would load each. The results are in the order of
// srcs.
func (s *Server) LoadAll(srcs []*Source) ([]*LoadResult, error) {
	objs, err := s.CompileAll(srcs)
	if err != nil {
		return nil, err
	}
	sw, err := s.InstallAll(objs, false)
	if err != nil {
		s.Discard(objs...)
		return nil, err
	}
	return sw.Commit(), nil
}

// CompileAll compiles srcs, each in an interpreter of its own, a module
// before those of srcs that import it, which compile against its new
// exports: a function renamed along with its callers in other modules
// compiles. A module whose import among srcs failed is not compiled, as
// go build skips the packages that import a broken one. If any fails,
// nothing is kept and the errors are joined; else the objects are in the
// order of srcs. Unlike Load, CompileAll does not make first uses of a
// module not loaded yet wait for it: such a use loads the module from the
// code path, and InstallAll then makes that version old.
func (s *Server) CompileAll(srcs []*Source) ([]*Object, error) {
	order, err := compileOrder(srcs)
	if err != nil {
		return nil, err
	}
	b := make(batch, len(srcs))
	s.mu.Lock()
	for _, src := range srcs {
		key := node.ModuleKey(src.Name)
		m := s.mods[key]
		if m == nil {
			// Importers within the batch are given stubs of m, which must
			// be the module the versions are installed into. A module
			// without a current version is what Delete leaves: not loaded.
			m = newModule(src.Name)
			s.mods[key] = m
		}
		b[key] = &pending{m: m}
	}
	s.mu.Unlock()
	objs := make([]*Object, len(srcs))
	var errs []error
	for _, i := range order {
		src := srcs[i]
		if dep := b.brokenImport(src); dep != "" {
			errs = append(errs, fmt.Errorf("module %s not compiled: it imports %s, which failed", src.Name, dep))
			continue
		}
		obj, err := s.compileIn(src, b)
		if err != nil {
			errs = append(errs, err)
			b[node.ModuleKey(src.Name)].failed = true
			continue
		}
		b[node.ModuleKey(src.Name)].v = obj.v
		objs[i] = obj
	}
	if len(errs) > 0 {
		s.Discard(objs...)
		return nil, errors.Join(errs...)
	}
	return objs, nil
}

// Discard drops compiled objects that will not be installed, killing what
// their inits spawned: those processes run code that no purge would
// reach. Installed and nil objects are left alone.
func (s *Server) Discard(objs ...*Object) {
	var doomed []node.PID
	s.mu.Lock()
	for _, o := range objs {
		if o != nil && !o.installed {
			o.v.purged.Store(true)
			doomed = append(doomed, o.v.pins.live(s.node)...)
		}
	}
	s.mu.Unlock()
	s.kill(doomed)
}

// Swap is a set of versions made current together by InstallAll: each
// module's current version became old, and its old version is held aside
// until Commit purges it or Undo puts everything back.
type Swap struct {
	s       *Server
	entries []swapEntry
	done    bool
}

type swapEntry struct {
	m                *module
	v                *version // the version installed
	prevCur, prevOld *version // what was current and old before
	res              *LoadResult
}

// InstallAll makes objs current at once: all or, on error, none. With
// soft it refuses, as SoftPurge does, a load that would purge old code
// that processes still run, returning a *LingeringError per such module
// (joined) and changing nothing. The caller must Commit or Undo the Swap.
func (s *Server) InstallAll(objs []*Object, soft bool) (*Swap, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, len(objs))
	var errs []error
	for _, o := range objs {
		key := node.ModuleKey(o.v.name)
		switch {
		case o.installed:
			errs = append(errs, fmt.Errorf("%w: %s vsn %s", ErrInstalled, o.v.name, o.v.vsn))
		case seen[key]:
			errs = append(errs, fmt.Errorf("module %s given twice", o.v.name))
		case soft:
			if m := s.mods[key]; m != nil && m.cur.Load() != nil && m.old != nil {
				if pids := m.old.pins.live(s.node); len(pids) > 0 {
					errs = append(errs, &LingeringError{Module: m.name, Vsn: m.old.vsn, PIDs: pids})
				}
			}
		}
		seen[key] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sw := &Swap{s: s, entries: make([]swapEntry, len(objs))}
	now := time.Now().UnixNano()
	for i, o := range objs {
		o.installed = true
		v := o.v
		m := s.mods[node.ModuleKey(v.name)]
		if m == nil {
			m = newModule(v.name)
			s.mods[node.ModuleKey(v.name)] = m
		}
		e := swapEntry{m: m, v: v, prevCur: m.cur.Load(), prevOld: m.old, res: &LoadResult{}}
		if e.prevCur != nil {
			m.old = e.prevCur
			replaced := e.prevCur.info()
			e.res.Replaced = &replaced
			if e.prevOld != nil {
				purged := e.prevOld.info()
				e.res.Purged = &purged
			}
		}
		v.loaded.Store(now)
		m.cur.Store(v)
		m.refreshStubs(v)
		e.res.Module = m.info()
		sw.entries[i] = e
	}
	s.gen.Add(1)
	return sw, nil
}

// Results tells what the swap changed, in the order of the objects
// installed; Killed is filled in by Commit.
func (sw *Swap) Results() []*LoadResult {
	out := make([]*LoadResult, len(sw.entries))
	for i, e := range sw.entries {
		out[i] = e.res
	}
	return out
}

// Commit purges the old versions the swap pushed out, killing the
// processes still running them, and returns the results. Commit or Undo
// may be called once.
func (sw *Swap) Commit() []*LoadResult {
	if sw.finish() {
		return sw.Results()
	}
	doomed := make([][]node.PID, len(sw.entries))
	sw.s.mu.Lock()
	for i, e := range sw.entries {
		if e.prevOld != nil {
			e.prevOld.purged.Store(true)
			doomed[i] = e.prevOld.pins.live(sw.s.node)
		}
	}
	sw.s.mu.Unlock()
	for i, e := range sw.entries {
		e.res.Killed = sw.s.kill(doomed[i])
	}
	return sw.Results()
}

// Undo makes current again what was current before InstallAll, and old
// what was old; the versions installed are dropped and what they spawned
// is killed. A module loaded again meanwhile (by r, say) is left as it is
// and reported.
func (sw *Swap) Undo() error {
	if sw.finish() {
		return nil
	}
	var errs []error
	var doomed []node.PID
	sw.s.mu.Lock()
	for i := len(sw.entries) - 1; i >= 0; i-- {
		e := sw.entries[i]
		if e.m.cur.Load() != e.v || e.m.old != e.prevCur {
			errs = append(errs, fmt.Errorf("undo %s: loaded again meanwhile; vsn %s left current", e.m.name, e.m.cur.Load().vsn))
			continue
		}
		e.m.cur.Store(e.prevCur)
		e.m.old = e.prevOld
		if e.prevCur != nil {
			e.m.refreshStubs(e.prevCur)
		}
		e.v.purged.Store(true)
		doomed = append(doomed, e.v.pins.live(sw.s.node)...)
	}
	sw.s.gen.Add(1)
	sw.s.mu.Unlock()
	sw.s.kill(doomed)
	return errors.Join(errs...)
}

// finish marks the swap done and reports whether it already was.
func (sw *Swap) finish() bool {
	sw.s.mu.Lock()
	defer sw.s.mu.Unlock()
	was := sw.done
	sw.done = true
	return was
}

// batch is the modules of one CompileAll, by moduleKey: a module importing
// another of the batch is given the other's new exports.
type batch map[string]*pending

type pending struct {
	m      *module
	v      *version // compiled; nil until then
	failed bool
}

// symbols returns the exports of module name's version compiled in the
// batch, if there is one: stubs of the module, so that calls reach its
// current version once the batch is installed, with the new version's
// signatures, constants and types.
func (b batch) symbols(name string) (map[string]reflect.Value, string, bool) {
	p := b[node.ModuleKey(name)]
	if p == nil || p.v == nil {
		return nil, "", false
	}
	out := make(map[string]reflect.Value, len(p.v.funcs)+len(p.v.other))
	for fn, f := range p.v.funcs {
		out[fn] = reflect.MakeFunc(f.Type(), p.m.dispatch(fn, f.Type()))
	}
	for n, val := range p.v.other {
		out[n] = val
	}
	return out, p.v.name, true
}

// brokenImport returns the name of a module of the batch that src imports
// and that failed to compile, or "".
func (b batch) brokenImport(src *Source) string {
	for _, dep := range importedModules(src) {
		if p := b[dep]; p != nil && p.failed {
			return p.m.name
		}
	}
	return ""
}

// compileOrder returns the indexes of srcs in an order that compiles a
// module before the modules of srcs that import it. Import cycles are
// left to the compiler to report.
func compileOrder(srcs []*Source) ([]int, error) {
	index := make(map[string]int, len(srcs))
	for i, src := range srcs {
		key := node.ModuleKey(src.Name)
		if _, dup := index[key]; dup {
			return nil, fmt.Errorf("module %s given twice", src.Name)
		}
		index[key] = i
	}
	order := make([]int, 0, len(srcs))
	state := make([]uint8, len(srcs)) // 0 new, 1 visiting, 2 done
	var visit func(i int)
	visit = func(i int) {
		if state[i] != 0 {
			return
		}
		state[i] = 1
		for _, dep := range importedModules(srcs[i]) {
			if j, ok := index[dep]; ok {
				visit(j)
			}
		}
		state[i] = 2
		order = append(order, i)
	}
	for i := range srcs {
		visit(i)
	}
	return order, nil
}

// importedModules returns the module keys of src's imports: the last
// element of each import path, as resolveImport finds modules.
func importedModules(src *Source) []string {
	var out []string
	fset := token.NewFileSet()
	for _, f := range src.Files {
		af, err := parser.ParseFile(fset, f.Name, f.Data, parser.ImportsOnly)
		if err != nil {
			continue // the compile reports it
		}
		for _, is := range af.Imports {
			if p, err := strconv.Unquote(is.Path.Value); err == nil {
				out = append(out, node.ModuleKey(path.Base(p)))
			}
		}
	}
	return out
}
