package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gexdev/gex/helpers"
	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/shell/printer"
)

// SessionOptions configures a Session. The zero value is an interactive
// session printing plain text 80 columns wide.
type SessionOptions struct {
	// Color turns on colored output. An attached session takes it from
	// the client's terminal; see ColorFor.
	Color bool
	// Width is the terminal width results are laid out in; 0 means 80.
	Width int
	// EvalOnce makes a session for one input, as node eval runs: input
	// left unfinished is an error rather than waiting for more lines.
	EvalOnce bool
	// Dir is the session's working directory, for c, ls and cd; "" means
	// the process's.
	Dir string
	// History is how many results v can reach back; 0 means 100.
	History int
	// PrintableLimit is how many bytes of a string or byte slice a
	// result shows before "...", as IEx's :printable_limit; 0 means 4096,
	// negative no limit. The session's printable_limit helper changes it.
	PrintableLimit int
	// RecycleAfter is how many inputs one interpreter evaluates before
	// the session moves to a fresh one, to bound its memory; 0 means 500.
	RecycleAfter int
}

// ColorFor reports whether output to w should be colored; see
// printer.ColorFor, which it is.
func ColorFor(w io.Writer, getenv func(string) string) bool { return printer.ColorFor(w, getenv) }

// Session is the Engine over a live node: one console session, with its
// own variables, results history, working directory and mailbox.
// Sessions attached to one node share its processes and modules and
// nothing else.
type Session struct {
	node      *node.Node
	code      *code.Server
	opts      SessionOptions
	printable atomic.Int64               // the printable limit; see printer
	print     atomic.Pointer[printerFor] // the printer for it
	out       *switchWriter
	env       *helpers.Env
	eval      *evaluator
	hist      *history
	pkgs      *packages

	notices *notices // the reloads of the code server's watcher; see Notices

	cat     *catalog                 // the helpers
	goForms map[string]reflect.Value // the Go forms of cat's helpers, bound for env
	calls   map[string]reflect.Value // cat's :sys and :code calls, bound for env

	mu           sync.Mutex      // serializes Eval, Complete and Close
	pending      strings.Builder // unfinished input, its lines joined by newlines
	pendingLines int             // lines in pending
	count        int             // inputs evaluated; the prompt shows count+1
	closed       bool
}

// Input is refused past these bounds, beyond any line or paste a person
// types: the interpreter's parser takes some 160 times an input's size
// in memory (a MiB costs 166 MB), and unfinished input, as behind a
// bracket left open, would grow without end and be rescanned with each
// line.
const (
	maxInputBytes = 64 << 10
	maxInputLines = 10_000
)

// NewSession starts a session on n, loading and reloading code through
// cs. cs may be nil for a node without a code server.
func NewSession(n *node.Node, cs *code.Server, opts SessionOptions) (*Session, error) {
	return newSession(n, cs, opts, defaultCatalog)
}

// newSession is NewSession with the helpers of cat.
func newSession(n *node.Node, cs *code.Server, opts SessionOptions, cat *catalog) (*Session, error) {
	if opts.History <= 0 {
		opts.History = 100
	}
	if opts.PrintableLimit == 0 {
		opts.PrintableLimit = printer.DefaultPrintable
	}
	if opts.RecycleAfter <= 0 {
		opts.RecycleAfter = 500
	}
	if opts.Dir == "" {
		dir, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opts.Dir = dir
	}
	s := &Session{
		node: n,
		code: cs,
		opts: opts,
		out:  &switchWriter{},
		hist: newHistory(opts.History),
		cat:  cat,
	}
	s.env = &helpers.Env{
		Node:      n,
		Code:      cs,
		Out:       s.out,
		Dir:       opts.Dir,
		Mailbox:   helpers.OpenMailbox(n),
		Format:    func(v any) string { return s.printer().Format(v) },
		Printable: &s.printable,
		History:   s.hist.get,
		Helpers:   cat.list,
	}
	s.printable.Store(int64(opts.PrintableLimit))
	s.pkgs = newPackages(n, cs, s.out)
	s.goForms, s.calls = cat.bind(s.env)
	ev, err := newEvaluator(evalConfig{
		stdout:       s.out,
		stderr:       s.out,
		bindings:     s.bindings(),
		resolve:      s.pkgs.resolve,
		resolvePath:  s.pkgs.resolvePath,
		recycleAfter: opts.RecycleAfter,
		runAs:        s.runAs,
	})
	if err != nil {
		s.env.Mailbox.Close()
		return nil, err
	}
	s.eval = ev
	// Subscribed last: nothing above can fail once the watcher may be
	// publishing to the session.
	s.notices = closedNotices()
	if cs != nil && !opts.EvalOnce {
		s.notices = subscribe(cs, s.notice, s.tierNotice)
	}
	return s, nil
}

