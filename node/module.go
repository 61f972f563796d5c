package node

import (
	"fmt"
	"reflect"
	"strings"
)

// ModuleKey is the form module names are compared in, everywhere a user
// or a module names one: case-insensitive and blind to underscores, so KV
// finds package kv, and DemoServer names demo_server.go's package
// demoserver.
func ModuleKey(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "")
}

// SameModule reports whether a and b name the same module (see ModuleKey).
func SameModule(a, b string) bool { return ModuleKey(a) == ModuleKey(b) }

// Module is what the runtime needs of a GenServer's callback module. The
// runtime calls Callbacks for every message it dispatches, so a module whose
// code is replaced (the code server's interpreted modules) serves the next
// message with its current version, as an external call does in Erlang.
type Module interface {
	Name() string
	Callbacks() *Callbacks
}

// Callbacks is one version of a GenServer module. Nil callbacks get OTP's
// defaults: Init returns arg as the state, HandleCall and HandleCast fail
// the process ("unexpected call"), HandleInfo logs and ignores, Terminate
// does nothing, CodeChange keeps the state, FormatStatus shows the state.
type Callbacks struct {
	Vsn          string
	Init         func(arg any) (state any, err error)
	HandleCall   func(req any, from From, state any) Result
	HandleCast   func(msg any, state any) Result
	HandleInfo   func(msg any, state any) Result
	Terminate    func(reason any, state any)
	CodeChange   func(oldVsn string, state any, extra any) (any, error)
	FormatStatus func(s Status) any
}

// Resolver finds modules by name; the code server is one.
type Resolver interface {
	Module(name string) (Module, error)
}

type resolverBox struct{ r Resolver }

// SetResolver installs the resolver that turns module names given to
// StartServer and StartLink into modules.
func (n *Node) SetResolver(r Resolver) { n.resolver.Store(&resolverBox{r: r}) }

// GenServer is a compiled callback module: Init is required; a type may also
// implement HandleCall, HandleCast, HandleInfo, Terminate, CodeChange,
// FormatStatus and Vsn with the signatures of Callbacks.
type GenServer interface {
	Init(arg any) (state any, err error)
}

// compiled adapts a compiled GenServer value to Module.
type compiled struct {
	name string
	cb   Callbacks
}

func (c *compiled) Name() string          { return c.name }
func (c *compiled) Callbacks() *Callbacks { return &c.cb }

// Compiled returns the Module for a compiled GenServer value, named name
// (default: its type name, lower case).
func Compiled(name string, gs GenServer) Module {
	if name == "" {
		t := reflect.TypeOf(gs)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		name = strings.ToLower(t.Name())
	}
	c := &compiled{name: name, cb: Callbacks{Init: gs.Init}}
	if v, ok := gs.(interface{ Vsn() string }); ok {
		c.cb.Vsn = v.Vsn()
	}
	if h, ok := gs.(interface {
		HandleCall(any, From, any) Result
	}); ok {
		c.cb.HandleCall = h.HandleCall
	}
	if h, ok := gs.(interface{ HandleCast(any, any) Result }); ok {
		c.cb.HandleCast = h.HandleCast
	}
	if h, ok := gs.(interface{ HandleInfo(any, any) Result }); ok {
		c.cb.HandleInfo = h.HandleInfo
	}
	if h, ok := gs.(interface{ Terminate(any, any) }); ok {
		c.cb.Terminate = h.Terminate
	}
	if h, ok := gs.(interface {
		CodeChange(string, any, any) (any, error)
	}); ok {
		c.cb.CodeChange = h.CodeChange
	}
	if h, ok := gs.(interface{ FormatStatus(Status) any }); ok {
		c.cb.FormatStatus = h.FormatStatus
	}
	return c
}

// moduleOf turns what StartServer was given into a Module.
func (n *Node) moduleOf(mod any) (Module, error) {
	switch m := mod.(type) {
	case Module:
		return m, nil
	case GenServer:
		return Compiled("", m), nil
	case string:
		box := n.resolver.Load()
		if box == nil {
			return nil, fmt.Errorf("%w: %q (no code server)", ErrNoModule, m)
		}
		return box.r.Module(m)
	}
	return nil, fmt.Errorf("%w: %T", ErrBadModule, mod)
}
