package shell

import (
	"context"
	"fmt"
	"go/token"
	"reflect"
	"runtime/debug"
	"strings"

	"github.com/gexdev/gex/node"
)

// helper runs an IEx helper form, `r KV`, by calling its Go form with
// the arguments read as the helper's signature says.
func (s *Session) helper(ctx context.Context, in Input) ([]any, bool, error) {
	f := s.eval.cfg.bindings[in.Name]
	sig, _ := HelperForm(in.Name)
	args, err := s.args(ctx, in, sig, f.Type())
	if err != nil {
		return nil, false, err
	}
	out, err := callCtx(ctx, f, args)
	if err != nil {
		return nil, false, err
	}
	return results(out, false)
}

// call runs an Erlang-style call, `:sys.get_state pid`.
func (s *Session) call(ctx context.Context, in Input) ([]any, bool, error) {
	f, ok := s.calls[in.Name]
	if !ok {
		return nil, false, &FormError{Src: in.Src, Msg: ":" + in.Name + " needs the code server, and this node has none"}
	}
	sig, _ := CallForm(in.Name)
	args, err := s.args(ctx, in, sig, f.Type())
	if err != nil {
		return nil, false, err
	}
	out, err := callCtx(ctx, f, args)
	if err != nil {
		return nil, false, err
	}
	return results(out, true)
}

// callCtx calls f, and returns when it does or when ctx is done. Helpers
// and calls run compiled code that nothing can stop, and some may block
// for ever: c of a module whose init blocks, :sys.get_state of a process
// that never answers. An interrupted call goes on in the background, and
// whatever it shows appears with the output of a later input; the session
// goes on meanwhile.
func callCtx(ctx context.Context, f reflect.Value, args []reflect.Value) ([]reflect.Value, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type outcome struct {
		out []reflect.Value
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			// The panic cannot reach the session's recover from here.
			if v := recover(); v != nil {
				o.err = &PanicError{Value: v, Native: nativeFrames(debug.Stack())}
			}
			done <- o
		}()
		o.out = f.Call(args)
	}()
	select {
	case o := <-done:
		return o.out, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// results splits a Go call's results into values to show and an error.
// A call that returns nothing but a nil error shows :ok if ok is set,
// else nothing.
func results(out []reflect.Value, ok bool) ([]any, bool, error) {
	if n := len(out); n > 0 && out[n-1].Type() == errorType {
		if err, _ := out[n-1].Interface().(error); err != nil {
			return nil, false, err
		}
		out = out[:n-1]
	}
	if len(out) == 0 {
		if ok {
			return []any{node.Atom("ok")}, true, nil
		}
		return nil, false, nil
	}
	vals := make([]any, len(out))
	for i, v := range out {
		vals[i] = v.Interface()
	}
	return vals, true, nil
}

// args reads the arguments of a form for a function of type ft.
func (s *Session) args(ctx context.Context, in Input, sig Signature, ft reflect.Type) ([]reflect.Value, error) {
	args := make([]reflect.Value, len(in.Args))
	for i, src := range in.Args {
		t := paramType(ft, i)
		v, err := s.arg(ctx, src, sig.Param(i), t)
		if err != nil {
			return nil, &FormError{Src: in.Src, Msg: fmt.Sprintf("argument %d of %s: %v", i+1, formName(in), err)}
		}
		args[i] = v
	}
	return args, nil
}

func formName(in Input) string {
	if in.Form == FormCall {
		return ":" + in.Name
	}
	return in.Name
}

// paramType is the type of the i'th argument of a function of type ft.
func paramType(ft reflect.Type, i int) reflect.Type {
	if ft.IsVariadic() && i >= ft.NumIn()-1 {
		return ft.In(ft.NumIn() - 1).Elem()
	}
	return ft.In(i)
}

// arg reads one argument. A bare name that is no session variable is a
// name: a module's for ParamModule, a registered process's for
// ParamDest. Anything else is a Go expression, evaluated.
func (s *Session) arg(ctx context.Context, src string, p Param, t reflect.Type) (reflect.Value, error) {
	var x any
	switch {
	case p == ParamTopic:
		x = strings.Trim(src, `"`)
	case p == ParamModule && isIdent(src) && !s.isVar(src):
		x = src
	case p == ParamDest && isIdent(src) && !s.isVar(src):
		x = s.registered(src)
	default:
		r, err := s.eval.run(ctx, src)
		if err != nil {
			return reflect.Value{}, err
		}
		vals, err := Results(r.values)
		if err != nil {
			return reflect.Value{}, err
		}
		if !r.hasValue || len(vals) != 1 {
			return reflect.Value{}, fmt.Errorf("%s is not a single value", src)
		}
		x = vals[0]
	}
	return convert(x, t)
}

func isIdent(src string) bool { return token.IsIdentifier(src) }

// registered returns the registered name the user means by name: the
// name itself if it is registered, else the one registered name that
// matches it ignoring case and underscores (KV for kv), as module names
// match.
func (s *Session) registered(name string) node.Name {
	if _, ok := s.node.Whereis(name); ok {
		return node.Name(name)
	}
	key := looseKey(name)
	var found []string
	for _, r := range s.node.Registered() {
		if looseKey(r) == key {
			found = append(found, r)
		}
	}
	if len(found) == 1 {
		return node.Name(found[0])
	}
	return node.Name(name)
}

func looseKey(name string) string { return strings.ReplaceAll(strings.ToLower(name), "_", "") }

var destType = reflect.TypeFor[node.Dest]()

// convert makes x a value of type t where the console's forms allow it:
// nil for any nillable type, a string where a process is wanted (a
// registered name), and a number where a string is (Erlang versions are
// often integers: :sys.change_code(KV, KV, 0, nil)).
func convert(x any, t reflect.Type) (reflect.Value, error) {
	if x == nil {
		switch t.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
			return reflect.Zero(t), nil
		}
		return reflect.Value{}, fmt.Errorf("nil is not a %v", t)
	}
	v := reflect.ValueOf(x)
	switch {
	case v.Type().AssignableTo(t):
		return v, nil
	case t == destType && v.Kind() == reflect.String:
		return reflect.ValueOf(node.Name(v.String())), nil
	case t.Kind() == reflect.String && v.CanInt():
		return reflect.ValueOf(fmt.Sprint(x)).Convert(t), nil
	case v.Type().ConvertibleTo(t) && v.Kind() == t.Kind():
		return v.Convert(t), nil
	case t == destType:
		return reflect.Value{}, fmt.Errorf("want a PID or a registered name, got %s", typeString(v.Type()))
	}
	return reflect.Value{}, fmt.Errorf("want %s, got %s", typeString(t), typeString(v.Type()))
}
