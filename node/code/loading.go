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

// Loading is a set of modules loaded as one, all or none, in the steps of
// OTP's code:prepare_loading and code:finish_loading, with room between
// them for a migration:
//
//   - PrepareLoading compiles every module of the set before anything
//     changes. A module importing another of the set compiles against the
//     other's new exports, so a function renamed along with its callers in
//     other modules loads, and a module the set adds can be imported by
//     another of the set.
//   - Switch makes every version current at once, or none (with soft, it
//     refuses to purge old code that processes still run). The versions
//     it pushed out are held: the current ones became old, and the old
//     ones are kept aside, not purged.
//   - Commit then purges what the set pushed out, killing the processes
//     still running it; or Revert puts every current and old version back
//     and drops the set. A watcher in migrate mode, or a release upgrade,
//     suspends the processes around the switch and runs their CodeChange
//     there, and reverts if any fails, so that every process is left on its
//     old code and state.
//   - Discard abandons the set at any step before Commit.
type Loading struct {
	s         *Server
	srcs      []*Source
	objs      []*Object
	fallbacks []error     // why a version asked to be native is interpreted
	added     []*module   // entered by PrepareLoading, without a version yet
	entries   []swapEntry // set by Switch
	state     loadingState
}

type loadingState uint8

const (
	prepared loadingState = iota
	switched
	finished // committed, reverted or discarded
)

// swapEntry is what Switch changed in one module.
type swapEntry struct {
	m                *module
	v                *version // the version made current
	prevCur, prevOld *version // what was current and old before
	res              *LoadResult
}

// LoadAll compiles srcs and loads them all, or none if any fails to
// compile, as LoadSource would load each. The results are in the order of
// srcs.
func (s *Server) LoadAll(srcs []*Source) ([]*LoadResult, error) {
	l, err := s.PrepareLoading(srcs)
	if err != nil {
		return nil, err
	}
	if err := l.Switch(false); err != nil {
		l.Discard()
		return nil, err
	}
	return l.Commit()
}

// PrepareLoading compiles srcs, each in an interpreter of its own, a
// module before those of srcs that import it, and returns them ready to
// switch in. A module may import the standard library, the node's
// packages, loaded modules and the modules of srcs; an import that would
// load a module from the code path is refused, so that a failure leaves no
// module behind. A module whose import among srcs failed is not compiled,
// as go build skips the packages that import a broken one. If any fails,
// nothing is kept and the errors of all are returned, joined.
func (s *Server) PrepareLoading(srcs []*Source) (*Loading, error) {
	order, err := compileOrder(srcs)
	if err != nil {
		return nil, err
	}
	b, added := s.newBatch(srcs)
	objs := make([]*Object, len(srcs))
	fallbacks := make([]error, len(srcs))
	var errs []error
	for _, i := range order {
		src := srcs[i]
		p := b[node.ModuleKey(src.Name)]
		if dep := b.brokenImport(src); dep != "" {
			errs = append(errs, fmt.Errorf("module %s not compiled: it imports %s, which failed", src.Name, dep))
			p.failed = true
			continue
		}
		obj, fallback, err := s.compileTier(src, nil, func() (*Object, error) { return s.compileIn(src, b) })
		fallbacks[i] = fallback
		if err != nil {
			errs = append(errs, err)
			p.failed = true
			continue
		}
		p.v = obj.v
		objs[i] = obj
	}
	l := &Loading{s: s, srcs: srcs, objs: objs, fallbacks: fallbacks, added: added}
	if len(errs) > 0 {
		l.Discard()
		return nil, errors.Join(errs...)
	}
	return l, nil
}

// newBatch returns the batch of srcs, each with the module its version
// will be installed into: importers within the batch are given stubs of
// it. A module not known yet is entered without a current version, as
// Delete leaves one: not loaded. added lists those.
func (s *Server) newBatch(srcs []*Source) (b batch, added []*module) {
	b = make(batch, len(srcs))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, src := range srcs {
		key := node.ModuleKey(src.Name)
		m := s.mods[key]
		if m == nil {
			m = newModule(src.Name)
			s.mods[key] = m
			added = append(added, m)
		}
		b[key] = &pending{m: m}
	}
	return b, added
}

// dropUnloaded removes the modules PrepareLoading entered that are still
// without any version. Called with s.mu held.
func (s *Server) dropUnloaded(added []*module) {
	for _, m := range added {
		key := node.ModuleKey(m.name)
		if s.mods[key] == m && m.cur.Load() == nil && m.old == nil {
			delete(s.mods, key)
		}
	}
}

// ErrLoadingState: a Loading step out of order (Commit before Switch,
// Switch twice, anything after Commit, Revert or Discard).
var ErrLoadingState = errors.New("loading step out of order")

