package watch

import (
	"slices"

	"github.com/gexdev/gex/node"
)

// A save that did not load stays pending, so that it is not lost: the
// next save of one of its modules joins it, and the two load together or
// not at all. Fixing one of two modules of a change that did not compile
// loads both.
//
// A load that would purge an old version still running in processes is
// held rather than done: OTP kills those processes on the third load, and
// a burst of saves would kill them by surprise. The watcher monitors them
// and loads once they have all ended (stopped, or killed by a purge the
// user asked for); Force loads at once and kills them, as r does.

// pending is a save not loaded.
type pending struct {
	paths   map[string]bool // what was saved
	modules []string        // the modules it changes
	monitor node.PID        // a held load's: the process waiting for the lingering ones to end
}

// keep records the save of paths, which ev did not load; a held one waits
// for the processes in its way to end.
func (w *Watcher) keep(paths map[string]bool, ev Event) {
	p := &pending{paths: paths}
	var lingering []node.PID
	for _, m := range ev.Modules {
		p.modules = append(p.modules, m.Name)
		lingering = append(lingering, m.Lingering...)
	}
	if ev.Outcome == Held {
		p.monitor = w.awaitEnd(p, lingering)
	}
	w.pending = append(w.pending, p)
}

// awaitEnd starts a process that sends p to the loop once every process
// of pids has ended. Monitors are a process's, hence a process; it ends
// then, or when the watcher does (drop kills it).
func (w *Watcher) awaitEnd(p *pending, pids []node.PID) node.PID {
	return w.n.Spawn(func(pr *node.Proc) {
		for _, pid := range pids {
			pr.Monitor(pid)
		}
		for range pids {
			pr.Receive() // a node.Down: nothing else is sent here
		}
		select {
		case w.released <- p:
		case <-w.done:
		}
	})
}

// overlaps reports whether p changes a module of owners.
func (p *pending) overlaps(owners map[string]*owner) bool {
	for _, m := range p.modules {
		if owners[m] != nil {
			return true
		}
	}
	return false
}

// drop forgets the i-th pending save.
func (w *Watcher) drop(i int) *pending {
	p := w.pending[i]
	if !p.monitor.IsZero() {
		w.n.Exit(p.monitor, node.Kill)
	}
	w.pending = slices.Delete(w.pending, i, i+1)
	return p
}

// retry loads p again, now that the processes in its way have ended.
func (w *Watcher) retry(p *pending) {
	if i := slices.Index(w.pending, p); i >= 0 {
		w.drop(i)
		w.loadPaths(p.paths, true)
	} // else it joined a later save, or was forced
}

// forceHeld loads every held load, killing what is in the way.
func (w *Watcher) forceHeld() error {
	var held []*pending
	for i := 0; i < len(w.pending); {
		if w.pending[i].monitor.IsZero() {
			i++
			continue
		}
		held = append(held, w.drop(i))
	}
	if len(held) == 0 {
		return ErrNothingHeld
	}
	for _, p := range held {
		w.loadPaths(p.paths, false)
	}
	return nil
}
