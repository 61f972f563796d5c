package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// target is a loaded module whose source changed on disk.
type target struct {
	info code.ModuleInfo // the version current
	src  *code.Source    // the source saved; nil if it could not be read
	err  error           // why it could not be read
}

// reload loads what changed since the last reload: one save, or a burst.
func (w *Watcher) reload() {
	paths := w.dirty
	w.dirty = make(map[string]bool)
	// A pending save of a module saved again joins this one (pending.go).
	for merged := true; merged; {
		merged = false
		owners := w.owners(paths)
		for i, p := range w.pending {
			if p.overlaps(owners) {
				for path := range w.drop(i).paths {
					paths[path] = true
				}
				merged = true
				break
			}
		}
	}
	w.loadPaths(paths, true)
}

// loadPaths loads the modules paths belong to and publishes the event.
// With soft, a load that would kill processes running an old version is
// held instead.
func (w *Watcher) loadPaths(paths map[string]bool, soft bool) {
	ts := w.targets(w.owners(paths))
	if len(ts) == 0 {
		return
	}
	ev := w.load(ts, soft)
	if ev.Outcome != Loaded {
		w.keep(paths, ev)
	}
	publish(w, ev)
}

// owner is a loaded module and the changed paths that belong to it.
type owner struct {
	info  code.ModuleInfo
	paths []string
}

// owners returns, by name, the loaded modules paths belong to: as a
// module's file, or as a file of its directory.
func (w *Watcher) owners(paths map[string]bool) map[string]*owner {
	byPath := make(map[string]code.ModuleInfo)
	for _, in := range w.cs.AllLoaded() {
		byPath[in.Path] = in
	}
	out := make(map[string]*owner)
	for p := range paths {
		in, ok := byPath[p]
		if !ok {
			in, ok = byPath[filepath.Dir(p)]
		}
		if !ok {
			continue
		}
		if out[in.Name] == nil {
			out[in.Name] = &owner{info: in}
		}
		out[in.Name].paths = append(out[in.Name].paths, p)
	}
	return out
}

// targets returns, by name, the modules of owners whose source changed.
// A module whose source is gone is left out: deleting a file does not
// unload the running code. So is one with an empty file, a save truncated
// but not yet written, whose paths are kept for the next reload.
func (w *Watcher) targets(owners map[string]*owner) []target {
	var ts []target
	for _, name := range slices.Sorted(maps.Keys(owners)) {
		in := owners[name].info
		// Checked before reading, so that what is read was written whole,
		// and after: a file truncated while read fails to parse.
		if halfWritten(in.Path) {
			w.redirty(owners[name])
			continue
		}
		src, err := code.ReadSource(in.Path)
		switch {
		case errors.Is(err, code.ErrNotFound) || errors.Is(err, fs.ErrNotExist):
			continue // deleted, or being replaced: the running code stays
		case err != nil && halfWritten(in.Path):
			w.redirty(owners[name])
		case err != nil:
			ts = append(ts, target{info: in, err: err})
		case src.Hash == in.Hash:
			continue // saved unchanged, or only chmod: nothing new to load
		case src.Name != in.Name:
			ts = append(ts, target{info: in, err: fmt.Errorf("%s: now package %s, not %s: not loaded in place of %s",
				in.Path, src.Name, in.Name, in.Name)})
		default:
			ts = append(ts, target{info: in, src: src})
		}
	}
	return ts
}

// redirty keeps o's paths for the next reload.
func (w *Watcher) redirty(o *owner) {
	for _, p := range o.paths {
		w.dirty[p] = true
	}
}

// halfWritten reports whether the module at path has an empty file: an
// editor that truncates and then writes (VS Code) is between the two, and
// the write to come will be another event.
func halfWritten(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !fi.IsDir() {
		return fi.Size() == 0
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && !e.IsDir() && moduleFile(e.Name()) && fi.Size() == 0 {
			return true
		}
	}
	return false
}

