package watch

import "errors"

// Sentinel errors; errors returned by the package wrap one of them.
var (
	// ErrWatching: Start on a code server that already has a watcher.
	ErrWatching = errors.New("already watching")
	// ErrClosed: a request to a watcher that has stopped.
	ErrClosed = errors.New("watcher stopped")
	// ErrNothingHeld: Force with no load held.
	ErrNothingHeld = errors.New("no load held")
	// ErrBadMode: a mode that is neither report nor migrate.
	ErrBadMode = errors.New("bad watch mode")
)
