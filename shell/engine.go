package shell

import (
	"context"
	"io"
)

// BreakInput, typed alone on a line, abandons unfinished input.
const BreakInput = "#iex:break"

// An Engine evaluates console input: one console session, either in the
// node's own process (Session) or on the far side of the attach socket.
// The Console drives any Engine.
//
// An Engine serves one user at a time; its methods are not called
// concurrently, except that a Console may call Prompt or Complete only
// between evaluations.
type Engine interface {
	// Prompt returns the prompt for the next line: "gex(kv@host)1> ", or
	// "...(1)> " while the input so far is unfinished.
	Prompt() string

	// Eval takes one line as typed. If it completes an input, the input is
	// evaluated and everything the user should see, the result or the
	// error as "** (error) ...", is written to out. If it leaves the input
	// unfinished, Eval buffers it and writes nothing; the next Prompt says
	// so. The line BreakInput discards unfinished input, as in IEx; the
	// Console sends it on Ctrl-C at a continuation prompt.
	//
	// The returned error reports that the evaluation failed, for callers
	// that need to know, such as an exit status; it has already been
	// shown on out and is not for display again. Such errors are
	// *EvalError. Any other error is a failure of the engine itself, such
	// as a lost connection, and has not been shown.
	//
	// Cancelling ctx (Ctrl-C) interrupts the evaluation; the session goes
	// on.
	Eval(ctx context.Context, line string, out io.Writer) error

	// Complete returns completions for line with the cursor at pos, in
	// the form readline.AutoCompleter does: the suffixes to insert and the
	// length of the text they replace.
	Complete(line string, pos int) (newLine [][]rune, length int)

	// Close ends the session.
	Close() error
}

// An Interrupter is an Engine that can interrupt its running evaluation
// again. A context is cancelled once, so a Console calls Interrupt for
// each Ctrl-C after the first, which cancelled the evaluation's context:
// an interrupt that was lost on its way, or that came before the engine
// could act on it, is then not the user's last chance. Interrupt may be
// called concurrently with Eval, and just after an evaluation ends; it
// must then not affect the next one.
type Interrupter interface {
	Interrupt()
}

// A Notifier is an Engine with things to say between evaluations, when
// they happen rather than with the next answer: a reload of the node's
// code by its watcher (package node/code/watch), a compile error in a
// file just saved. A Console shows each notice at once, redrawing the
// line being typed below it.
//
// Notices returns the same channel every time. Each notice is one or
// more whole lines, each ending in a newline. The Engine closes the
// channel when it is closed or lost. It keeps a few notices for a
// Console that is slow to take them and drops those beyond: a notice is
// news, and the Engine must never wait for its terminal.
type Notifier interface {
	Notices() <-chan string
}
