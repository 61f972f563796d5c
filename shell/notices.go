package shell

import (
	"os"
	"strings"
	"sync"

	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/watch"
)

// maxNotices is how many notices a session keeps for a console that has
// not taken them yet; later ones are dropped (see Notifier).
const maxNotices = 16

// notices is a session's subscription to the reloads of its code server:
// those of whichever watcher runs on it, started before the session or
// after, by this session or another (see watch.Subscribe).
type notices struct {
	ch     chan string
	cancel func()

	mu     sync.Mutex // orders the watcher's sends with close
	closed bool
}

// subscribe subscribes to the events of cs, each shown as format
// makes it: the watcher's reloads and the tier-ups (--native).
func subscribe(cs *code.Server, format func(watch.Event) string, formatTier func(code.TierUpEvent) string) *notices {
	n := &notices{ch: make(chan string, maxNotices)}
	cancelWatch := watch.Subscribe(cs, func(ev watch.Event) { n.put(format(ev)) })
	cancelTier := cs.SubscribeTierUp(func(ev code.TierUpEvent) { n.put(formatTier(ev)) })
	n.cancel = func() { cancelWatch(); cancelTier() }
	return n
}

// put runs on the watcher's goroutine, which must not wait for a
// terminal: a notice that finds the channel full is dropped.
func (n *notices) put(text string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	select {
	case n.ch <- text:
	default:
	}
}

// close ends the subscription and closes the channel.
func (n *notices) close() {
	n.cancel()
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		n.closed = true
		close(n.ch)
	}
}

// Notices returns the session's notices: the line of each reload done by
// a watcher on its code server (see Notifier). A session for one
// evaluation (EvalOnce), or without a code server, has none: its channel
// is closed.
func (s *Session) Notices() <-chan string { return s.notices.ch }

var _ Notifier = (*Session)(nil)

// notice is the line a session shows for ev: paths in the directory the
// session started in shortened, as in compile errors shown for r (it is
// not Env.Dir, which cd changes under the session's lock, while this runs
// on the watcher's goroutine), and in the warning color when nothing was
// loaded.
func (s *Session) notice(ev watch.Event) string {
	line := strings.ReplaceAll(ev.String(), s.opts.Dir+string(os.PathSeparator), "")
	if ev.Outcome != watch.Loaded {
		line = s.printer().Warnf("%s", line)
	}
	return line + "\n"
}

// closedNotices is the channel of a session that has no notices.
func closedNotices() *notices {
	n := &notices{ch: make(chan string), closed: true, cancel: func() {}}
	close(n.ch)
	return n
}

// tierNotice is the line a session shows for a tier-up, as notice shows a
// reload: in the warning color when the module stays interpreted.
func (s *Session) tierNotice(ev code.TierUpEvent) string {
	line := ev.String()
	if ev.Err != nil {
		line = s.printer().Warnf("%s", line)
	}
	return line + "\n"
}
