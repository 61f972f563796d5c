package shell

import (
	"fmt"

	"github.com/gexdev/gex/helpers"
)

// history keeps the latest results of a session for v, each with the
// number of the line that gave it.
type history struct {
	max     int
	entries []historyEntry // oldest first
}

type historyEntry struct {
	line int
	val  any
}

func newHistory(max int) *history { return &history{max: max} }

func (h *history) add(line int, v any) {
	if len(h.entries) == h.max {
		h.entries = append(h.entries[:0], h.entries[1:]...)
	}
	h.entries = append(h.entries, historyEntry{line, v})
}

// get returns a result: for n < 0 the n'th latest (v(-1) is the last),
// for n > 0 that of line n.
func (h *history) get(n int) (any, error) {
	switch {
	case n < 0 && -n <= len(h.entries):
		return h.entries[len(h.entries)+n].val, nil
	case n > 0:
		for _, e := range h.entries {
			if e.line == n {
				return e.val, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: v(%d)", helpers.ErrNoHistory, n)
}
