package code

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/native"
	"github.com/gexdev/gex/node/migrate"
)

// TierUpEvent tells of a tier-up (Options.TierUp): the module switched to
// its native version, or Err says why it keeps the interpreted one.
type TierUpEvent struct {
	Module ModuleInfo    // the version now current
	Err    error         // nil: the version now runs native
	Took   time.Duration // from the interpreted load to the switch, or the failure
}

// String is the event on one line, as a console shows it beside the
// watcher's reloads:
//
//	tier-up: kv "1" runs native (built in 640ms)
//	tier-up: kv "1" stays interpreted: the state of #PID<0.7.0>: ...
func (ev TierUpEvent) String() string {
	vsn := strconv.Quote(ev.Module.Vsn)
	if len(ev.Module.Vsn) == 32 && strings.Trim(ev.Module.Vsn, "0123456789abcdef") == "" {
		vsn = strconv.Quote(ev.Module.Vsn[:8] + "…") // a source hash, as the watcher shortens it
	}
	if ev.Err == nil {
		return fmt.Sprintf("tier-up: %s %s runs native (built in %v)", ev.Module.Name, vsn, ev.Took.Round(time.Millisecond))
	}
	var lines []string
	for _, l := range strings.Split(ev.Err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return fmt.Sprintf("tier-up: %s %s stays interpreted: %s", ev.Module.Name, vsn, strings.Join(lines, "; "))
}

// tierSubs are the subscribers to a Server's tier-ups (SubscribeTierUp).
// The zero value has none.
type tierSubs struct {
	mu   sync.Mutex
	next int
	subs map[int]func(TierUpEvent)
}

// SubscribeTierUp calls f with the end of each tier-up from now on, as
// Options.OnTierUp is called, but for any number of subscribers (each
// console session shows them as it shows the watcher's reloads); a host
// that cannot build native versions at all is told once. f runs on the
// tier-up's goroutine and must return promptly. cancel ends the
// subscription.
func (s *Server) SubscribeTierUp(f func(TierUpEvent)) (cancel func()) {
	t := &s.tierSubs
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.subs == nil {
		t.subs = make(map[int]func(TierUpEvent))
	}
	id := t.next
	t.next++
	t.subs[id] = f
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.subs, id)
	}
}

// tellTierUp calls the subscribers with ev.
func (s *Server) tellTierUp(ev TierUpEvent) {
	t := &s.tierSubs
	t.mu.Lock()
	subs := make([]func(TierUpEvent), 0, len(t.subs))
	for _, f := range t.subs {
		subs = append(subs, f)
	}
	t.mu.Unlock()
	for _, f := range subs {
		f(ev)
	}
}

// TierUpInstalled starts the tier-up of obj, compiled from src and just
// installed, when the server tiers up (Options.TierUp) and obj runs
// interpreted: what a load does after Install, for loads that install
// by other ways (a batch of the watcher's). fallback is the load's
// (LoadResult.Fallback): a version that could not be native stays so.
func (s *Server) TierUpInstalled(src *Source, obj *Object, fallback error) {
	if s.tierUpOn && !s.tierUpOff.Load() && obj.v.tier == Interpreted && fallback == nil {
		s.tierUp(src, obj.v)
	}
}

// tierUp builds v's source natively, in the background, and switches the
// module to the native version of v if v is still current when it is
// ready. Tier-ups of one Server end before WaitTierUp returns.
func (s *Server) tierUp(src *Source, v *version) {
	s.tiering.Add(1)
	start := time.Now()
	go func() {
		defer s.tiering.Done()
		err := s.switchNative(src, v)
		if err == errOvertaken {
			return // another load made v old or gone: nothing to say
		}
		ev := TierUpEvent{Err: err, Module: v.info(), Took: time.Since(start)}
		if in, ierr := s.Info(v.name); ierr == nil {
			ev.Module = in
		}
		tell := true
		switch {
		case hostCannot(err):
			// Said once: no later load can do better.
			tell = s.tierUpOff.CompareAndSwap(false, true)
			if tell {
				s.node.Logger().Warn("native builds unavailable; modules run interpreted", "reason", err.Error())
			}
		case err != nil:
			s.node.Logger().Warn("module stays interpreted", "module", v.name, "vsn", v.vsn, "reason", err.Error())
		default:
			s.node.Logger().Info("module runs native", "module", v.name, "vsn", v.vsn)
		}
		if s.onTierUp != nil {
			s.onTierUp(ev)
		}
		if tell {
			s.tellTierUp(ev)
		}
	}()
}

