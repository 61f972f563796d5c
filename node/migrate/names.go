package migrate

import (
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// key is the form names are compared in.
func key(name string) string { return strings.ToLower(name) }

// fieldName is the name a struct field has in source. Interpreted struct
// types are anonymous to reflect, and their unexported fields are spelled
// with a leading "X" (money becomes Xmoney); the name is given back without
// it. An exported field such as Xray, in an anonymous struct, reads as ray.
func fieldName(t reflect.Type, f reflect.StructField) string {
	if t.Name() != "" || len(f.Name) < 2 || f.Name[0] != 'X' {
		return f.Name
	}
	r, _ := utf8.DecodeRuneInString(f.Name[1:])
	if unicode.IsLower(r) || r == '_' {
		return f.Name[1:]
	}
	return f.Name
}

// structOf returns the struct value v holds, following pointers and
// interfaces.
func structOf(v reflect.Value) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, v.Kind() == reflect.Struct
}

// mapOf returns the map v holds when its keys are strings.
func mapOf(v reflect.Value) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Map {
		return reflect.Value{}, false
	}
	k := v.Type().Key().Kind()
	return v, k == reflect.String || k == reflect.Interface
}

// mapKey returns a string map key as a string, or false for another key.
func mapKey(k reflect.Value) (string, bool) {
	if k.Kind() == reflect.Interface {
		k = k.Elem()
	}
	if k.Kind() != reflect.String {
		return "", false
	}
	return k.String(), true
}
