package migrate_test

import (
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/gexdev/gex/node/migrate"
)

type employeeV1 struct {
	Name  string
	Money int
}

type employeeV2 struct {
	Name   string
	Salary int64
}

func TestRename(t *testing.T) {
	want := map[string]any{"name": "blackode", "salary": 60000}
	tests := []struct {
		name  string
		state any
		want  map[string]any
	}{
		{"map", map[string]any{"name": "blackode", "money": 60000}, want},
		{"any map", map[any]any{"name": "blackode", "money": 60000, 1: "not a string key"}, want},
		{"struct", employeeV1{Name: "blackode", Money: 60000}, map[string]any{"Name": "blackode", "salary": 60000}},
		{"pointer", &employeeV1{Name: "blackode", Money: 60000}, map[string]any{"Name": "blackode", "salary": 60000}},
		{"renamed already", want, want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := migrate.Rename(tt.state, "money", "salary")
			if err != nil || !maps.Equal(got, tt.want) {
				t.Fatalf("Rename = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := migrate.Rename(map[string]any{"money": 1, "salary": 2}, "money", "salary"); err == nil {
		t.Error("Rename onto an existing name succeeded")
	}
	if _, err := migrate.Rename(42, "money", "salary"); !errors.Is(err, migrate.ErrShape) {
		t.Errorf("Rename of an int: %v", err)
	}
}

func TestRenameDoesNotChangeItsInput(t *testing.T) {
	old := map[string]any{"money": 1}
	migrate.Rename(old, "money", "salary")
	if _, ok := old["money"]; !ok || len(old) != 1 {
		t.Fatalf("input changed: %v", old)
	}
}

func TestGet(t *testing.T) {
	for _, state := range []any{
		map[string]any{"money": 7},
		employeeV1{Money: 7},
		&employeeV1{Money: 7},
	} {
		if v, ok := migrate.Get(state, "MONEY"); !ok || v != 7 {
			t.Errorf("Get(%T, MONEY) = %v, %v", state, v, ok)
		}
		if _, ok := migrate.Get(state, "salary"); ok {
			t.Errorf("Get(%T, salary) found something", state)
		}
	}
	if _, ok := migrate.Get((*employeeV1)(nil), "money"); ok {
		t.Error("Get of a nil pointer found something")
	}
}

func TestInto(t *testing.T) {
	var e employeeV2
	src, _ := migrate.Rename(employeeV1{Name: "blackode", Money: 60000}, "money", "salary")
	if err := migrate.Into(&e, src); err != nil {
		t.Fatal(err)
	}
	if e != (employeeV2{Name: "blackode", Salary: 60000}) {
		t.Fatalf("Into struct: %+v", e)
	}

	var m map[string]any
	if err := migrate.Into(&m, e); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(m, map[string]any{"Name": "blackode", "Salary": int64(60000)}) {
		t.Fatalf("Into map: %v", m)
	}

	var typed map[string]int
	if err := migrate.Into(&typed, map[string]any{"a": 1, "b": int8(2)}); err != nil || !maps.Equal(typed, map[string]int{"a": 1, "b": 2}) {
		t.Fatalf("Into typed map: %v, %v", typed, err)
	}

	if err := migrate.Into(&e, map[string]any{"bonus": 1}); err == nil {
		t.Error("Into dropped a field silently")
	}
	if err := migrate.Into(&e, map[string]any{"salary": "lots"}); err == nil {
		t.Error("Into stored a string in an int64")
	}
	if err := migrate.Into(&e, map[string]any{"name": 65}); err == nil {
		t.Error("Into turned an int into a string")
	}
	if err := migrate.Into(e, src); err == nil {
		t.Error("Into a non-pointer succeeded")
	}
}

// TestInterpretedFieldNames: the interpreter spells an unexported field
// money of an interpreted struct as Xmoney, in an anonymous struct type. An
// exported field Xray cannot be told from an unexported ray; it reads as ray.
func TestInterpretedFieldNames(t *testing.T) {
	typ := reflect.StructOf([]reflect.StructField{
		{Name: "Name", Type: reflect.TypeFor[string]()},
		{Name: "Xmoney", Type: reflect.TypeFor[int]()},
		{Name: "Xray", Type: reflect.TypeFor[int]()},
	})
	v := reflect.New(typ).Elem()
	v.Field(0).SetString("blackode")
	v.Field(1).SetInt(60000)
	v.Field(2).SetInt(1)
	got, err := migrate.ToMap(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"Name": "blackode", "money": 60000, "ray": 1}; !maps.Equal(got, want) {
		t.Fatalf("ToMap = %v, want %v", got, want)
	}
	back := reflect.New(typ)
	if err := migrate.Into(back.Interface(), map[string]any{"money": 5}); err != nil || back.Elem().Field(1).Int() != 5 {
		t.Fatalf("Into interpreted struct: %v, %v", back.Elem(), err)
	}
}

// TestCompiledUnexportedFields: a native module version keeps its state in
// compiled structs with unexported fields; they are read and filled as the
// interpreter's X-spelled ones are.
func TestCompiledUnexportedFields(t *testing.T) {
	type employee struct {
		Name  string
		money int
	}
	for _, state := range []any{employee{"blackode", 30000}, &employee{"blackode", 30000}} {
		got, err := migrate.Rename(state, "money", "salary")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]any{"Name": "blackode", "salary": 30000}; !maps.Equal(got, want) {
			t.Fatalf("Rename(%T) = %v, want %v", state, got, want)
		}
	}
	type paid struct {
		name   string
		salary int
	}
	var p paid
	if err := migrate.Into(&p, map[string]any{"Name": "blackode", "salary": 30000}); err != nil || p != (paid{"blackode", 30000}) {
		t.Fatalf("Into a struct with unexported fields: %+v, %v", p, err)
	}
}
