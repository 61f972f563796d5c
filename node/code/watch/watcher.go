package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// Mode is what a watcher does with the GenServers of a module whose
// version changes.
type Mode uint8

const (
	// Report loads the new code and says which servers run it on state of
	// the old version, with the commands that migrate them.
	Report Mode = iota
	// Migrate suspends those servers, loads the new code, runs its
	// CodeChange on every one and resumes them: all or none.
	Migrate
)

var modeNames = [...]string{Report: "report", Migrate: "migrate"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", m)
}

// ParseMode reads a Mode by its name, "report" or "migrate".
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if strings.EqualFold(s, name) {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want report or migrate)", ErrBadMode, s)
}

// DefaultDebounce is how long a watcher waits, after the last file event
// of a save, before it loads: long enough for an editor's backup, rename,
// write and chmod to be one save, short enough that the new code answers
// well within BenchmarkWatchReload's 50 ms.
const DefaultDebounce = 20 * time.Millisecond

// Options configures a Watcher. The zero value means defaults.
type Options struct {
	Mode Mode
	// Debounce is the quiet time after the last event of a save before it
	// is loaded; saves closer together than this are one. Default
	// DefaultDebounce. A stream of events that does not pause is loaded
	// every 20 debounces.
	Debounce time.Duration
	// Timeout bounds suspending the servers and each migration step in
	// Migrate mode. Default 5 s.
	Timeout time.Duration
}

// Watcher watches a code server's code path and loads the modules saved
// there. Start one with Start; Close stops it.
type Watcher struct {
	cs    *code.Server
	n     *node.Node
	opts  Options
	roots []string
	fsw   *fsnotify.Watcher

	force     chan chan error
	released  chan *pending
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	// Owned by the loop's goroutine.
	dirty   map[string]bool // paths changed since the last reload
	pending []*pending      // saves not loaded
}

// Start watches the code path of cs (its directories and all those under
// them, new ones included) and loads modules as they are saved. A code
// server has at most one watcher: a second Start returns ErrWatching.
// Directories added to the code path later are not watched.
func Start(cs *code.Server, opts Options) (*Watcher, error) {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.Mode > Migrate {
		return nil, fmt.Errorf("%w: %v", ErrBadMode, opts.Mode)
	}
	roots, err := roots(cs.Path())
	if err != nil {
		return nil, err
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{
		cs: cs, n: cs.Node(), opts: opts, roots: roots, fsw: fsw,
		force: make(chan chan error), released: make(chan *pending),
		quit: make(chan struct{}), done: make(chan struct{}),
		dirty: make(map[string]bool),
	}
	if err := claim(w); err != nil {
		fsw.Close()
		return nil, err
	}
	for _, r := range roots {
		if err := w.addTree(r, false); err != nil {
			release(w)
			fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", r, err)
		}
	}
	go w.loop()
	return w, nil
}

// roots returns the directories of the code path that exist, absolute,
// each once.
func roots(path []string) ([]string, error) {
	var out []string
	for _, dir := range path {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() || slices.Contains(out, abs) {
			continue
		}
		out = append(out, abs)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("watch: no directory to watch on the code path %v", path)
	}
	return out, nil
}

// Dirs returns the code path directories watched.
func (w *Watcher) Dirs() []string { return slices.Clone(w.roots) }

// Mode returns the watcher's mode.
func (w *Watcher) Mode() Mode { return w.opts.Mode }

// Force loads the held loads now, purging the old versions they would
// purge and killing the processes that still run them, as r does. It
// returns when the loads are done (their events published), or
// ErrNothingHeld. Not to be called from a subscriber (see Subscribe).
func (w *Watcher) Force() error {
	reply := make(chan error, 1)
	select {
	case w.force <- reply:
	case <-w.done:
		return ErrClosed
	}
	select {
	case err := <-reply:
		return err
	case <-w.done:
		return ErrClosed
	}
}

// Close stops the watcher and waits for its goroutine to end; not to be
// called from a subscriber. The code it loaded stays loaded; saves not
// loaded are dropped.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { close(w.quit) })
	<-w.done
	return nil
}

// Done is closed when the watcher has stopped: by Close, or because its
// node stopped.
func (w *Watcher) Done() <-chan struct{} { return w.done }

// loop is the watcher's goroutine: it owns the dirty paths and the held
// loads, and loads saves one at a time.
func (w *Watcher) loop() {
	defer w.stop()
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	var first time.Time // the first event of the burst being debounced
	arm := func() {
		if first.IsZero() {
			first = time.Now()
		}
		wait := w.opts.Debounce
		if left := time.Until(first.Add(20 * w.opts.Debounce)); left < wait {
			wait = max(left, 0)
		}
		debounce.Reset(wait)
	}
	for {
		select {
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if w.note(ev) {
				arm()
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.lost(err)
			arm()
		case <-debounce.C:
			first = time.Time{}
			w.reload()
		case p := <-w.released:
			w.retry(p)
		case reply := <-w.force:
			reply <- w.forceHeld()
		case <-w.quit:
			return
		case <-w.n.Done():
			return
		}
	}
}

// stop ends the loop: the held loads' monitors, the file watches, the
// claim on the code server.
func (w *Watcher) stop() {
	for len(w.pending) > 0 {
		w.drop(0)
	}
	w.fsw.Close()
	release(w)
	close(w.done)
}

// lost handles an error of the file watcher. On an overflow events were
// lost, so every loaded module is looked at again: those unchanged on
// disk are skipped by their hash.
func (w *Watcher) lost(err error) {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		w.warn("file watcher", err)
	}
	for _, in := range w.cs.AllLoaded() {
		w.dirty[in.Path] = true
	}
}

func (w *Watcher) warn(msg string, err error) {
	w.n.Logger().Warn("watch: "+msg, "err", err)
}
