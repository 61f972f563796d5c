package shell

import (
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// Complete returns the completions of the word before pos in line: the
// helpers, the session's variables, modules and packages by name; a
// package's or module's exported names after "kv."; the fields and
// methods of a variable after "x."; and the calls after ":sys." or
// ":code.". The completions are the rest of each candidate after what is
// typed, as readline wants them, and length is how much is typed.
func (s *Session) Complete(line string, pos int) ([][]rune, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, 0
	}
	rs := []rune(line)
	pos = min(max(pos, 0), len(rs))
	start := pos
	for start > 0 && isWordRune(rs[start-1]) {
		start--
	}
	word := string(rs[start:pos])
	if i := strings.LastIndexByte(word, ':'); i > 0 {
		word, start = word[i:], start+len([]rune(word[:i]))
	}
	var cands []string
	prefix := word
	switch base, partial, dotted := cutLast(word, "."); {
	case strings.HasPrefix(word, ":"):
		cands = s.cat.callNames()
	case dotted:
		cands, prefix = s.members(base), partial
	default:
		cands = s.names(word != "")
	}
	return suffixes(cands, prefix), len([]rune(prefix))
}

func isWordRune(r rune) bool {
	return r == '_' || r == '.' || r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// names returns what a bare word may be. The standard library's packages
// are offered only once something is typed: there are too many to list.
func (s *Session) names(typed bool) []string {
	names := s.cat.helperNames()
	for name := range s.eval.cfg.bindings {
		if !strings.HasPrefix(name, "__") {
			names = append(names, name)
		}
	}
	for name := range s.eval.globals() {
		names = append(names, name)
	}
	names = append(names, s.pkgs.moduleNames()...)
	names = append(names, "node")
	if typed {
		names = append(names, s.pkgs.stdPackageNames()...)
	}
	return names
}

// members returns the names that may follow "base.".
func (s *Session) members(base string) []string {
	if v, ok := s.eval.globals()[base]; ok {
		return fieldsAndMethods(v)
	}
	if v, ok := s.eval.cfg.bindings[base]; ok {
		return fieldsAndMethods(v)
	}
	var names []string
	for name := range s.pkgs.symbolsOf(base) {
		if isExported(name) {
			names = append(names, name)
		}
	}
	return names
}

// fieldsAndMethods returns the exported fields and methods of v's type.
func fieldsAndMethods(v reflect.Value) []string {
	if !v.IsValid() {
		return nil
	}
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	t := v.Type()
	var names []string
	for i := range t.NumMethod() {
		names = append(names, t.Method(i).Name)
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				names = append(names, f.Name)
			}
		}
	}
	return names
}

func isExported(name string) bool {
	for _, r := range name {
		return unicode.IsUpper(r)
	}
	return false
}

// suffixes returns, sorted and once each, what completes prefix to each
// candidate that begins with it.
func suffixes(cands []string, prefix string) [][]rune {
	slices.Sort(cands)
	cands = slices.Compact(cands)
	var out [][]rune
	for _, c := range cands {
		if len(c) > len(prefix) && strings.HasPrefix(c, prefix) {
			out = append(out, []rune(c[len(prefix):]))
		}
	}
	return out
}
