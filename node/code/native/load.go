package native

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"plugin"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gexdev/gex/node"
)

// Version is a loaded native module version.
type Version struct {
	Name   string                   // package name
	Path   string                   // the plugin file
	Mapped int64                    // bytes of address space the plugin maps, for the life of the process
	Funcs  map[string]reflect.Value // exported functions
	Other  map[string]reflect.Value // exported constants, and types as (*T)(nil)
	Types  map[string]reflect.Type  // every type the module declares, by name, unexported ones too

	binds map[string]func(map[string]reflect.Value) // by module import path
	hooks map[string]any                            // "path.Name" → pointer to the wrapper's var
}

// Hook replaces, for the version's code, the function path.Name (node.Spawn,
// node.SpawnLink, node.SpawnOpts, node.AfterFunc, time.AfterFunc,
// context.AfterFunc) by f, which must have its type. The code server pins
// what a version starts this way. A plugin is one package however often
// it is opened: the last Hook of a name wins for every Version of it.
func (v *Version) Hook(fullName string, f reflect.Value) error {
	ptr, ok := v.hooks[fullName]
	if !ok {
		return &Error{Module: v.Name, Op: "load", Err: ErrLoad, Detail: "no hook " + fullName}
	}
	dst := reflect.ValueOf(ptr).Elem()
	if f.Type() != dst.Type() {
		return &Error{Module: v.Name, Op: "load", Err: ErrLoad, Detail: fmt.Sprintf("hook %s has type %v, not %v", fullName, dst.Type(), f.Type())}
	}
	dst.Set(f)
	return nil
}

// Bind gives the version's stubs of the module it imports as ipath the
// functions they call: the code server's stable-dispatch stubs of that
// module. A function whose type is not the one the version was built
// against is an *Error (ErrImport).
func (v *Version) Bind(ipath string, funcs map[string]reflect.Value) (err error) {
	bind, ok := v.binds[ipath]
	if !ok {
		return &Error{Module: v.Name, Op: "load", Err: ErrImport, Detail: fmt.Sprintf("built without an import of %q", ipath)}
	}
	defer func() {
		if r := recover(); r != nil { // a type assertion in the stub package
			err = &Error{Module: v.Name, Op: "load", Err: ErrImport, Detail: fmt.Sprintf("import %q: %v", ipath, r)}
		}
	}()
	bind(funcs)
	return nil
}

// Open loads the plugin at path, built by Compile for module name, and
// reads its exports. Errors are *Error.
func Open(name, path string) (*Version, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{Module: name, Op: "load", Err: ErrLoad, Detail: err.Error()}
	}
	p, err := openPlugin(name, abs)
	if err != nil {
		return nil, err
	}
	sym, err := p.Lookup(exportsVar)
	if err != nil {
		return nil, &Error{Module: name, Op: "load", Err: ErrLoad, Detail: err.Error()}
	}
	table, ok := sym.(*map[string]reflect.Value)
	if !ok {
		return nil, &Error{Module: name, Op: "load", Err: ErrLoad, Detail: "not a plugin built by this package"}
	}
	v := &Version{Name: name, Path: abs, Mapped: mapped(abs),
		Funcs: make(map[string]reflect.Value), Other: make(map[string]reflect.Value)}
	for sym, val := range *table {
		if val.Kind() == reflect.Func {
			v.Funcs[sym] = val
		} else {
			v.Other[sym] = val
		}
	}
	if sym, err := p.Lookup(importsVar); err == nil {
		if binds, ok := sym.(*map[string]func(map[string]reflect.Value)); ok {
			v.binds = *binds
		}
	}
	if sym, err := p.Lookup(typesVar); err == nil {
		if types, ok := sym.(*map[string]reflect.Type); ok {
			v.Types = *types
		}
	}
	if sym, err := p.Lookup(hooksVar); err == nil {
		if hooks, ok := sym.(*map[string]any); ok {
			v.hooks = *hooks
		}
	}
	return v, nil
}

// Opens of one plugin file are serialized, and a plugin whose init
// panicked is never opened again: plugin.Open would wait forever for the
// init to finish.
var (
	openLocks  sync.Map // abs path → *sync.Mutex
	initFailed sync.Map // abs path → *Error
)

// openPlugin opens the plugin at abs, running the module's init the first
// time; a panic of the init becomes an *Error (ErrInit).
func openPlugin(name, abs string) (p *plugin.Plugin, err error) {
	mu, _ := openLocks.LoadOrStore(abs, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if e, failed := initFailed.Load(abs); failed {
		return nil, e.(error)
	}
	defer func() {
		if r := recover(); r != nil {
			e := &Error{Module: name, Op: "load", Err: ErrInit, Detail: fmt.Sprint(r)}
			initFailed.Store(abs, e)
			p, err = nil, e
		}
	}()
	if p, err = plugin.Open(abs); err != nil {
		return nil, loadError(name, err)
	}
	return p, nil
}

// loadError classifies an error of plugin.Open.
func loadError(module string, err error) error {
	kind := ErrLoad
	switch msg := err.Error(); {
	case strings.Contains(msg, "different version of package"):
		kind = ErrMismatch
	case strings.Contains(msg, "not implemented"):
		kind = ErrNoCgo
	}
	return &Error{Module: module, Op: "load", Err: kind, Detail: err.Error()}
}

// Callbacks returns the GenServer callbacks the version exports (Vsn left
// for the caller to set), or a *SignatureError.
func (v *Version) Callbacks() (*node.Callbacks, error) { return Callbacks(v.Name, v.Funcs) }

// callbackType is node.Callbacks, whose func fields are the callbacks.
var callbackType = reflect.TypeFor[node.Callbacks]()

// Callbacks returns the GenServer callbacks among funcs: each func field
// of node.Callbacks whose name funcs has. A function with the name but
// another type is a *SignatureError.
func Callbacks(module string, funcs map[string]reflect.Value) (*node.Callbacks, error) {
	cb := &node.Callbacks{}
	out := reflect.ValueOf(cb).Elem()
	for i := range callbackType.NumField() {
		field := callbackType.Field(i)
		f, ok := funcs[field.Name]
		if !ok || field.Type.Kind() != reflect.Func {
			continue
		}
		if f.Type() != field.Type {
			// The same signature may be two types (a plugin's own copy of a
			// func type): identical ones convert.
			if f.Type().String() != field.Type.String() || !f.Type().ConvertibleTo(field.Type) {
				return nil, &SignatureError{Module: module, Callback: field.Name, Got: f.Type(), Want: field.Type}
			}
			f = f.Convert(field.Type)
		}
		out.Field(i).Set(f)
	}
	return cb, nil
}

// mapped returns the bytes the process maps from the file at path (on
// Linux, from /proc/self/maps), or else the file's size.
func mapped(path string) int64 {
	if f, err := os.Open("/proc/self/maps"); err == nil {
		defer f.Close()
		var total int64
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 6 || fields[5] != path {
				continue
			}
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, _ := strconv.ParseUint(lo, 16, 64)
			b, _ := strconv.ParseUint(hi, 16, 64)
			total += int64(b - a)
		}
		if total > 0 {
			return total
		}
	}
	if fi, err := os.Stat(path); err == nil {
		return fi.Size()
	}
	return 0
}
