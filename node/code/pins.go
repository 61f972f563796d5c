package code

import (
	"cmp"
	"slices"
	"sync"

	"github.com/gexdev/gex/node"
)

// pins is the set of processes a version spawned: they run its code, so
// purging the version kills them. Dead processes are dropped lazily.
type pins struct {
	mu    sync.Mutex
	pids  map[node.PID]struct{}
	prune int // size at which dead entries are next dropped
}

func (p *pins) add(n *node.Node, pid node.PID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pids == nil {
		p.pids = make(map[node.PID]struct{})
	}
	p.pids[pid] = struct{}{}
	if len(p.pids) >= p.prune {
		p.dropDead(n)
		p.prune = max(64, 2*len(p.pids))
	}
}

// live returns the pinned processes still alive.
func (p *pins) live(n *node.Node) []node.PID {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropDead(n)
	out := make([]node.PID, 0, len(p.pids))
	for pid := range p.pids {
		out = append(out, pid)
	}
	// In the order they were spawned, so that what a purge says it killed
	// reads the same each time.
	slices.SortFunc(out, func(a, b node.PID) int { return cmp.Compare(a.ID(), b.ID()) })
	return out
}

func (p *pins) dropDead(n *node.Node) {
	for pid := range p.pids {
		if _, err := n.Info(pid); err != nil {
			delete(p.pids, pid)
		}
	}
}