// hostCannot reports whether err says this host cannot build native
// versions at all, rather than that one version cannot be native.
func hostCannot(err error) bool {
	for _, e := range []error{native.ErrNoCgo, native.ErrUnsupported, native.ErrToolchain, native.ErrNoSource} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// WaitTierUp waits for the tier-ups in progress to end.
func (s *Server) WaitTierUp() { s.tiering.Wait() }

// errOvertaken: a tier-up whose version stopped being current.
var errOvertaken = fmt.Errorf("overtaken by another load")

// switchNative makes the native version of v current in v's place.
func (s *Server) switchNative(src *Source, v *version) error {
	obj, err := s.CompileNative(context.Background(), src)
	if err != nil {
		return err
	}
	nv := obj.v
	for name, f := range v.funcs {
		if g, ok := nv.funcs[name]; !ok || !identical(g.Type(), f.Type()) {
			return fmt.Errorf("%s is %v interpreted, not in the native version's exports as such: importers compiled against one cannot call the other", name, f.Type())
		}
	}
	// GenServers of the module are suspended while their states are
	// converted and the versions swapped: the native code must not meet a
	// state holding the interpreted version's own types, which it cannot
	// name.
	var pids []node.PID
	for _, p := range s.node.Processes() {
		if p.Kind == "genserver" && node.ModuleKey(p.Module) == node.ModuleKey(v.name) {
			pids = append(pids, p.PID)
		}
	}
	batch, err := s.node.SuspendAll(pids, s.purgeTimeout)
	if err != nil {
		return fmt.Errorf("suspending the module's servers: %w", err)
	}
	defer batch.Resume()
	sys := s.node.Sys()
	old := make(map[node.PID]any) // the states converted, as they were
	restore := func() {
		for pid, st := range old {
			sys.ReplaceState(pid, func(any) any { return st })
		}
	}
	for _, pid := range pids {
		var cerr error
		_, err := sys.ReplaceState(pid, func(st any) any {
			if interpretedType(reflect.ValueOf(st), make(map[uintptr]bool)) == nil {
				return st
			}
			conv, err := convertState(st, nv.native.Types)
			if err != nil {
				cerr = err
				return st
			}
			old[pid] = st
			return conv
		})
		if err == nil {
			err = cerr
		}
		if err != nil {
			restore()
			return fmt.Errorf("the state of %v: %w", pid, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.module(v.name)
	if m == nil || m.cur.Load() != v {
		restore()
		return errOvertaken
	}
	nv.shadow = v
	nv.loaded.Store(v.loaded.Load())
	m.mapped[nv.plugin] = nv.mapped
	m.cur.Store(nv)
	m.refreshStubs(nv)
	s.gen.Add(1)
	return nil
}

// interpretedType returns a struct type in x made by the interpreter (an
// unnamed struct: the interpreter's types are reflect.StructOf types), or
// nil. Pointers already visited are not walked again.
func interpretedType(x reflect.Value, seen map[uintptr]bool) reflect.Type {
	switch x.Kind() {
	case reflect.Interface:
		if !x.IsNil() {
			return interpretedType(x.Elem(), seen)
		}
	case reflect.Pointer:
		if x.IsNil() || seen[x.Pointer()] {
			return nil
		}
		seen[x.Pointer()] = true
		return interpretedType(x.Elem(), seen)
	case reflect.Struct:
		if x.Type().Name() == "" && x.NumField() > 0 {
			return x.Type()
		}
		for i := range x.NumField() {
			if t := interpretedType(x.Field(i), seen); t != nil {
				return t
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range x.Len() {
			if t := interpretedType(x.Index(i), seen); t != nil {
				return t
			}
		}
	case reflect.Map:
		it := x.MapRange()
		for it.Next() {
			if t := interpretedType(it.Key(), seen); t != nil {
				return t
			}
			if t := interpretedType(it.Value(), seen); t != nil {
				return t
			}
		}
	}
	return nil
}

// live returns the live processes running v's code: those it spawned and,
// for a native version that took an interpreted one's place, those the
// interpreted one spawned.
func (v *version) live(n *node.Node) []node.PID {
	pids := v.pins.live(n)
	if v.shadow != nil {
		pids = append(pids, v.shadow.pins.live(n)...)
	}
	return pids
}

// drop marks v, and the version it took the place of, purged: what their
// code spawns from now on dies at once. A native version's plugin, which
// stays mapped, is made to let go of v.
func (v *version) drop(s *Server) {
	v.purged.Store(true)
	if v.shadow != nil {
		v.shadow.purged.Store(true)
	}
	s.unpinNative(v)
}

// convertState converts a state holding a struct type of the interpreted
// version (the state itself, or a pointer to it) into the native type
// declared with the same fields, field by field, as a CodeChange does with
// package migrate. A state holding interpreted types elsewhere (in a map,
// a slice, a nested field) is not converted.
func convertState(st any, types map[string]reflect.Type) (any, error) {
	v := reflect.ValueOf(st)
	ptr := v.Kind() == reflect.Pointer
	if ptr {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type().Name() != "" {
		return nil, fmt.Errorf("it holds %v, a type of the interpreted version that native code cannot name", interpretedType(reflect.ValueOf(st), make(map[uintptr]bool)))
	}
	fields, err := migrate.ToMap(st)
	if err != nil {
		return nil, err
	}
	var match reflect.Type
	for _, t := range types {
		if t.Kind() == reflect.Struct && sameFields(t, fields) {
			if match != nil {
				return nil, fmt.Errorf("its type %v matches both %v and %v of the native version", v.Type(), match, t)
			}
			match = t
		}
	}
	if match == nil {
		return nil, fmt.Errorf("no type of the native version has the fields of %v", v.Type())
	}
	out := reflect.New(match)
	if err := migrate.Into(out.Interface(), fields); err != nil {
		return nil, err
	}
	if interpretedType(out, make(map[uintptr]bool)) != nil {
		return nil, fmt.Errorf("%v holds types of the interpreted version in its fields", v.Type())
	}
	if ptr {
		return out.Interface(), nil
	}
	return out.Elem().Interface(), nil
}

// sameFields reports whether struct type t has exactly the fields named
// in fields (case-insensitively, as package migrate matches them).
func sameFields(t reflect.Type, fields map[string]any) bool {
	if t.NumField() != len(fields) {
		return false
	}
	for i := range t.NumField() {
		if _, ok := migrate.Get(fields, t.Field(i).Name); !ok {
			return false
		}
	}
	return true
}
