package code

import (
	"fmt"
	"reflect"

	"github.com/traefik/yaegi/interp"

	"github.com/gexdev/gex/node/symbols"
)

// Generation changes whenever a module is loaded, deleted or purged. A
// console compares it before evaluating, and calls Use with Exports when it
// changed: that is how a function only the new version has becomes
// callable without a second import, which the interpreter refuses.
func (s *Server) Generation() uint64 { return s.gen.Load() }

// Exports returns, for an interpreter's Use, every loaded module as a
// package importable by its name ("kv"): each exported function is a stub
// that calls the module's current version; constants and types are the
// current version's.
func (s *Server) Exports() interp.Exports {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(interp.Exports, len(s.mods))
	for _, m := range s.mods {
		if syms := m.exports(); syms != nil {
			out[m.name+"/"+m.name] = syms
		}
	}
	return out
}

// ModuleExports returns what Exports holds of the loaded module called
// name (matched as module names are): the stubs of its functions and its
// current version's constants and types; nil if it is not loaded.
func (s *Server) ModuleExports(name string) map[string]reflect.Value {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if m := s.module(name); m != nil {
		return m.exports()
	}
	return nil
}

// NodeExports returns, for an interpreter's Use, the packages node (with
// the methods of this server's node as functions, as modules see it) and
// node/migrate.
func (s *Server) NodeExports() interp.Exports {
	return interp.Exports{nodeKey: s.nodeSyms, migrateKey: symbols.Symbols[migrateKey]}
}

// moduleSymbols returns the importable symbols of the module called name
// and its package name, loading it from the code path if needed.
func (s *Server) moduleSymbols(name string, chain []string) (map[string]reflect.Value, string, error) {
	if err := s.autoload(name, chain); err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.module(name)
	if m == nil || m.cur.Load() == nil {
		return nil, "", fmt.Errorf("%w: %s", ErrNotLoaded, name)
	}
	return m.exports(), m.name, nil
}
