package node

import "reflect"

// snapshot returns a deep copy of v for handing a process's state to
// another goroutine. Erlang's get_state can share the state because terms
// are immutable; a Go map printed by the console while its server writes
// it would be a data race, and for maps a fatal one that no recover stops.
//
// Maps, slices, arrays, pointers and structs are copied; channels,
// functions and unexported struct fields are shared (they cannot be
// rebuilt by reflection). Cycles through pointers are preserved.
func snapshot(v any) any {
	if v == nil {
		return nil
	}
	c := copier{seen: map[uintptr]reflect.Value{}}
	return c.copy(reflect.ValueOf(v)).Interface()
}

type copier struct {
	seen map[uintptr]reflect.Value
}

func (c *copier) copy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Map:
		return c.copyMap(v)
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(c.copy(v.Index(i)))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(c.copy(v.Index(i)))
		}
		return out
	case reflect.Pointer:
		return c.copyPointer(v)
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(c.copy(v.Elem()))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if f := out.Field(i); f.CanSet() {
				f.Set(c.copy(v.Field(i)))
			}
		}
		return out
	}
	return v
}

func (c *copier) copyMap(v reflect.Value) reflect.Value {
	if v.IsNil() {
		return v
	}
	out := reflect.MakeMapWithSize(v.Type(), v.Len())
	iter := v.MapRange()
	for iter.Next() {
		out.SetMapIndex(c.copy(iter.Key()), c.copy(iter.Value()))
	}
	return out
}

func (c *copier) copyPointer(v reflect.Value) reflect.Value {
	if v.IsNil() {
		return v
	}
	if done, ok := c.seen[v.Pointer()]; ok {
		return done
	}
	out := reflect.New(v.Type().Elem())
	c.seen[v.Pointer()] = out
	out.Elem().Set(c.copy(v.Elem()))
	return out
}
