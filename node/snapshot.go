package node

import (
	"fmt"
	"reflect"
)

// maxCopyDepth bounds how deeply snapshot descends. A copy recurses once
// per level, and a state nested millions deep would overflow the stack of
// the server's goroutine, which no recover stops: the node would die of a
// state it was asked to show.
const maxCopyDepth = 10000

// snapshot returns a deep copy of v for handing a process's state to
// another goroutine. Erlang's get_state can share the state because terms
// are immutable; a Go map printed by the console while its server writes
// it would be a data race, and for maps a fatal one that no recover stops.
//
// Maps, slices, arrays, pointers and structs are copied; channels,
// functions and unexported struct fields are shared (they cannot be
// rebuilt by reflection). Sharing and cycles through pointers, maps and
// slices are preserved: a map that holds itself is copied to a map that
// holds itself. A value nested deeper than maxCopyDepth is refused with
// ErrTooDeep.
func snapshot(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	c := copier{seen: map[refKey]reflect.Value{}}
	out := c.copy(reflect.ValueOf(v), 0)
	if c.tooDeep {
		return nil, fmt.Errorf("%w (more than %d levels)", ErrTooDeep, maxCopyDepth)
	}
	return out.Interface(), nil
}

// refKey identifies a reference a copy has met: a map, the elements of a
// slice (its array, length and capacity: two slices of one array are two
// values), or the target of a pointer, of one type.
type refKey struct {
	t        reflect.Type
	ptr      uintptr
	len, cap int
}

type copier struct {
	seen    map[refKey]reflect.Value
	tooDeep bool
}

func (c *copier) copy(v reflect.Value, depth int) reflect.Value {
	if depth > maxCopyDepth || c.tooDeep {
		c.tooDeep = true
		return v
	}
	switch v.Kind() {
	case reflect.Map:
		return c.copyMap(v, depth)
	case reflect.Slice:
		return c.copySlice(v, depth)
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(c.copy(v.Index(i), depth+1))
		}
		return out
	case reflect.Pointer:
		return c.copyPointer(v, depth)
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(c.copy(v.Elem(), depth+1))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if f := out.Field(i); f.CanSet() {
				f.Set(c.copy(v.Field(i), depth+1))
			}
		}
		return out
	}
	return v
}

func (c *copier) copyMap(v reflect.Value, depth int) reflect.Value {
	if v.IsNil() {
		return v
	}
	key := refKey{t: v.Type(), ptr: v.Pointer()}
	if done, ok := c.seen[key]; ok {
		return done
	}
	out := reflect.MakeMapWithSize(v.Type(), v.Len())
	c.seen[key] = out // before the entries: one of them may be v
	iter := v.MapRange()
	for iter.Next() {
		out.SetMapIndex(c.copy(iter.Key(), depth+1), c.copy(iter.Value(), depth+1))
	}
	return out
}

func (c *copier) copySlice(v reflect.Value, depth int) reflect.Value {
	if v.IsNil() {
		return v
	}
	key := refKey{t: v.Type(), ptr: v.Pointer(), len: v.Len(), cap: v.Cap()}
	if done, ok := c.seen[key]; ok {
		return done
	}
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	c.seen[key] = out // before the elements: one of them may be v
	for i := 0; i < v.Len(); i++ {
		out.Index(i).Set(c.copy(v.Index(i), depth+1))
	}
	return out
}

func (c *copier) copyPointer(v reflect.Value, depth int) reflect.Value {
	if v.IsNil() {
		return v
	}
	key := refKey{t: v.Type(), ptr: v.Pointer()}
	if done, ok := c.seen[key]; ok {
		return done
	}
	out := reflect.New(v.Type().Elem())
	c.seen[key] = out
	out.Elem().Set(c.copy(v.Elem(), depth+1))
	return out
}
