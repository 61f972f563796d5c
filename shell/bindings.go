package shell

import "reflect"

// bindings returns the names the session's Go sees without an import:
// the Go forms of the catalogue's helpers (r("KV"), v(-2),
// pid("0.117.0"), sys for system calls, code for the code server), and
// the evaluator's tuple function. User variables of the same names
// shadow them.
func (s *Session) bindings() map[string]reflect.Value {
	b := make(map[string]reflect.Value, len(s.goForms)+1)
	for name, f := range s.goForms {
		b[name] = f
	}
	b[tupleName] = reflect.ValueOf(func(vs ...any) []any { return vs })
	return b
}
