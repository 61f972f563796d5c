package helpers

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of these or
// an error of the node or code server, so callers test with errors.Is.
var (
	// ErrNoCodeServer: a helper that loads code, run without a code server.
	ErrNoCodeServer = errors.New("no code server")
	// ErrNoMailbox: flush in an Env without a Mailbox.
	ErrNoMailbox = errors.New("no mailbox")
	// ErrNoHistory: v of a result the session does not have.
	ErrNoHistory = errors.New("no such result")
	// ErrNoTopic: h of something it has no documentation for.
	ErrNoTopic = errors.New("no documentation")
	// ErrNoPrinter: printable_limit in an Env that prints nothing.
	ErrNoPrinter = errors.New("no printer settings")
	// ErrNotDir: cd to something that is not a directory.
	ErrNotDir = errors.New("not a directory")
	// ErrNotWatching: unwatch or watch force with no watcher running.
	ErrNotWatching = errors.New("not watching: no watcher runs on this node's code (start one with watch)")
)

// ArgumentError is the panic of a helper that, like its IEx original,
// returns a value alone and raises on bad input: pid("x"). The console
// shows it as an error, not a panic.
type ArgumentError struct {
	Helper string // "pid"
	Err    error
}

func (e *ArgumentError) Error() string { return fmt.Sprintf("%s: %v", e.Helper, e.Err) }

func (e *ArgumentError) Unwrap() error { return e.Err }
