package shell

import (
	"context"
	"fmt"
	"go/token"
	"reflect"
	"runtime/debug"
	"strings"

	"github.com/gexdev/gex/helpers"
	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/shell/printer"
)

// form runs an IEx helper form, `r KV`, or an Erlang-style call,
// `:sys.get_state pid`, by calling the function the catalogue binds for
// it with the arguments read as its entry's parameters say.
func (s *Session) form(ctx context.Context, in Input) (result, error) {
	f, ok := s.goForms[in.Name]
	if in.Form == FormCall {
		f, ok = s.calls[in.Name]
	}
	if !ok {
		return result{}, &FormError{Src: in.Src, Msg: formName(in) + " needs the code server, and this node has none"}
	}
	args, err := s.args(ctx, in, f.Type())
	if err != nil {
		return result{}, err
	}
	out, err := callCtx(ctx, f, args)
	if err != nil {
		return result{}, err
	}
	return results(out, in.Form == FormCall)
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
				o.err = panicked(v, debug.Stack())
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

// results splits a compiled call's results into values to show and an
// error, by the static type of the last. A call that returns nothing but
// a nil error shows :ok if ok is set, else nothing.
func results(out []reflect.Value, ok bool) (result, error) {
	vals := make([]any, len(out))
	for i, v := range out {
		vals[i] = v.Interface()
	}
	lastErr := len(out) > 0 && out[len(out)-1].Type() == errorType
	r, err := splitResults(vals, lastErr)
	if err == nil && !r.hasValue && ok && lastErr {
		r = result{values: []any{node.Atom("ok")}, hasValue: true}
	}
	return r, err
}

// args reads the arguments of a form for a function of type ft.
func (s *Session) args(ctx context.Context, in Input, ft reflect.Type) ([]reflect.Value, error) {
	args := make([]reflect.Value, len(in.Args))
	for i, src := range in.Args {
		t := paramType(ft, i)
		v, err := s.arg(ctx, src, in.helper.Param(i), t)
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
func (s *Session) arg(ctx context.Context, src string, p helpers.Param, t reflect.Type) (reflect.Value, error) {
	var x any
	switch {
	case p == helpers.ParamTopic, p == helpers.ParamWord:
		x = strings.Trim(src, `"`)
	case p == helpers.ParamModule && isIdent(src) && !s.isVar(src):
		x = src
	case p == helpers.ParamDest && isIdent(src) && !s.isVar(src):
		name, ok := s.registered(src)
		if !ok && !isExported(src) {
			// pid, written for a variable the session does not have:
			// a registered name is written as a module's is, KV.
			return reflect.Value{}, fmt.Errorf("undefined: %s", src)
		}
		x = name
	default:
		r, err := s.eval.run(ctx, goInput(src))
		if err != nil {
			return reflect.Value{}, err
		}
		if !r.hasValue || len(r.values) != 1 {
			return reflect.Value{}, fmt.Errorf("%s is not a single value", src)
		}
		x = r.values[0]
	}
	return convert(x, t)
}

func isIdent(src string) bool { return token.IsIdentifier(src) }

// registered returns the registered name the user means by name: the
// name itself if it is registered, else the one registered name that
// matches it ignoring case and underscores (KV for kv), as module names
// match. It reports false, and returns name, when none is.
func (s *Session) registered(name string) (node.Name, bool) {
	if _, ok := s.node.Whereis(name); ok {
		return node.Name(name), true
	}
	key := node.ModuleKey(name)
	var found []string
	for _, r := range s.node.Registered() {
		if node.ModuleKey(r) == key {
			found = append(found, r)
		}
	}
	if len(found) == 1 {
		return node.Name(found[0]), true
	}
	return node.Name(name), false
}

var (
	destType  = reflect.TypeFor[node.Dest]()
	errorType = reflect.TypeFor[error]()
)

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
		return reflect.Value{}, fmt.Errorf("want a PID or a registered name, got %s", printer.TypeString(v.Type()))
	}
	return reflect.Value{}, fmt.Errorf("want %s, got %s", printer.TypeString(t), printer.TypeString(v.Type()))
}

// goInput is src as Go input.
func goInput(src string) Input { return Input{Form: FormGo, Src: src, toks: scan(src)} }
