package watch

import (
	"cmp"
	"errors"
	"slices"

	"github.com/gexdev/gex/node"
)

// migration moves the servers of a load to its new code as OTP's release
// handler does: suspended before the load, so that none handles a message
// with new code and old state; CodeChange prepared on every one while the
// new code is current; then every new state committed, or none.
//
// A nil *migration is no migration: its methods do nothing.
type migration struct {
	groups []migrationGroup
}

// migrationGroup is the servers of one module whose state is from one
// version: CodeChange is given that version.
type migrationGroup struct {
	module, vsn string
	batch       *node.Batch
}

// suspend suspends the servers of mods whose state is from another
// version than the one being loaded, grouped by module and state vsn. It
// returns nil if there are none. If any cannot be suspended, those that
// were are resumed.
func (w *Watcher) suspend(mods []Module) (*migration, error) {
	type key struct{ module, vsn string }
	pids := make(map[key][]node.PID)
	for i := range mods {
		for _, s := range mods[i].stale() {
			k := key{mods[i].Name, s.Vsn}
			pids[k] = append(pids[k], s.PID)
		}
	}
	if len(pids) == 0 {
		return nil, nil
	}
	keys := slices.SortedFunc(func(yield func(key) bool) {
		for k := range pids {
			if !yield(k) {
				return
			}
		}
	}, func(a, b key) int { return cmp.Or(cmp.Compare(a.module, b.module), cmp.Compare(a.vsn, b.vsn)) })
	m := &migration{}
	for _, k := range keys {
		b, err := w.n.SuspendAll(pids[k], w.opts.Timeout)
		if err != nil {
			m.resume()
			return nil, err
		}
		m.groups = append(m.groups, migrationGroup{module: k.module, vsn: k.vsn, batch: b})
	}
	return m, nil
}

// prepare runs the current CodeChange of every server, keeping the old
// states in place.
func (m *migration) prepare() error {
	if m == nil {
		return nil
	}
	var errs []error
	for _, g := range m.groups {
		errs = append(errs, g.batch.Prepare(g.module, g.vsn, nil))
	}
	return errors.Join(errs...)
}

// commit installs every prepared state and resumes the servers.
func (m *migration) commit() error {
	if m == nil {
		return nil
	}
	var errs []error
	for _, g := range m.groups {
		errs = append(errs, g.batch.Commit(), g.batch.Resume())
	}
	return errors.Join(errs...)
}

// abort drops every prepared state and resumes the servers.
func (m *migration) abort() {
	if m == nil {
		return
	}
	for _, g := range m.groups {
		g.batch.Abort()
	}
	m.resume()
}

// resume resumes the servers.
func (m *migration) resume() {
	if m == nil {
		return
	}
	for _, g := range m.groups {
		g.batch.Resume()
	}
}
