package shell

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/gexdev/gex/helpers"
	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gexdev/gex/node/interp"
)

// PanicError is a panic in evaluated code, caught by the session.
type PanicError struct {
	Value any
	// Frames are the interpreted calls the panic unwound, innermost
	// first, as "main.f at 2:7"; positions are in the input that
	// declared the function.
	Frames []string
	// Native is the stack of compiled Go code the panic began in, if it
	// began outside the interpreter, as in strings.Repeat("x", -1).
	Native []string
}

// panicked is the error for a panic with value v recovered in compiled
// code, whose stack is stack: the error a helper raised, or a
// *PanicError.
func panicked(v any, stack []byte) error {
	if err := raised(v); err != nil {
		return err
	}
	return &PanicError{Value: v, Native: nativeFrames(stack)}
}

// raised returns the error a helper raised as IEx's raise, pid("x"), if
// v, a panic's value, is one; else nil.
func raised(v any) error {
	if err, ok := v.(*helpers.ArgumentError); ok {
		return err
	}
	return nil
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

func newPanicError(p yaegi.Panic, trace []string, sp span) *PanicError {
	e := &PanicError{Value: p.Value, Native: nativeFrames(p.Stack)}
	for _, l := range trace {
		fn, pos, ok := interp.Frame(l)
		if !ok || !inInput(pos) {
			continue
		}
		line, col := pos.Line, pos.Col
		if fn == "main" {
			fn = "(input)"
			line, col = sp.pos(line, col)
		} else if line == 1 {
			// A function declared in an earlier input.
			col = max(1, col-len(declWrap))
		}
		e.Frames = append(e.Frames, fmt.Sprintf("%s at %d:%d", fn, line, col))
	}
	return e
}

// nativeFrames returns the compiled frames at the top of a goroutine
// stack dump, below the panic and above the first frame of the
// interpreter or of reflect calling into compiled code, as
// "strings.Repeat (strings.go:620)".
func nativeFrames(stack []byte) []string {
	lines := strings.Split(string(stack), "\n")
	// The interpreter re-panics on its way out of each interpreted
	// frame: the frames that matter follow the last panic.
	i := len(lines)
	for j, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			i = j
		}
	}
	var frames []string
	for i += 2; i+1 < len(lines); i += 2 {
		fn, loc := lines[i], strings.TrimSpace(lines[i+1])
		if fn == "" || strings.HasPrefix(fn, "reflect.") || strings.HasPrefix(fn, "github.com/traefik/yaegi") {
			break
		}
		if j := strings.LastIndex(fn, "("); j > 0 {
			fn = fn[:j]
		}
		if j := strings.LastIndex(loc, " +0x"); j > 0 {
			loc = loc[:j]
		}
		if j := strings.LastIndex(loc, "/"); j >= 0 {
			loc = loc[j+1:]
		}
		frames = append(frames, fn+" ("+loc+")")
	}
	return frames
}

// traceWriter is the interpreter's stderr. While a run is traced it
// keeps the interpreter's panic trace lines for the PanicError and
// passes everything else, such as log output, through.
type traceWriter struct {
	out io.Writer

	mu      sync.Mutex
	tracing bool
	lines   []string
	partial []byte
}

func (w *traceWriter) start() {
	w.mu.Lock()
	w.tracing, w.lines = true, nil
	w.mu.Unlock()
}

func (w *traceWriter) stop() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tracing = false
	return w.lines
}

func (w *traceWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		if _, pos, ok := interp.Frame(line); w.tracing && ok && inInput(pos) {
			w.lines = append(w.lines, line)
			continue
		}
		if _, err := io.WriteString(w.out, line+"\n"); err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}
