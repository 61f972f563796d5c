package code

import (
	"fmt"
	"time"

	"github.com/gexdev/gex/node"
)

// Purge drops the old code of module name, killing the processes that still
// run it (code:purge). It returns the killed processes; a module without
// old code is left as it is.
func (s *Server) Purge(name string) ([]node.PID, error) {
	doomed, err := s.dropOld(name)
	if err != nil {
		return nil, err
	}
	return s.kill(doomed), nil
}

// dropOld drops the old code of module name and returns the processes that
// run it, for Purge to kill once the lock is released.
func (s *Server) dropOld(name string) ([]node.PID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.module(name)
	if m == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotLoaded, name)
	}
	if m.old == nil {
		return nil, nil
	}
	s.gen.Add(1)
	return s.purge(m), nil
}

// SoftPurge drops the old code of module name unless processes still run
// it, in which case it returns a *LingeringError and changes nothing
// (code:soft_purge).
func (s *Server) SoftPurge(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.module(name)
	if m == nil {
		return fmt.Errorf("%w: %s", ErrNotLoaded, name)
	}
	if m.old == nil {
		return nil
	}
	if pids := m.old.live(s.node); len(pids) > 0 {
		return &LingeringError{Module: m.name, Vsn: m.old.vsn, PIDs: pids}
	}
	for _, pid := range s.purge(m) {
		s.node.Exit(pid, node.Kill) // spawned since the check, by code that is going
	}
	s.gen.Add(1)
	return nil
}

// Delete makes the current code of module name old, so that the module is
// no longer loaded (code:delete). A module that still has old code must be
// purged first. Processes running the deleted code go on; the module's
// GenServers fail at their next message, and calls through stubs fail
// with an *UndefError, until a version is loaded again.
func (s *Server) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.module(name)
	if m == nil || m.cur.Load() == nil {
		return fmt.Errorf("%w: %s", ErrNotLoaded, name)
	}
	if m.old != nil {
		return fmt.Errorf("delete %s: %w (old vsn %s)", m.name, ErrOldCode, m.old.vsn)
	}
	m.old = m.cur.Swap(nil)
	s.gen.Add(1)
	return nil
}

// purge drops m's old version and returns the processes running its code:
// those it spawned. Marking it purged first makes a process it spawns from
// now on die at once, so that none escapes. Called with s.mu held.
func (s *Server) purge(m *module) []node.PID {
	old := m.old
	m.old = nil
	old.drop(s)
	return old.live(s.node)
}

// kill kills pids with reason node.Kill (they exit with node.Killed, as
// purged processes do on BEAM) and waits for them to exit, so that the
// purged code is unused once Purge returns. The calling process, if it is
// among them, is not waited for: it dies when it next receives. It returns
// pids.
func (s *Server) kill(pids []node.PID) []node.PID {
	if len(pids) == 0 {
		return nil
	}
	self, _ := s.node.Self()
	done := make(chan struct{})
	// Waiting for exits takes monitors, which only a process can hold.
	s.node.Spawn(func(p *node.Proc) {
		defer close(done)
		waiting := 0
		for _, pid := range pids {
			if pid != self {
				p.Monitor(pid)
				waiting++
			}
			s.node.Exit(pid, node.Kill)
		}
		deadline := time.Now().Add(s.purgeTimeout)
		for range waiting {
			if _, ok := p.ReceiveTimeout(time.Until(deadline)); !ok {
				return
			}
		}
	})
	select {
	case <-done:
	case <-s.node.Done(): // a stopped node runs no process, and kills every one
	}
	return pids
}
