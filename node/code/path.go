package code

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gexdev/gex/node"
)

// findOnPath looks for the source of module name in dirs, in order: a file
// name.go or a directory name/ whose package is name. As on BEAM, the first
// match wins.
func findOnPath(dirs []string, name string) (*Source, error) {
	want := node.ModuleKey(name)
	var bad error // a candidate that could not be read, reported if nothing else matches
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // a missing directory on the code path is not an error
		}
		for _, wantDir := range []bool{false, true} {
			for _, e := range entries {
				if e.IsDir() != wantDir || node.ModuleKey(strings.TrimSuffix(e.Name(), ".go")) != want {
					continue
				}
				if !wantDir && (!strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go")) {
					continue
				}
				src, err := ReadSource(filepath.Join(dir, e.Name()))
				if err != nil {
					if bad == nil {
						bad = err
					}
					continue
				}
				if node.ModuleKey(src.Name) == want {
					return src, nil
				}
			}
		}
	}
	if bad != nil {
		return nil, bad
	}
	return nil, fmt.Errorf("%w: %s (code path %v)", ErrNotFound, name, dirs)
}

// Path returns the code path.
func (s *Server) Path() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.path)
}

// SetPath replaces the code path.
func (s *Server) SetPath(dirs []string) {
	s.mu.Lock()
	s.path = slices.Clone(dirs)
	s.mu.Unlock()
}

// AddPath appends directories to the code path.
func (s *Server) AddPath(dirs ...string) {
	s.mu.Lock()
	s.path = append(s.path, dirs...)
	s.mu.Unlock()
}
