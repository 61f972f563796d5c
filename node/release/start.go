package release

import (
	"fmt"
	"reflect"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// starter turns start specs into the node's supervisor and child specs.
// A worker's spec is an MFA, which the node looks up in the module's
// current version at every start, so a restart reaches current code.
type starter struct {
	n  *node.Node
	cs *code.Server
}

// startTree starts the root supervisor of a release, registered under its
// id.
func (st starter) startTree(root *ChildSpec) (node.PID, error) {
	spec, err := st.supervisorSpec(root)
	if err != nil {
		return node.PID{}, err
	}
	return st.n.StartSupervisor(spec, node.Named(root.ID))
}

func (st starter) supervisorSpec(c *ChildSpec) (node.SupervisorSpec, error) {
	spec := node.SupervisorSpec{Strategy: strategy(c.Strategy)}
	for i := range c.Children {
		cs, err := st.childSpec(&c.Children[i])
		if err != nil {
			return spec, err
		}
		spec.Children = append(spec.Children, cs)
	}
	return spec, nil
}

// childSpec is the node's spec of c. Child supervisors are registered
// under their id, so that upgrades find them.
func (st starter) childSpec(c *ChildSpec) (node.ChildSpec, error) {
	cs := node.ChildSpec{ID: c.ID, Restart: restart(c.Restart)}
	if c.IsSupervisor() {
		sup, err := st.supervisorSpec(c)
		if err != nil {
			return cs, err
		}
		cs.Type = node.Supervisor
		cs.Start = func() (node.PID, error) { return st.n.StartSupervisor(sup, node.Named(c.ID)) }
		return cs, nil
	}
	args, err := st.args(c.Module, c.Function, c.Args)
	if err != nil {
		return cs, fmt.Errorf("child %s: %w", c.ID, err)
	}
	cs.Modules = []string{c.Module}
	cs.MFA = node.MFA{Module: c.Module, Func: c.Function, Args: args}
	return cs, nil
}

// args converts args, decoded from TOML or JSON, to the parameter types
// of module mod's function fn.
func (st starter) args(mod, fn string, args []any) ([]any, error) {
	f, err := st.cs.Func(mod, fn)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", mod, fn, err)
	}
	t := reflect.TypeOf(f)
	if t.NumIn() != len(args) && !t.IsVariadic() {
		return nil, fmt.Errorf("%s.%s takes %d arguments, the spec gives %d", mod, fn, t.NumIn(), len(args))
	}
	out := make([]any, len(args))
	for i, a := range args {
		pt := t.In(min(i, t.NumIn()-1))
		if t.IsVariadic() && i >= t.NumIn()-1 {
			pt = pt.Elem()
		}
		v, err := convert(a, pt)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: argument %d: %v", mod, fn, i+1, err)
		}
		out[i] = v.Interface()
	}
	return out, nil
}

// call calls module mod's function fn with args, as a child's start does.
func (st starter) call(mod, fn string, args []any) (node.PID, error) {
	args, err := st.args(mod, fn, args)
	if err != nil {
		return node.PID{}, err
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		in[i] = reflect.ValueOf(a)
	}
	f, _ := st.cs.Func(mod, fn)
	out := reflect.ValueOf(f).Call(in)
	pid, _ := out[0].Interface().(node.PID)
	if len(out) == 2 && !out[1].IsNil() {
		return pid, out[1].Interface().(error)
	}
	return pid, nil
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
