package helpers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gexdev/gex/node/code/watch"
)

// Watch starts live reload on the session's code server (package
// node/code/watch): from now on each module saved under the code path is
// reloaded as r would, and every session on the node shows what the
// reload did. It says so, and returns nothing else.
//
// what is optional, one of:
//
//	"" or "report"  reload, and say which GenServers now run on old state
//	"migrate"       reload and migrate their state too, all or none
//	"force"         load the save held back because it would kill processes
//	                still running a version two saves old, killing them
//
// A code server has one watcher, which outlives the session that started
// it. If one runs already, Watch says where and in which mode, and fails
// only if asked for another mode (unwatch first).
func (e *Env) Watch(what ...string) error {
	cs, err := e.code()
	if err != nil {
		return err
	}
	if len(what) > 1 {
		return fmt.Errorf("%w: watch takes one word, report, migrate or force", watch.ErrBadMode)
	}
	word := ""
	if len(what) == 1 {
		word = strings.ToLower(strings.TrimSpace(what[0]))
	}
	if word == "force" {
		return e.force()
	}
	mode := watch.Report
	if word != "" {
		if mode, err = watch.ParseMode(word); err != nil {
			return fmt.Errorf("%w %q: want report, migrate or force", watch.ErrBadMode, word)
		}
	}
	if w := watch.Running(cs); w != nil {
		if word != "" && w.Mode() != mode {
			return fmt.Errorf("%w %s in %s mode; unwatch, then watch %s", watch.ErrWatching, e.dirs(w), w.Mode(), mode)
		}
		e.printf("already watching %s for saves, in %s mode\n", e.dirs(w), w.Mode())
		return nil
	}
	w, err := watch.Start(cs, watch.Options{Mode: mode})
	if err != nil {
		return err
	}
	e.printf("watching %s for saves, in %s mode: each save reloads, and every session says what it did\n", e.dirs(w), w.Mode())
	return nil
}

// force loads what the watcher holds back.
func (e *Env) force() error {
	w := watch.Running(e.Code)
	if w == nil {
		return ErrNotWatching
	}
	if err := w.Force(); err != nil {
		if errors.Is(err, watch.ErrNothingHeld) {
			return fmt.Errorf("%w: nothing to force", err)
		}
		return err
	}
	return nil
}

// Unwatch stops live reload on the session's code server, whichever
// session started it. The code it loaded stays loaded.
func (e *Env) Unwatch() error {
	cs, err := e.code()
	if err != nil {
		return err
	}
	w := watch.Running(cs)
	if w == nil {
		return ErrNotWatching
	}
	w.Close()
	e.printf("stopped watching %s\n", e.dirs(w))
	return nil
}

// dirs writes the directories w watches, as the console shows paths.
func (e *Env) dirs(w *watch.Watcher) string {
	ds := w.Dirs()
	for i, d := range ds {
		ds[i] = e.Rel(d)
	}
	return strings.Join(ds, ", ")
}
