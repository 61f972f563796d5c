package code

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/petermattis/goid"

	"github.com/gexdev/gex/node"
)

// LoadResult tells what a load changed, for a console to report.
type LoadResult struct {
	Module   ModuleInfo  // the version now current
	Replaced *ModuleInfo // the version that became old; nil on a first load
	Purged   *ModuleInfo // the old version dropped to make room; nil if none
	Killed   []node.PID  // processes that ran the purged version's code, killed
	// Fallback says why a load asked to be native (Options.Tier) runs
	// interpreted; nil otherwise.
	Fallback error
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
// the next.
func (s *Server) load(name string, chain []string) (*LoadResult, error) {
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
	// Recorded as in progress, unless autoload did it, so that first uses
	// of the module wait for this load and uses by its init fail (autoload).
	key := node.ModuleKey(src.Name)
	s.mu.Lock()
	c := s.loading[key]
	mine := c == nil
	if mine {
		c = s.beginLoad(key)
	}
	s.mu.Unlock()
	obj, fallback, err := s.compileTier(src, chain, func() (*Object, error) { return s.compile(src, chain) })
	var res *LoadResult
	if err == nil {
		if res, err = s.Install(obj); err == nil {
			res.Fallback = fallback
			s.TierUpInstalled(src, obj, fallback)
		}
	}
	if mine {
		s.endLoad(key, c, err)
	}
	return res, err
}

// loadCall is a load of a module in progress.
type loadCall struct {
	g    int64         // the goroutine loading, on which the module's init runs
	done chan struct{} // closed when the load ends
	err  error         // the load's error, set before done is closed
}

// autoload loads module name from the code path unless it is loaded: the
// first use of a module, by the resolver or an import, loads it, as in
// BEAM's interactive mode. A use while the module is being loaded waits for
// that load, as it would wait for Erlang's code server, rather than install
// a copy of its own: the copies would become old code and purge each
// other's processes. Only a use from the goroutine running the load, by the
// module's init (directly or through the modules it calls), is refused:
// that load cannot end before the init does, so waiting would deadlock,
// and loading again would run the init again, without end. chain lists the
// modules whose imports led here, to refuse import cycles.
func (s *Server) autoload(name string, chain []string) error {
	key := node.ModuleKey(name)
	if slices.Contains(chain, key) {
		return fmt.Errorf("import cycle: %s -> %s", strings.Join(chain, " -> "), name)
	}
	s.mu.Lock()
	if m := s.mods[key]; m != nil && m.cur.Load() != nil {
		s.mu.Unlock()
		return nil
	}
	if c := s.loading[key]; c != nil {
		s.mu.Unlock()
		if c.g == goid.Get() {
			return fmt.Errorf("module %s is still loading: its init cannot start its own GenServers by name", name)
		}
		<-c.done
		return c.err
	}
	c := s.beginLoad(key)
	s.mu.Unlock()
	_, err := s.load(name, chain)
	s.endLoad(key, c, err)
	return err
}

// beginLoad records a load of the module with key in progress on the
// calling goroutine. Called with s.mu held.
func (s *Server) beginLoad(key string) *loadCall {
	// The goroutine id tells the module's init apart from concurrent
	// users. Go does not expose it; goid reads it, as package node does to
	// find the process running on a goroutine (Self).
	c := &loadCall{g: goid.Get(), done: make(chan struct{})}
	s.loading[key] = c
	return c
}

// endLoad ends c, the load of the module with key, and lets its waiters go
// on with its error.
func (s *Server) endLoad(key string, c *loadCall, err error) {
	s.mu.Lock()
	delete(s.loading, key)
	s.mu.Unlock()
	c.err = err
	close(c.done)
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
	m := s.mods[node.ModuleKey(v.name)]
	if m == nil {
		m = newModule(v.name)
		s.mods[node.ModuleKey(v.name)] = m
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
	v.loaded.Store(time.Now().UnixNano())
	if v.plugin != "" {
		m.mapped[v.plugin] = v.mapped
	}
	m.cur.Store(v)
	m.refreshStubs(v)
	res.Module = m.info()
	s.gen.Add(1)
	return res, doomed, nil
}
