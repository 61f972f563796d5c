package code

import (
	"fmt"
	"sort"
)

// IsLoaded reports whether module name has a current version.
func (s *Server) IsLoaded(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.module(name)
	return m != nil && m.cur.Load() != nil
}

// Info describes the current version of module name.
func (s *Server) Info(name string) (ModuleInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.module(name)
	if m == nil || m.cur.Load() == nil {
		return ModuleInfo{}, fmt.Errorf("%w: %s", ErrNotLoaded, name)
	}
	return m.info(), nil
}

// info describes m's current version. Called with s.mu held.
func (m *module) info() ModuleInfo {
	in := m.cur.Load().info()
	if m.old != nil {
		in.OldVsn, in.OldTier = m.old.vsn, m.old.tier
	}
	in.Mapped = 0
	for _, n := range m.mapped {
		in.Mapped += n
	}
	return in
}

// Which returns the source a module was loaded from or, for a module not
// loaded, the source the code path would load it from.
func (s *Server) Which(name string) (string, error) {
	if in, err := s.Info(name); err == nil {
		return in.Path, nil
	}
	src, err := findOnPath(s.Path(), name)
	if err != nil {
		return "", err
	}
	return src.Path, nil
}

// AllLoaded describes every module with a current version, by name.
func (s *Server) AllLoaded() []ModuleInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ModuleInfo
	for _, m := range s.mods {
		if m.cur.Load() != nil {
			out = append(out, m.info())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ModifiedModules returns the loaded modules whose source on disk is no
// longer what was loaded, by name. A module whose source is gone is not
// listed: there is nothing to reload it from.
func (s *Server) ModifiedModules() []string {
	var out []string
	for _, in := range s.AllLoaded() {
		src, err := ReadSource(in.Path)
		if err == nil && src.Hash != in.Hash {
			out = append(out, in.Name)
		}
	}
	return out
}
