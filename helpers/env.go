package helpers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/shell/printer"
)

// Env is what the helpers act on. An Env belongs to one console session
// and is not safe for concurrent use; its zero Out discards output, its
// zero Dir is the process's working directory, and a nil Code or Mailbox
// makes the helpers that need them fail with ErrNoCodeServer or
// ErrNoMailbox.
type Env struct {
	Node *node.Node
	Code *code.Server
	// Out receives what helpers show.
	Out io.Writer
	// Dir is the session's working directory: the base of relative paths
	// given to c, ls and cd. Sessions attached to one node each have their
	// own, so cd never changes the node's working directory.
	Dir string
	// Mailbox is the session's own process, which flush empties.
	Mailbox *Mailbox
	// Format renders values for i and flush; nil means fmt's %#v. The
	// console passes its printer, for the same look as its results.
	Format func(any) string
	// History returns the result of an earlier line, for v and i:
	// -1 the last, -2 the one before, n > 0 that of line n. Nil means
	// the Env keeps no results, and v fails with ErrNoHistory.
	History func(n int) (any, error)
	// Printable is the session's printable limit, which printable_limit
	// reads and sets and the session's printer follows; nil makes
	// printable_limit fail with ErrNoPrinter.
	Printable *atomic.Int64
	// Helpers is the catalogue h describes; nil means Table(). A console
	// that extends the table passes its own.
	Helpers []Helper
}

func (e *Env) out() io.Writer {
	if e.Out == nil {
		return io.Discard
	}
	return e.Out
}

func (e *Env) printf(format string, args ...any) {
	fmt.Fprintf(e.out(), format, args...)
}

func (e *Env) format(v any) string {
	if e.Format == nil {
		return fmt.Sprintf("%#v", v)
	}
	return e.Format(v)
}

// dir returns the working directory.
func (e *Env) dir() (string, error) {
	if e.Dir != "" {
		return e.Dir, nil
	}
	return os.Getwd()
}

// path resolves p against the working directory.
func (e *Env) path(p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	dir, err := e.dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, p), nil
}

func (e *Env) code() (*code.Server, error) {
	if e.Code == nil {
		return nil, ErrNoCodeServer
	}
	return e.Code, nil
}

// PrintableLimit returns the session's printable limit: how many bytes of
// a string or byte slice a result shows before "...", as IEx's
// :printable_limit. Given n it sets the limit first: 0 is the default,
// 4096, and a negative n shows strings whole.
func (e *Env) PrintableLimit(n ...int) (int, error) {
	if e.Printable == nil {
		return 0, ErrNoPrinter
	}
	switch len(n) {
	case 0:
	case 1:
		if n[0] == 0 {
			n[0] = printer.DefaultPrintable
		}
		e.Printable.Store(int64(n[0]))
	default:
		return 0, errors.New("printable_limit takes one number")
	}
	return int(e.Printable.Load()), nil
}
