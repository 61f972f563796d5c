package migrate

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"unsafe"
)

// ErrShape reports a state that is neither a struct nor a map with string keys.
var ErrShape = errors.New("state is neither a struct nor a map with string keys")

// ToMap returns the fields of a struct state, or the entries of a map state
// with string keys, as a new map[string]any. Struct fields are named as in
// source; nested values are not copied.
func ToMap(state any) (map[string]any, error) {
	if m, ok := state.(map[string]any); ok && m != nil {
		// The common state, copied without reflection: a release's
		// CodeChange runs this once per process it migrates.
		return maps.Clone(m), nil
	}
	v := reflect.ValueOf(state)
	if s, ok := structOf(v); ok {
		return structToMap(s), nil
	}
	if m, ok := mapOf(v); ok {
		return mapToMap(m), nil
	}
	return nil, fmt.Errorf("migrate: %w: %T", ErrShape, state)
}

func structToMap(s reflect.Value) map[string]any {
	t := s.Type()
	if !s.CanAddr() { // unexported fields are reached through their address
		c := reflect.New(t).Elem()
		c.Set(s)
		s = c
	}
	out := make(map[string]any, t.NumField())
	for i := range t.NumField() {
		if f := t.Field(i); f.Name != "_" {
			out[fieldName(t, f)] = field(s, i).Interface()
		}
	}
	return out
}

// field returns field i of the addressable struct s, readable and settable
// even when unexported: a compiled module version (a native one) keeps its
// state in its own struct types with unexported fields, as the interpreter
// does with its X-spelled ones, and a CodeChange must read and fill them
// alike.
func field(s reflect.Value, i int) reflect.Value {
	f := s.Field(i)
	if t := s.Type().Field(i); !t.IsExported() {
		f = reflect.NewAt(t.Type, unsafe.Pointer(f.UnsafeAddr())).Elem()
	}
	return f
}

func mapToMap(m reflect.Value) map[string]any {
	out := make(map[string]any, m.Len())
	it := m.MapRange()
	for it.Next() {
		if k, ok := mapKey(it.Key()); ok {
			out[k] = it.Value().Interface()
		}
	}
	return out
}

// Get returns the field or map entry of state called name, matched
// case-insensitively.
func Get(state any, name string) (any, bool) {
	m, err := ToMap(state)
	if err != nil {
		return nil, false
	}
	k, ok := find(m, name)
	if !ok {
		return nil, false
	}
	return m[k], true
}

// Rename returns state as a new map[string]any in which the entry or field
// called from (matched case-insensitively) is called to. A state without
// from is returned as a map unchanged; a state that already has to keeps it.
func Rename(state any, from, to string) (map[string]any, error) {
	m, err := ToMap(state)
	if err != nil {
		return nil, err
	}
	k, ok := find(m, from)
	if !ok {
		return m, nil
	}
	if _, taken := find(m, to); taken && key(k) != key(to) {
		return nil, fmt.Errorf("migrate: rename %q to %q: the state has both", from, to)
	}
	v := m[k]
	delete(m, k)
	m[to] = v
	return m, nil
}

// Into copies the fields or entries of src (a struct or a map with string
// keys) into dst, a pointer to a struct or to a map with string keys. Names
// match case-insensitively; values are converted where Go allows it (int to
// int64, named to underlying type, ...). Fields of dst that src lacks keep
// their values; entries of src that dst has no field for are an error, so
// that nothing is dropped silently.
func Into(dst any, src any) error {
	m, err := ToMap(src)
	if err != nil {
		return err
	}
	d := reflect.ValueOf(dst)
	if d.Kind() != reflect.Pointer || d.IsNil() {
		return fmt.Errorf("migrate: Into wants a non-nil pointer, got %T", dst)
	}
	switch e := d.Elem(); e.Kind() {
	case reflect.Struct:
		return fillStruct(e, m)
	case reflect.Map:
		return fillMap(e, m)
	}
	return fmt.Errorf("migrate: Into: %w: %T", ErrShape, dst)
}

func fillStruct(s reflect.Value, m map[string]any) error {
	t := s.Type()
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if f := t.Field(i); f.Name != "_" {
			fields[key(fieldName(t, f))] = i
		}
	}
	for name, v := range m {
		i, ok := fields[key(name)]
		if !ok {
			return fmt.Errorf("migrate: %s has no field for %q", t, name)
		}
		if err := assign(field(s, i), v, name); err != nil {
			return err
		}
	}
	return nil
}

func fillMap(mv reflect.Value, m map[string]any) error {
	t := mv.Type()
	if k := t.Key().Kind(); k != reflect.String && k != reflect.Interface {
		return fmt.Errorf("migrate: Into: %w: %s", ErrShape, t)
	}
	if mv.IsNil() {
		mv.Set(reflect.MakeMapWithSize(t, len(m)))
	}
	for name, v := range m {
		k := reflect.New(t.Key()).Elem()
		if err := assign(k, name, name); err != nil {
			return err
		}
		e := reflect.New(t.Elem()).Elem()
		if err := assign(e, v, name); err != nil {
			return err
		}
		mv.SetMapIndex(k, e)
	}
	return nil
}

// assign stores v in dst, converting it where Go would allow a conversion.
func assign(dst reflect.Value, v any, name string) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	sv := reflect.ValueOf(v)
	switch {
	case sv.Type().AssignableTo(dst.Type()):
		dst.Set(sv)
	case convertible(sv.Type(), dst.Type()):
		dst.Set(sv.Convert(dst.Type()))
	default:
		return fmt.Errorf("migrate: %q: cannot use %T as %s", name, v, dst.Type())
	}
	return nil
}

// convertible is reflect's ConvertibleTo without the conversions that change
// meaning rather than representation: integer to string (a rune), and slice
// to array (which panics when lengths differ).
func convertible(from, to reflect.Type) bool {
	if !from.ConvertibleTo(to) {
		return false
	}
	switch from.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return to.Kind() != reflect.String
	case reflect.Slice:
		return to.Kind() != reflect.Array
	}
	return true
}

// find returns the key of m that matches name case-insensitively, preferring
// an exact match.
func find(m map[string]any, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	k := key(name)
	for n := range m {
		if key(n) == k {
			return n, true
		}
	}
	return "", false
}