// Prompt returns "gex(NODE)N> ", or "...(N)> " while input is unfinished.
func (s *Session) Prompt() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pendingLines > 0 {
		return fmt.Sprintf("...(%d)> ", s.count+1)
	}
	return fmt.Sprintf("gex(%s)%d> ", s.node.Name(), s.count+1)
}

// Eval evaluates line, or buffers it while the input is unfinished. See
// Engine.
func (s *Session) Eval(ctx context.Context, line string, out io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSessionClosed
	}
	s.out.set(out)
	defer s.out.hold()
	if strings.TrimSpace(line) == BreakInput {
		s.dropPending()
		return nil
	}
	if s.pendingLines > 0 {
		s.pending.WriteByte('\n')
	}
	s.pending.WriteString(line)
	s.pendingLines++
	if s.pending.Len() > maxInputBytes || s.pendingLines > maxInputLines {
		s.dropPending()
		err := fmt.Errorf("%w: more than %d lines or %d KiB; it is dropped, not run", ErrInputTooLong, maxInputLines, maxInputBytes>>10)
		s.showError(out, err)
		return &EvalError{Err: err}
	}
	src := s.pending.String()
	toks := scan(src)
	if incomplete(toks) && !s.opts.EvalOnce {
		return nil
	}
	s.dropPending()
	if strings.TrimSpace(src) == "" {
		return nil
	}
	s.count++
	r, err := s.evaluate(ctx, src, toks)
	defer s.showExits(out)
	if err != nil {
		s.showError(out, err)
		return &EvalError{Err: err}
	}
	if r.hasValue {
		s.hist.add(s.count, result1(r.values))
		text, err := s.printer().FormatValuesContext(ctx, r.values)
		if err != nil {
			s.showError(out, err)
			return &EvalError{Err: err}
		}
		fmt.Fprintln(out, text)
	}
	return nil
}

func (s *Session) dropPending() {
	s.pending.Reset()
	s.pendingLines = 0
}

// printerFor is a printer and the printable limit it was made for.
type printerFor struct {
	*printer.Printer
	printable int64
}

// printer returns the session's printer, for its printable limit as it
// is now: printable_limit may have changed it, from a helper still
// running after an interrupt as well.
func (s *Session) printer() *printer.Printer {
	n := s.printable.Load()
	if p := s.print.Load(); p != nil && p.printable == n {
		return p.Printer
	}
	p := &printerFor{printer.New(printer.Options{Color: s.opts.Color, Width: s.opts.Width, Printable: int(n)}), n}
	s.print.Store(p)
	return p.Printer
}

// runAs runs an evaluation as the session's process, so that what it
// starts with StartLink is linked to the session, as in IEx.
func (s *Session) runAs(run func()) {
	if s.node.As(s.env.Mailbox.PID(), run) != nil {
		run() // the session's process is gone (the node is stopping)
	}
}

// showExits shows the crashes of processes linked to the session since
// the last input, as IEx shows its shell's: ** (EXIT from #PID<0.2.0>) reason.
func (s *Session) showExits(out io.Writer) {
	for _, x := range s.env.Mailbox.Exits() {
		fmt.Fprintln(out, s.printer().Errorf("** (EXIT from %v) %s", x.From, s.relative(exitReason(x.Reason))))
	}
}

// relative shortens paths in the working directory, as in a module's
// compile errors: kv.go:12:3 reads better than the whole path.
func (s *Session) relative(msg string) string {
	return strings.ReplaceAll(msg, s.env.Dir+string(os.PathSeparator), "")
}

// exitReason is a crash reason in one line: a panic's value without its
// stack, which the node's log has.
func exitReason(reason any) string {
	if pe, ok := reason.(*node.PanicError); ok {
		return pe.Error()
	}
	return fmt.Sprint(reason)
}

