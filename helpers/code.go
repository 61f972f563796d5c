package helpers

import (
	"fmt"
	"go/constant"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/gexdev/gex/node/code"
)

// C compiles and loads the modules in the given files or directories, as
// IEx's c does, and returns the names of the modules loaded. Loading a
// module that is already loaded makes its current version old, with a
// warning.
func (e *Env) C(paths ...string) ([]string, error) {
	cs, err := e.code()
	if err != nil {
		return nil, err
	}
	var loaded []string
	for _, p := range paths {
		abs, err := e.path(p)
		if err != nil {
			return loaded, err
		}
		src, err := code.ReadSource(abs)
		if err != nil {
			return loaded, err
		}
		res, err := cs.LoadSource(src)
		if err != nil {
			return loaded, err
		}
		e.reportLoad(src.Name, res)
		loaded = append(loaded, res.Module.Name)
	}
	return loaded, nil
}

// R recompiles and reloads modules from the source they were loaded
// from, as IEx's r does, and returns their names. GenServers of a
// reloaded module handle their next message with the new code and the
// state they have; see sys.ChangeCode to migrate the state.
func (e *Env) R(modules ...string) ([]string, error) {
	cs, err := e.code()
	if err != nil {
		return nil, err
	}
	reloaded := []string{}
	for _, m := range modules {
		if _, err := cs.Info(m); err != nil {
			return reloaded, err
		}
		res, err := cs.Reload(m)
		if err != nil {
			return reloaded, err
		}
		e.reportLoad(m, res)
		reloaded = append(reloaded, res.Module.Name)
	}
	return reloaded, nil
}

// L loads a module from the code path, as IEx's l and Erlang's
// code:load_file do, and returns its name.
func (e *Env) L(module string) (string, error) {
	res, err := e.load(module)
	if err != nil {
		return "", err
	}
	e.reportLoad(module, res)
	return res.Module.Name, nil
}

// Recompile reloads every loaded module whose source changed on disk and
// returns their names.
func (e *Env) Recompile() ([]string, error) {
	cs, err := e.code()
	if err != nil {
		return nil, err
	}
	return e.R(cs.ModifiedModules()...)
}

// reportLoad says what a load replaced, as Elixir warns when a module is
// redefined, naming the module as the user did (shown), and which
// processes it killed: they ran the version it purged to make room.
func (e *Env) reportLoad(shown string, res *code.LoadResult) {
	if res.Replaced != nil {
		e.printf("warning: redefining module %s (current version loaded from %s)\n", shown, e.Rel(res.Replaced.Path))
	}
	if res.Purged != nil && len(res.Killed) > 0 {
		e.printf("purged module %s vsn %s, killing %s\n", res.Purged.Name, res.Purged.Vsn, e.format(res.Killed))
	}
}

// Rel writes path relative to the working directory when it is inside
// it, as the console shows paths.
func (e *Env) Rel(path string) string {
	dir, err := e.dir()
	if err != nil {
		return path
	}
	if r, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// Exports shows the exported functions of a loaded module, with their
// types, and its constants and types.
func (e *Env) Exports(module string) error {
	syms, err := e.moduleSymbols(module)
	if err != nil {
		return err
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range syms {
			if !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		e.printf("%s\n", describeSymbol(name, syms[name]))
	}
	return nil
}

// moduleSymbols returns what the console sees of a loaded module.
func (e *Env) moduleSymbols(module string) (map[string]reflect.Value, error) {
	cs, err := e.code()
	if err != nil {
		return nil, err
	}
	in, err := cs.Info(module)
	if err != nil {
		return nil, err
	}
	syms := cs.ModuleExports(in.Name)
	if syms == nil {
		return nil, fmt.Errorf("%w: %s", code.ErrNotLoaded, module)
	}
	return syms, nil
}

// describeSymbol writes one exported symbol as Go would declare it, with
// the types the interpreter gives it: Put func(string, any) error.
func describeSymbol(name string, v reflect.Value) string {
	t := v.Type()
	if c, ok := asConstant(v); ok {
		return "const " + name + " = " + c.ExactString()
	}
	switch {
	case t.Kind() == reflect.Func:
		return name + strings.TrimPrefix(typeName(t), "func")
	case t.Kind() == reflect.Pointer:
		// The interpreter exports a type as a pointer to a new value
		// of it; constants are never pointers.
		return "type " + name + " " + typeName(t.Elem())
	case v.CanInterface():
		return fmt.Sprintf("const %s = %#v", name, v.Interface())
	}
	return name + " " + typeName(t)
}

// asConstant returns v as an untyped constant, which is how the
// interpreter holds constants declared without a type.
func asConstant(v reflect.Value) (constant.Value, bool) {
	if !v.IsValid() || !v.CanInterface() {
		return nil, false
	}
	c, ok := v.Interface().(constant.Value)
	return c, ok
}

func typeName(t reflect.Type) string {
	return strings.ReplaceAll(t.String(), "interface {}", "any")
}

// Which returns the source module m was loaded from and the tier its
// current version runs ("kv.go (native)"), or, for a module not loaded,
// the source the code path would load it from.
func (e *Env) Which(m string) (string, error) {
	p, err := e.Code.Which(m)
	if err != nil {
		return "", err
	}
	if in, err := e.Code.Info(m); err == nil {
		return e.Rel(p) + " (" + in.Tier.String() + ")", nil
	}
	return e.Rel(p), nil
}

// AllLoaded returns the loaded modules' versions and the tier each runs,
// by module: {"kv": "1 (native)"}.
func (e *Env) AllLoaded() map[string]string {
	m := map[string]string{}
	for _, in := range e.Code.AllLoaded() {
		m[in.Name] = in.Vsn + " (" + in.Tier.String() + ")"
	}
	return m
}

// tierOf says how a version runs, and why it is interpreted when it was
// asked to be native.
func tierOf(in code.ModuleInfo) string {
	if in.Fallback != "" {
		first, _, _ := strings.Cut(in.Fallback, "\n")
		return in.Tier.String() + " (not native: " + first + ")"
	}
	return in.Tier.String()
}