// Objects returns the compiled versions, in the order of the sources.
func (l *Loading) Objects() []*Object { return l.objs }

// Switch makes every version of the set current at once: all or, on
// error, none. With soft it refuses, as SoftPurge does, a load that would
// purge old code that processes still run, returning a *LingeringError
// per such module (joined) and changing nothing; the set stays prepared,
// for the caller to Discard. Nothing is purged until Commit.
func (l *Loading) Switch(soft bool) error {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.state != prepared {
		return ErrLoadingState
	}
	if soft {
		if err := s.lingering(l.objs); err != nil {
			return err
		}
	}
	l.state = switched
	l.entries = make([]swapEntry, len(l.objs))
	now := time.Now().UnixNano()
	for i, o := range l.objs {
		o.installed = true
		v := o.v
		m := s.mods[node.ModuleKey(v.name)]
		if m == nil { // entered by PrepareLoading, then deleted by hand
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
		if v.plugin != "" {
			m.mapped[v.plugin] = v.mapped
		}
		m.cur.Store(v)
		m.refreshStubs(v)
		e.res.Module = m.info()
		l.entries[i] = e
	}
	s.gen.Add(1)
	return nil
}

// lingering returns a *LingeringError for each module of objs whose old
// code a switch would purge while processes still run it, joined.
// Called with s.mu held.
func (s *Server) lingering(objs []*Object) error {
	var errs []error
	for _, o := range objs {
		m := s.mods[node.ModuleKey(o.v.name)]
		if m == nil || m.cur.Load() == nil || m.old == nil {
			continue
		}
		if pids := m.old.pins.live(s.node); len(pids) > 0 {
			errs = append(errs, &LingeringError{Module: m.name, Vsn: m.old.vsn, PIDs: pids})
		}
	}
	return errors.Join(errs...)
}

// Commit keeps the switched versions: the old versions the switch pushed
// out are purged, the processes still running them killed, as Install
// does. The results are in the order of the sources.
func (l *Loading) Commit() ([]*LoadResult, error) {
	s := l.s
	s.mu.Lock()
	if l.state != switched {
		s.mu.Unlock()
		return nil, ErrLoadingState
	}
	l.state = finished
	doomed := make([][]node.PID, len(l.entries))
	for i, e := range l.entries {
		if e.prevOld != nil {
			e.prevOld.purged.Store(true)
			doomed[i] = e.prevOld.pins.live(s.node)
		}
	}
	s.mu.Unlock()
	out := make([]*LoadResult, len(l.entries))
	for i, e := range l.entries {
		e.res.Killed = s.kill(doomed[i])
		e.res.Fallback = l.fallbacks[i]
		out[i] = e.res
		s.TierUpInstalled(l.srcs[i], l.objs[i], l.fallbacks[i])
	}
	return out, nil
}

// Revert undoes Switch: what was current is current again, and old what
// was old; the set's versions are dropped and what they spawned is
// killed. A module loaded again meanwhile (by r, say) is left as it is and
// reported.
func (l *Loading) Revert() error {
	s := l.s
	s.mu.Lock()
	if l.state != switched {
		s.mu.Unlock()
		return ErrLoadingState
	}
	l.state = finished
	var errs []error
	var doomed []node.PID
	for i := len(l.entries) - 1; i >= 0; i-- {
		e := l.entries[i]
		if e.m.cur.Load() != e.v || e.m.old != e.prevCur {
			errs = append(errs, fmt.Errorf("revert %s: loaded again meanwhile; vsn %s left current", e.m.name, e.m.cur.Load().vsn))
			continue
		}
		e.m.cur.Store(e.prevCur)
		e.m.old = e.prevOld
		if e.prevCur != nil {
			e.m.refreshStubs(e.prevCur)
		}
		e.v.purged.Store(true)
		doomed = append(doomed, e.v.pins.live(s.node)...)
	}
	s.gen.Add(1)
	s.mu.Unlock()
	s.kill(doomed)
	return errors.Join(errs...)
}

// Discard abandons the set: a prepared one is dropped, killing what the
// inits of its versions spawned (those processes run code no purge would
// reach); a switched one is reverted. After Commit it does nothing.
func (l *Loading) Discard() {
	s := l.s
	s.mu.Lock()
	switch l.state {
	case switched:
		s.mu.Unlock()
		l.Revert()
		return
	case finished:
		s.mu.Unlock()
		return
	}
	l.state = finished
	var doomed []node.PID
	for _, o := range l.objs {
		if o != nil {
			o.v.purged.Store(true)
			doomed = append(doomed, o.v.pins.live(s.node)...)
		}
	}
	s.dropUnloaded(l.added)
	s.mu.Unlock()
	s.kill(doomed)
}

// batch is the modules of one PrepareLoading, by node.ModuleKey: a module
// importing another of the batch is given the other's new exports.
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
