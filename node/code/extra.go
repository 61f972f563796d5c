package code

import (
	"path"
	"reflect"
)

// extraIndex maps the import paths of the compiled packages given in
// Options.Symbols to their keys.
func extraIndex(syms map[string]map[string]reflect.Value) map[string]string {
	idx := make(map[string]string, len(syms))
	for k := range syms {
		idx[path.Dir(k)] = k
	}
	return idx
}
