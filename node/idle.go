package node

import (
	"sync/atomic"
	"time"
)

// idleSweeps lets parked GenServer goroutines end after a quiet spell
// without a timer each: every period the node closes the current sweep
// channel and makes a new one, waking every parked goroutine at once. One
// that sees two sweeps pass with no work gives up its goroutine, so an idle
// process holds none.
type idleSweeps struct {
	ch     atomic.Pointer[chan struct{}]
	period time.Duration
	stop   chan struct{}
}

func newIdleSweeps(period time.Duration) *idleSweeps {
	s := &idleSweeps{period: period, stop: make(chan struct{})}
	ch := make(chan struct{})
	s.ch.Store(&ch)
	return s
}

func (s *idleSweeps) current() <-chan struct{} { return *s.ch.Load() }

func (s *idleSweeps) run() {
	t := time.NewTicker(s.period)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.sweep()
		case <-s.stop:
			s.sweep()
			return
		}
	}
}

func (s *idleSweeps) sweep() {
	ch := make(chan struct{})
	close(*s.ch.Swap(&ch))
}