// evaluate runs one complete input and returns the values to show. A
// panic that escapes the interpreter's own recovery (in the session's
// code, or a helper) ends the evaluation, not the session.
func (s *Session) evaluate(ctx context.Context, src string, toks []tok) (r result, err error) {
	defer func() {
		if v := recover(); v != nil {
			r, err = result{}, panicked(v, debug.Stack())
		}
	}()
	if s.opts.EvalOnce && incomplete(toks) {
		return result{}, ErrIncomplete
	}
	in, err := s.cat.parse(src, toks)
	if err != nil {
		return result{}, err
	}
	if in.Form == FormHelper && s.isVar(in.Name) {
		in.Form = FormGo // the user's own variable, named like a helper
	}
	if in.Form != FormGo {
		return s.form(ctx, in)
	}
	return s.eval.run(ctx, in)
}

// result1 is what v returns for a line's values: the value, or all of
// them for a call with several results.
func result1(vals []any) any {
	if len(vals) == 1 {
		return vals[0]
	}
	return vals
}

// showError writes err for the user: "** (error) ...", a panic with its
// frames, or an interruption.
func (s *Session) showError(out io.Writer, err error) {
	var pe *PanicError
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(out, s.printer().Errorf("** (interrupted)"))
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintln(out, s.printer().Errorf("** (interrupted) deadline exceeded"))
	case errors.As(err, &pe):
		fmt.Fprintln(out, s.printer().Errorf("** (panic) %v", pe.Value))
		for _, f := range pe.Frames {
			fmt.Fprintf(out, "    %s\n", f)
		}
		for _, f := range pe.Native {
			fmt.Fprintf(out, "    %s\n", f)
		}
	default:
		msg := s.relative(err.Error())
		msg = noSymbol.ReplaceAllString(msg, "undefined: $1.$2 (see exports $1)")
		fmt.Fprintln(out, s.printer().Errorf("** (error) %s", msg))
	}
}

// noSymbol matches the interpreter's message for a function a module does
// not export, which names the module by its internal import path.
var noSymbol = regexp.MustCompile(`package (\w+) "` + regexp.QuoteMeta(modulePath) + `\w+" has no symbol (\w+)`)

// isVar reports whether name is one of the session's variables.
func (s *Session) isVar(name string) bool {
	_, ok := s.eval.globals()[name]
	return ok
}

// Close ends the session, its subscription to reloads (its Notices
// channel is closed) and its mailbox process.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.notices.close()
	return s.env.Mailbox.Close()
}

// switchWriter is where the session's output goes: during an evaluation,
// the evaluation's writer. Output written between evaluations, by
// processes or traces the user started, is held, up to maxHeld bytes, for
// the next one: nothing need be reading the last evaluation's writer (an
// attached client reads its socket only during requests), and a writer
// that blocks would block whoever writes to it, for :sys.trace the traced
// process.
type switchWriter struct {
	mu      sync.Mutex
	w       io.Writer // nil between evaluations
	held    bytes.Buffer
	dropped int // bytes that did not fit in held
}

// maxHeld bounds the output a session holds between evaluations.
const maxHeld = 64 << 10

// set sends output to out, beginning with what was held.
func (w *switchWriter) set(out io.Writer) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.w = out
	held := w.held.Bytes()
	if len(held) > 0 {
		out.Write(held)
	}
	if w.dropped > 0 {
		nl := ""
		if len(held) > 0 && held[len(held)-1] != '\n' {
			nl = "\n"
		}
		fmt.Fprintf(out, "%s... %d bytes of output dropped\n", nl, w.dropped)
	}
	w.held.Reset()
	w.dropped = 0
}

// hold holds output until the next set.
func (w *switchWriter) hold() {
	w.mu.Lock()
	w.w = nil
	w.mu.Unlock()
}

func (w *switchWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.w != nil {
		return w.w.Write(b)
	}
	// Once anything is dropped, so is what follows, so that what is shown
	// is all the output up to the note that says so.
	if w.dropped == 0 && w.held.Len()+len(b) <= maxHeld {
		return w.held.Write(b)
	}
	w.dropped += len(b)
	return len(b), nil
}
