package code

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gexdev/gex/node"
)

// LoadResult tells what a load changed, for a console to report.
type LoadResult struct {
	Module   ModuleInfo  // the version now current
	Replaced *ModuleInfo // the version that became old; nil on a first load
	Purged   *ModuleInfo // the old version dropped to make room; nil if none
	Killed   []node.PID  // processes that ran the purged version's code, killed
}

// LoadFile compiles and loads the module in path, a .go file or a
// directory (IEx's c, Erlang's code:load_abs).
func (s *Server) LoadFile(path string) (*LoadResult, error) {
	src, err := ReadSource(path)
	if err != nil {
		return nil, err
	}
	return s.LoadSource(src)
}

// Load finds module name on the code path, compiles and loads it
// (code:load_file).
func (s *Server) Load(name string) (*LoadResult, error) { return s.load(name, nil) }

// load is Load with the chain of modules being loaded because one imports
// the next, to refuse import cycles.
func (s *Server) load(name string, chain []string) (*LoadResult, error) {
	if slices.Contains(chain, moduleKey(name)) {
		return nil, fmt.Errorf("import cycle: %s -> %s", strings.Join(chain, " -> "), name)
	}
	src, err := findOnPath(s.Path(), name)
	if err != nil {
		return nil, err
	}
	return s.loadSource(src, chain)
}

// Reload recompiles module name from the source it was loaded from and
// loads it (IEx's r). The processes running the module's GenServers handle
// their next message with the new code and the state they have.
func (s *Server) Reload(name string) (*LoadResult, error) {
	in, err := s.Info(name)
	if err != nil {
		return nil, err
	}
	return s.LoadFile(in.Path)
}

// LoadSource compiles and loads src.
func (s *Server) LoadSource(src *Source) (*LoadResult, error) { return s.loadSource(src, nil) }

func (s *Server) loadSource(src *Source, chain []string) (*LoadResult, error) {
	obj, err := s.compile(src, chain)
	if err != nil {
		return nil, err
	}
	return s.Install(obj)
}

// Install makes a compiled version current. The current version becomes
// old; an old version already there is purged first, and the processes
// still running it are killed, so that their supervisors restart them on
// current code. GenServers of the module are not killed: they find their
// callbacks in the current version at each message.
func (s *Server) Install(obj *Object) (*LoadResult, error) {
	res, doomed, err := s.swap(obj)
	if err != nil {
		return nil, err
	}
	res.Killed = s.kill(doomed)
	return res, nil
}

// swap makes obj's version current. It returns the processes of the version
// it purged, for Install to kill once the lock is released.
func (s *Server) swap(obj *Object) (*LoadResult, []node.PID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if obj.installed {
		return nil, nil, fmt.Errorf("%w: %s vsn %s", ErrInstalled, obj.v.name, obj.v.vsn)
	}
	obj.installed = true
	v := obj.v
	m := s.mods[moduleKey(v.name)]
	if m == nil {
		m = newModule(v.name)
		s.mods[moduleKey(v.name)] = m
	}
	res := &LoadResult{}
	var doomed []node.PID
	if cur := m.cur.Load(); cur != nil {
		if m.old != nil {
			purged := m.old.info()
			res.Purged = &purged
			doomed = s.purge(m)
		}
		replaced := cur.info()
		res.Replaced = &replaced
		m.old = cur
	}
	v.loaded = time.Now()
	m.cur.Store(v)
	m.refreshStubs(v)
	res.Module = m.info()
	s.gen.Add(1)
	return res, doomed, nil
}
