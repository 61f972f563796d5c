package code

import (
	"errors"
	"fmt"
	"go/token"
	"path"
	"strconv"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/interp"
)

// Loading is a multi-module load in two steps, as OTP's
// code:prepare_loading and code:finish_loading: PrepareLoading compiles
// every module before anything changes, and a failure of any installs
// none. A release upgrade uses the steps in between as well: Switch makes
// the new versions current while the processes that run them are
// suspended, so that the new CodeChange can migrate their states; Revert
// puts the versions that were current back if any migration fails, and
// Commit keeps the new ones, making the replaced versions old.
type Loading struct {
	s     *Server
	objs  []*Object
	prev  []*version // the current version each object replaced, set by Switch
	added []bool     // the module had no entry before Switch
	state loadingState
}

type loadingState uint8

const (
	prepared loadingState = iota
	switched
	finished // committed, reverted or discarded
)

// ErrLoadingState: a Loading step out of order (Commit before Switch,
// Switch twice, anything after Commit, Revert or Discard).
var ErrLoadingState = errors.New("loading step out of order")

// PrepareLoading compiles srcs, each in an interpreter of its own, and
// returns them ready to switch in. Nothing is installed: a module may only
// import the standard library, the node's packages and modules already
// loaded (an import that would load a module from the code path is
// refused, so that a failure leaves no module behind), and if any source
// fails to compile, every version already compiled is discarded and the
// errors of all are returned, joined.
func (s *Server) PrepareLoading(srcs []*Source) (*Loading, error) {
	l := &Loading{s: s}
	seen := make(map[string]bool)
	var errs []error
	for _, src := range srcs {
		key := node.ModuleKey(src.Name)
		if seen[key] {
			errs = append(errs, fmt.Errorf("module %s given twice", src.Name))
			continue
		}
		seen[key] = true
		if err := s.checkLoadedImports(src); err != nil {
			errs = append(errs, err)
			continue
		}
		obj, _, err := s.CompileTier(src) // a release's prebuilt plugin, if any
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.objs = append(l.objs, obj)
	}
	if len(errs) > 0 {
		l.Discard()
		return nil, errors.Join(errs...)
	}
	return l, nil
}

// checkLoadedImports refuses a module importing a module that is not
// loaded: compiling it would load that module from the code path.
func (s *Server) checkLoadedImports(src *Source) error {
	fset := token.NewFileSet()
	p, err := parse(fset, src)
	if err != nil {
		return err
	}
	for _, is := range p.imports {
		ipath, _ := strconv.Unquote(is.Path.Value)
		_, std := s.std[ipath]
		if _, extra := s.extra[ipath]; std || extra || ipath == interp.NodePath || ipath == interp.MigratePath {
			continue
		}
		if name := path.Base(ipath); !s.IsLoaded(name) {
			return errorAt(p.name, fset.Position(is.Pos()), fmt.Sprintf(
				"imports module %s, which is not loaded: a prepared load installs nothing, "+
					"so load %s first", name, name))
		}
	}
	return nil
}

// Objects returns the compiled versions, in the order of the sources.
func (l *Loading) Objects() []*Object { return l.objs }

// Switch makes every prepared version current at once. The versions they
// replace stay as they were, current for Revert, and no old code is purged
// until Commit.
func (l *Loading) Switch() error {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.state != prepared {
		return ErrLoadingState
	}
	l.state = switched
	now := time.Now().UnixNano()
	for _, obj := range l.objs {
		key := node.ModuleKey(obj.v.name)
		m := s.mods[key]
		l.added = append(l.added, m == nil)
		if m == nil {
			m = newModule(obj.v.name)
			s.mods[key] = m
		}
		obj.installed = true
		l.prev = append(l.prev, m.cur.Load())
		obj.v.loaded.Store(now)
		m.cur.Store(obj.v)
		m.refreshStubs(obj.v)
	}
	s.gen.Add(1)
	return nil
}

// Revert undoes Switch: the versions that were current are current again
// and the prepared ones are dropped, with any process their init spawned.
func (l *Loading) Revert() error {
	s := l.s
	s.mu.Lock()
	if l.state != switched {
		s.mu.Unlock()
		return ErrLoadingState
	}
	l.state = finished
	for i, obj := range l.objs {
		key := node.ModuleKey(obj.v.name)
		if l.added[i] {
			delete(s.mods, key)
		} else {
			s.mods[key].cur.Store(l.prev[i])
		}
	}
	s.gen.Add(1)
	s.mu.Unlock()
	l.drop()
	return nil
}

// Commit keeps the switched versions: each version they replaced becomes
// old, and old code already there is purged, its processes killed, as
// Install does.
func (l *Loading) Commit() ([]LoadResult, error) {
	s := l.s
	s.mu.Lock()
	if l.state != switched {
		s.mu.Unlock()
		return nil, ErrLoadingState
	}
	l.state = finished
	res := make([]LoadResult, len(l.objs))
	var doomed [][]node.PID
	for i, obj := range l.objs {
		m := s.mods[node.ModuleKey(obj.v.name)]
		if prev := l.prev[i]; prev != nil {
			if m.old != nil {
				purged := m.old.info()
				res[i].Purged = &purged
				doomed = append(doomed, s.purge(m))
			} else {
				doomed = append(doomed, nil)
			}
			replaced := prev.info()
			res[i].Replaced = &replaced
			m.old = prev
		} else {
			doomed = append(doomed, nil)
		}
		res[i].Module = m.info()
	}
	s.gen.Add(1)
	s.mu.Unlock()
	for i := range res {
		res[i].Killed = s.kill(doomed[i])
	}
	return res, nil
}

// Discard drops a prepared load that was never switched in.
func (l *Loading) Discard() {
	s := l.s
	s.mu.Lock()
	if l.state != prepared {
		s.mu.Unlock()
		return
	}
	l.state = finished
	s.mu.Unlock()
	l.drop()
}

// drop marks the prepared versions purged and kills what their inits
// spawned: no purge would reach them otherwise.
func (l *Loading) drop() {
	for _, obj := range l.objs {
		obj.v.purged.Store(true)
		l.s.kill(obj.v.pins.live(l.s.node))
	}
}

// Callbacks returns the GenServer callbacks of the compiled version, so
// that a release can rehearse its CodeChange on copies of live states
// before anything is installed.
func (o *Object) Callbacks() *node.Callbacks { return o.v.cb }

// Vsn returns the module's version as the code server will name it: the
// literal of its const Vsn, else the hash of its source. It does not
// compile the module.
func (src *Source) Vsn() (string, error) {
	fset := token.NewFileSet()
	p, err := parse(fset, src)
	if err != nil {
		return "", err
	}
	v, err := p.vsn(fset)
	if err != nil || v != "" {
		return v, err
	}
	return src.Hash, nil
}