// load compiles ts and loads them all or none, deals with their servers'
// state as the mode says, and returns what happened.
func (w *Watcher) load(ts []target, soft bool) Event {
	ev := Event{Time: time.Now(), Modules: make([]Module, len(ts))}
	for i, t := range ts {
		ev.Modules[i] = Module{Name: t.info.Name, Path: t.info.Path, OldVsn: t.info.Vsn}
	}
	w.census(ev.Modules)
	l, err := w.compile(ts)
	if err != nil {
		return failed(ev, CompileFailed, err)
	}
	for i, o := range l.Objects() {
		ev.Modules[i].Vsn = o.Info().Vsn
	}
	var mig *migration
	if w.opts.Mode == Migrate {
		if mig, err = w.suspend(ev.Modules); err != nil {
			l.Discard()
			ev = failed(ev, MigrateFailed, err)
			markFailed(ev.Modules, err)
			return ev
		}
	}
	if err := l.Switch(soft); err != nil {
		mig.resume()
		l.Discard()
		if lingering(ev.Modules, err) {
			return failed(ev, Held, nil)
		}
		return failed(ev, CompileFailed, err)
	}
	if err := mig.prepare(); err != nil {
		rerr := l.Revert()
		mig.abort()
		ev = failed(ev, MigrateFailed, errors.Join(err, rerr))
		markFailed(ev.Modules, err)
		return ev
	}
	if err := mig.commit(); err != nil {
		w.warn("migrating servers", err) // the states are in; a resume failed
	}
	res, _ := l.Commit() // switched above: Commit cannot be out of order
	for i, r := range res {
		m := &ev.Modules[i]
		if r.Purged != nil {
			m.PurgedVsn = r.Purged.Vsn
		}
		m.Killed = r.Killed
		m.settle(mig != nil)
	}
	ev.Outcome = Loaded
	return ev
}

// compile compiles every target, or reports every error: the sources
// that could not be read and those that do not compile.
func (w *Watcher) compile(ts []target) (*code.Loading, error) {
	var errs []error
	var srcs []*code.Source
	for _, t := range ts {
		if t.err != nil {
			errs = append(errs, t.err)
		} else {
			srcs = append(srcs, t.src)
		}
	}
	l, err := w.cs.PrepareLoading(srcs)
	if err != nil || len(errs) > 0 {
		if l != nil {
			l.Discard()
		}
		return nil, errors.Join(append(errs, err)...)
	}
	return l, nil
}

// census records the processes running each module: its GenServers, with
// the version of their state, and the processes its code spawned.
func (w *Watcher) census(mods []Module) {
	for _, p := range w.n.Processes() {
		for i := range mods {
			m := &mods[i]
			if !node.SameModule(p.Module, m.Name) {
				continue
			}
			if p.Kind == "genserver" {
				m.Servers = append(m.Servers, Server{PID: p.PID, Name: p.Name, Vsn: p.Vsn})
			} else {
				m.Spawned = append(m.Spawned, p.PID)
			}
		}
	}
}

// settle sets what happened to m's servers once m is loaded.
func (m *Module) settle(migrated bool) {
	stale := m.stale()
	switch {
	case len(m.Servers) == 0:
		m.State = NoServers
	case len(stale) == 0:
		m.State = StateKept
	case migrated:
		m.State = StateMigrated
	default:
		m.State = StateStale
		for _, s := range stale {
			m.Commands = append(m.Commands, migrateCommands(m.Name, s)...)
		}
	}
}

// failed returns ev as a load that did not happen.
func failed(ev Event, o Outcome, err error) Event {
	ev.Outcome, ev.Err = o, err
	for i := range ev.Modules {
		if len(ev.Modules[i].Servers) > 0 {
			ev.Modules[i].State = StateUntouched
		}
	}
	return ev
}

// lingering records, from a soft Switch's refusal err, the processes each
// module's load would kill, and reports whether that was the refusal.
func lingering(mods []Module, err error) bool {
	found := false
	for _, e := range leaves(err) {
		var le *code.LingeringError
		if !errors.As(e, &le) {
			continue
		}
		for i := range mods {
			if mods[i].Name == le.Module {
				mods[i].Lingering, mods[i].PurgedVsn = le.PIDs, le.Vsn
				found = true
			}
		}
	}
	return found
}

// markFailed records, from a migration's error, the servers that failed.
func markFailed(mods []Module, err error) {
	for _, e := range leaves(err) {
		var ce *node.CallError
		if !errors.As(e, &ce) {
			continue
		}
		pid, ok := ce.Dest.(node.PID)
		if !ok {
			continue
		}
		for i := range mods {
			for _, s := range mods[i].Servers {
				if s.PID == pid {
					mods[i].Failed = append(mods[i].Failed, pid)
				}
			}
		}
	}
}

// leaves flattens joined errors.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
