package shell

import (
	"errors"
	"fmt"
)

// Console errors.
var (
	// ErrForm: input that begins like an IEx form, as :sys... does, but is
	// not a form the console knows or has the wrong arguments.
	ErrForm = errors.New("bad console form")
	// ErrSessionClosed: a Session used after Close, or an Engine whose
	// session is gone, such as a remote one whose connection ended; a
	// Console ends on it.
	ErrSessionClosed = errors.New("session closed")
	// ErrInputTooLong: input longer than a Session takes, finished or
	// not; the Session drops it without running it.
	ErrInputTooLong = errors.New("input too long")
)

// FormError describes a malformed IEx form.
type FormError struct {
	Src string // the input
	Msg string
}

func (e *FormError) Error() string { return e.Msg }

// Unwrap returns ErrForm.
func (e *FormError) Unwrap() error { return ErrForm }

// EvalError is a failed evaluation. The Session has already shown it to
// the user as "** (error) ..."; it is returned so callers can tell
// failure from success, as node eval does for its exit status.
type EvalError struct {
	Err error
}

func (e *EvalError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }

// ErrGoStmt: console input with a go statement. A panic in a goroutine
// started by interpreted code cannot be recovered and would stop the
// node; processes started with node.Spawn are recovered and reported.
var ErrGoStmt = errors.New("go statements are not allowed in the console: a panic in the goroutine would stop the node; start a process with node.Spawn(func(p *node.Proc) { ... }) instead")

// InputError is an error in console input, at a line and column of the
// input as typed.
type InputError struct {
	Line, Col int
	Msg       string
	Err       error // the interpreter's error
}

func (e *InputError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Unwrap returns the interpreter's error.
func (e *InputError) Unwrap() error { return e.Err }

// ErrIncomplete: input for a one-shot evaluation (node eval) that is
// unfinished, such as an open bracket.
var ErrIncomplete = errors.New("unfinished input: an open bracket, string or trailing operator")
