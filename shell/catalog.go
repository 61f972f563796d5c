package shell

import (
	"reflect"
	"slices"
	"strings"

	"github.com/gexdev/gex/helpers"
)

// A catalog indexes a table of helpers (helpers.Table) for the console:
// everything the console knows of helpers it derives from one, so that
// a helper added to the table is parsed in its IEx form (with the arity
// its entry gives), bound in the session's Go under its name, completed
// by Tab and described by h, with no other edit.
type catalog struct {
	list []helpers.Helper
	// byName holds the entries that have an IEx form: helpers by their
	// name ("r"), calls by theirs without the colon ("sys.get_state").
	byName map[string]*helpers.Helper
}

func newCatalog(list []helpers.Helper) *catalog {
	c := &catalog{list: list, byName: map[string]*helpers.Helper{}}
	for i := range list {
		h := &list[i]
		if !h.GoOnly {
			c.byName[strings.TrimPrefix(h.Name, ":")] = h
		}
	}
	return c
}

// defaultCatalog is the console's: helpers.Table. Read only.
var defaultCatalog = newCatalog(helpers.Table())

// helper returns the helper form called name, as in "r".
func (c *catalog) helper(name string) (*helpers.Helper, bool) {
	h, ok := c.byName[name]
	return h, ok && !h.IsCall()
}

// call returns the call form named "module.function", as in
// "sys.get_state".
func (c *catalog) call(name string) (*helpers.Helper, bool) {
	h, ok := c.byName[name]
	return h, ok && h.IsCall()
}

// knownModule reports whether some call is :mod.something.
func (c *catalog) knownModule(mod string) bool {
	for name, h := range c.byName {
		if h.IsCall() && strings.HasPrefix(name, mod+".") {
			return true
		}
	}
	return false
}

// helperNames returns the names of the helper forms, sorted.
func (c *catalog) helperNames() []string {
	var names []string
	for name, h := range c.byName {
		if !h.IsCall() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// callNames returns the names of the calls, ":sys.get_state" and so on,
// sorted.
func (c *catalog) callNames() []string {
	var names []string
	for _, h := range c.byName {
		if h.IsCall() {
			names = append(names, h.Name)
		}
	}
	slices.Sort(names)
	return names
}

// bind returns the functions of the catalogue's entries for env: under
// their names, the Go forms of the entries that are not calls (r, v,
// sys, ...); under "sys.get_state" and so on, the calls'. An entry env
// cannot provide (:code calls without a code server) is left out.
func (c *catalog) bind(env *helpers.Env) (goForms, calls map[string]reflect.Value) {
	goForms, calls = map[string]reflect.Value{}, map[string]reflect.Value{}
	for _, h := range c.list {
		f := h.Func(env)
		if f == nil {
			continue
		}
		if h.IsCall() {
			calls[strings.TrimPrefix(h.Name, ":")] = reflect.ValueOf(f)
		} else {
			goForms[h.Name] = reflect.ValueOf(f)
		}
	}
	return goForms, calls
}
