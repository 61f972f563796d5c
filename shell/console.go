package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/chzyer/readline"
)

// ConsoleOptions configures a Console. Zero fields get the defaults
// noted.
type ConsoleOptions struct {
	// Stdin, Stdout and Stderr are the terminal. Default os.Stdin,
	// os.Stdout and os.Stderr. Line editing is on when Stdin is a
	// terminal; otherwise lines are read plainly, as from a pipe.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// HistoryFile keeps the lines typed across runs; "" keeps none.
	HistoryFile string
	// HistoryLimit is how many lines the history keeps. Default 1000.
	HistoryLimit int

	// Interrupts delivers the interrupt signal (SIGINT), which the
	// terminal sends for Ctrl-C while an evaluation runs, outside line
	// editing. Each one interrupts the running evaluation: the first
	// cancels its context, the others call the Engine's Interrupt if it
	// is an Interrupter. The owner of the process subscribes with
	// signal.Notify; without it Ctrl-C during an evaluation does what the
	// process's signal handling says.
	Interrupts <-chan os.Signal
}

// Console is the line-editing front end of an Engine: it reads lines
// with chzyer/readline, with history, Ctrl-R search and completion
// through the Engine, and hands them to the Engine to evaluate.
//
// Ctrl-C at the prompt abandons the line, and any unfinished input with
// it; Ctrl-C during an evaluation interrupts the evaluation (see
// ConsoleOptions.Interrupts). Ctrl-D on an empty line ends Run.
//
// The notices of an Engine that is a Notifier (a reload on save) are
// shown while Run runs, as they come: at the prompt, readline clears the
// line being typed, prints the notice and draws the prompt and the line
// again below it, the cursor where it was.
type Console struct {
	eng     Engine
	opts    ConsoleOptions
	rl      *readline.Instance
	restore func() // puts the terminal back as it was
}

// NewConsole returns a Console for eng.
func NewConsole(eng Engine, opts ConsoleOptions) (*Console, error) {
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.HistoryLimit <= 0 {
		opts.HistoryLimit = 1000
	}
	if opts.HistoryFile != "" {
		if err := prepareHistory(opts.HistoryFile); err != nil {
			return nil, err
		}
	}
	cfg := &readline.Config{
		Prompt:            eng.Prompt(),
		HistoryFile:       opts.HistoryFile,
		HistoryLimit:      opts.HistoryLimit,
		HistorySearchFold: true,
		AutoComplete:      completer{eng},
		Stdin:             io.NopCloser(opts.Stdin),
		Stdout:            opts.Stdout,
		Stderr:            opts.Stderr,
		InterruptPrompt:   "^C",
		EOFPrompt:         "\n",
	}
	restore := terminal(cfg, opts.Stdin, opts.Stdout)
	rl, err := readline.NewEx(cfg)
	if err != nil {
		restore()
		return nil, err
	}
	return &Console{eng: eng, opts: opts, rl: rl, restore: restore}, nil
}

// prepareHistory creates the history file, readable by its owner alone
// since what is typed may be secret, and its directory.
func prepareHistory(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// terminal points readline's terminal handling at the injected streams:
// by default it would switch the process's fd 0 to raw mode, whatever
// the console reads from.
//
// It returns what puts the terminal back as it was, for Close.
func terminal(cfg *readline.Config, in io.Reader, out io.Writer) (restore func()) {
	inFile, ok := in.(*os.File)
	isTerm := ok && readline.IsTerminal(int(inFile.Fd()))
	cfg.FuncIsTerminal = func() bool { return isTerm }
	if !isTerm {
		cfg.FuncMakeRaw = func() error { return nil }
		cfg.FuncExitRaw = func() error { return nil }
		cfg.FuncGetWidth = func() int { return 80 }
		return func() {}
	}
	fd := int(inFile.Fd())
	restore = literalEOF(fd)
	var saved *readline.State
	cfg.FuncMakeRaw = func() error {
		st, err := readline.MakeRaw(fd)
		if err == nil {
			saved = st
		}
		return err
	}
	cfg.FuncExitRaw = func() error {
		if saved == nil {
			return nil
		}
		return readline.Restore(fd, saved)
	}
	widthFd := fd
	if outFile, ok := out.(*os.File); ok && readline.IsTerminal(int(outFile.Fd())) {
		widthFd = int(outFile.Fd())
	}
	cfg.FuncGetWidth = func() int {
		w, _, err := readline.GetSize(widthFd)
		if err != nil || w <= 0 {
			return 80
		}
		return w
	}
	return restore
}

// Run reads and evaluates lines until Ctrl-D on an empty line (it then
// returns nil), ctx is done, or the Engine is lost: it then returns the
// Engine's error, which matches ErrSessionClosed, without showing it, for
// the caller to say what became of the session (a remote node that
// stopped, say). Other failures of the Engine are shown, and the console
// goes on.
func (c *Console) Run(ctx context.Context) error {
	if n, ok := c.eng.(Notifier); ok {
		stop := c.showNotices(n.Notices())
		defer stop()
	}
	for ctx.Err() == nil {
		c.rl.SetPrompt(c.eng.Prompt())
		line, err := c.rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			// Ctrl-C at the prompt: drop the line and what came before it.
			if err := c.eng.Eval(ctx, BreakInput, c.opts.Stdout); err != nil && !isEvalError(err) {
				return err
			}
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if err := c.eval(ctx, line); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// showNotices shows notices as they come, until the channel is closed or
// stop is called, which returns once it has ended.
func (c *Console) showNotices(notices <-chan string) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case text, ok := <-notices:
				if !ok {
					return
				}
				// Through readline, which redraws the prompt and the
				// line being typed after it; during an evaluation it
				// writes the notice to Stdout as the evaluation does.
				c.rl.Write([]byte(text))
			case <-quit:
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// eval evaluates one line, cancelling it on an interrupt.
func (c *Console) eval(ctx context.Context, line string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	if c.opts.Interrupts != nil {
		c.drainInterrupts()
		go func() {
			for n := 0; ; n++ {
				select {
				case <-c.opts.Interrupts:
				case <-done:
					return
				}
				if n == 0 {
					cancel()
				} else if in, ok := c.eng.(Interrupter); ok {
					in.Interrupt()
				}
			}
		}()
	}
	err := c.eng.Eval(ctx, line, c.opts.Stdout)
	switch {
	case err == nil || isEvalError(err):
		return nil
	case errors.Is(err, ErrSessionClosed):
		return err
	}
	fmt.Fprintf(c.opts.Stderr, "** (error) %v\n", err)
	return nil
}

// drainInterrupts discards interrupts that came at the prompt, where
// Ctrl-C reaches readline as a key and not as a signal: one sent by kill
// must not cancel the next evaluation.
func (c *Console) drainInterrupts() {
	for {
		select {
		case <-c.opts.Interrupts:
		default:
			return
		}
	}
}

// isEvalError reports whether err is an evaluation's failure, which the
// Engine has shown already, rather than the Engine's own.
func isEvalError(err error) bool {
	var ee *EvalError
	return errors.As(err, &ee)
}

// Close restores the terminal and saves the history.
func (c *Console) Close() error {
	defer c.restore()
	return c.rl.Close()
}

// completer adapts an Engine's Complete to readline.
type completer struct{ eng Engine }

func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	return c.eng.Complete(string(line), pos)
}
