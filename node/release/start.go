package release

import (
	"fmt"
	"reflect"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// starter turns start specs into the node's supervisor and child specs.
// A worker's Start calls Module.Function(Args...) through the code
// server's stubs, so every restart reaches the module's current code.
type starter struct {
	n  *node.Node
	cs *code.Server
}

// startTree starts the root supervisor of a release, registered under its
// id.
func (st starter) startTree(root *ChildSpec) (node.PID, error) {
	return st.n.StartSupervisor(st.supervisorSpec(root), node.Named(root.ID))
}

func (st starter) supervisorSpec(c *ChildSpec) node.SupervisorSpec {
	spec := node.SupervisorSpec{Strategy: strategy(c.Strategy)}
	for i := range c.Children {
		spec.Children = append(spec.Children, st.childSpec(&c.Children[i]))
	}
	return spec
}

// childSpec is the node's spec of c. Child supervisors are registered
// under their id, so that upgrades find them.
func (st starter) childSpec(c *ChildSpec) node.ChildSpec {
	cs := node.ChildSpec{ID: c.ID, Restart: restart(c.Restart)}
	if c.IsSupervisor() {
		sup := st.supervisorSpec(c)
		cs.Type = node.Supervisor
		cs.Start = func() (node.PID, error) { return st.n.StartSupervisor(sup, node.Named(c.ID)) }
		return cs
	}
	cs.Modules = []string{c.Module}
	mod, fn, args := c.Module, c.Function, c.Args
	cs.Start = func() (node.PID, error) { return st.call(mod, fn, args) }
	return cs
}

// call calls module mod's exported function fn with args, converted to
// its parameter types, and takes its results as (PID, error).
func (st starter) call(mod, fn string, args []any) (pid node.PID, err error) {
	f, ok := st.cs.Exports()[mod+"/"+mod][fn]
	if !ok || f.Kind() != reflect.Func {
		return node.PID{}, fmt.Errorf("start %s.%s: module %s exports no function %s", mod, fn, mod, fn)
	}
	t := f.Type()
	if t.NumIn() != len(args) && !t.IsVariadic() {
		return node.PID{}, fmt.Errorf("start %s.%s: takes %d arguments, the spec gives %d", mod, fn, t.NumIn(), len(args))
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		pt := t.In(min(i, t.NumIn()-1))
		if t.IsVariadic() && i >= t.NumIn()-1 {
			pt = pt.Elem()
		}
		v, err := convert(a, pt)
		if err != nil {
			return node.PID{}, fmt.Errorf("start %s.%s: argument %d: %v", mod, fn, i+1, err)
		}
		in[i] = v
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("start %s.%s: panic: %v", mod, fn, r)
		}
	}()
	out := f.Call(in)
	for _, o := range out {
		switch v := o.Interface().(type) {
		case node.PID:
			pid = v
		case error:
			err = v
		}
	}
	return pid, err
}

// convert turns a value decoded from TOML or JSON into type t: numbers to
// any numeric type, maps and slices element by element.
func convert(a any, t reflect.Type) (reflect.Value, error) {
	if a == nil {
		return reflect.Zero(t), nil
	}
	v := reflect.ValueOf(a)
	if t.Kind() == reflect.Interface {
		switch v.Kind() {
		case reflect.Int64: // TOML integers: int, as Go code writes them
			return reflect.ValueOf(int(v.Int())), nil
		case reflect.Float64: // JSON numbers: int when whole
			if f := v.Float(); f == float64(int(f)) {
				return reflect.ValueOf(int(f)), nil
			}
		}
	}
	if v.Type().AssignableTo(t) && v.Kind() != reflect.Map && v.Kind() != reflect.Slice {
		return v, nil
	}
	switch {
	case v.CanConvert(t) && isNumber(v.Kind()) && isNumber(t.Kind()):
		return v.Convert(t), nil
	case v.Kind() == reflect.Map && t.Kind() == reflect.Map:
		m := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			k, err := convert(it.Key().Interface(), t.Key())
			if err != nil {
				return reflect.Value{}, err
			}
			e, err := convert(it.Value().Interface(), t.Elem())
			if err != nil {
				return reflect.Value{}, err
			}
			m.SetMapIndex(k, e)
		}
		return m, nil
	case v.Kind() == reflect.Slice && t.Kind() == reflect.Slice:
		s := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			e, err := convert(v.Index(i).Interface(), t.Elem())
			if err != nil {
				return reflect.Value{}, err
			}
			s.Index(i).Set(e)
		}
		return s, nil
	case t.Kind() == reflect.Interface:
		if v.Kind() == reflect.Map {
			return convert(a, reflect.TypeFor[map[string]any]())
		}
		if v.Kind() == reflect.Slice {
			return convert(a, reflect.TypeFor[[]any]())
		}
	}
	return reflect.Value{}, fmt.Errorf("%v (%T) is not a %v", a, a, t)
}

func isNumber(k reflect.Kind) bool { return k >= reflect.Int && k <= reflect.Float64 }

func strategy(s string) node.Strategy {
	switch s {
	case "one_for_all":
		return node.OneForAll
	case "rest_for_one":
		return node.RestForOne
	}
	return node.OneForOne
}

func restart(s string) node.RestartType {
	switch s {
	case "transient":
		return node.Transient
	case "temporary":
		return node.Temporary
	}
	return node.Permanent
}
