package code

import (
	"errors"
	"fmt"
	"go/scanner"
	"go/token"
	"reflect"
	"strconv"
	"strings"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/interp"
)

// Sentinel errors. Errors returned by the code server wrap one of these, so
// callers test with errors.Is.
var (
	// ErrNotFound: no source for the module on the code path, or no such file.
	ErrNotFound = errors.New("module not found")
	// ErrNotLoaded: the module has no current version.
	ErrNotLoaded = errors.New("module not loaded")
	// ErrOldCode: Delete of a module whose old code must be purged first.
	ErrOldCode = errors.New("old code must be purged first")
	// ErrLingering: SoftPurge of old code that processes still run.
	ErrLingering = errors.New("processes still run old code")
	// ErrInstalled: Install of an Object that is already installed.
	ErrInstalled = errors.New("object already installed")
	// ErrUndefined: a call to a function the module's current version lacks.
	ErrUndefined = errors.New("undefined function")
	// ErrNoNative: CompileNative on a server without Options.Native.
	ErrNoNative = errors.New("no native builder (Options.Native)")
)

// CompileError is one problem with a module's source: a syntax or type
// error, a refused construct, an unknown import, a panic of the interpreter
// while compiling, or a panic in the module's init. Compile returns one, or
// several joined with errors.Join. Nothing is loaded when it fails.
type CompileError struct {
	Module string // package name, if known
	File   string // "" when the position is unknown
	Line   int
	Col    int
	Msg    string
	Err    error // the interpreter's error, when there was one
}

func (e *CompileError) Error() string {
	if e.File == "" {
		if e.Module == "" {
			return e.Msg
		}
		return "module " + e.Module + ": " + e.Msg
	}
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Col > 0 {
			b.WriteString(":" + strconv.Itoa(e.Col))
		}
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

func (e *CompileError) Unwrap() error { return e.Err }

// errorAt returns a CompileError at pos.
func errorAt(module string, pos token.Position, msg string) *CompileError {
	return &CompileError{Module: module, File: pos.Filename, Line: pos.Line, Col: pos.Column, Msg: msg}
}

// compileError turns an error of the parser or the interpreter into
// CompileErrors, recovering file, line and column from its text.
func compileError(module string, err error) error {
	var list scanner.ErrorList
	if errors.As(err, &list) {
		errs := make([]error, len(list))
		for i, e := range list {
			errs[i] = &CompileError{Module: module, File: e.Pos.Filename, Line: e.Pos.Line, Col: e.Pos.Column, Msg: e.Msg, Err: e}
		}
		return errors.Join(errs...)
	}
	ce := &CompileError{Module: module, Msg: err.Error(), Err: err}
	if pos, msg, ok := interp.SplitPos(err.Error()); ok && pos.File != "" {
		ce.File, ce.Line, ce.Col, ce.Msg = pos.File, pos.Line, pos.Col, msg
	}
	return ce
}

// CallbackError reports an exported function named like a GenServer
// callback whose signature is not the one the runtime calls.
type CallbackError struct {
	Module   string
	Callback string
	Got      reflect.Type
	Want     string
}

func (e *CallbackError) Error() string {
	return fmt.Sprintf("module %s: %s has type %v; a GenServer callback %s must be %s",
		e.Module, e.Callback, e.Got, e.Callback, e.Want)
}

// LingeringError is SoftPurge's refusal: processes still run the old code.
type LingeringError struct {
	Module string
	Vsn    string
	PIDs   []node.PID
}

func (e *LingeringError) Error() string {
	return fmt.Sprintf("soft purge of %s (vsn %s): %d process(es) still run it: %v",
		e.Module, e.Vsn, len(e.PIDs), e.PIDs)
}

func (e *LingeringError) Unwrap() error { return ErrLingering }

// UndefError is the panic of a call, through another module or the console,
// to a function the module's current version does not have, or has with
// another signature (Erlang's undef).
type UndefError struct {
	Module, Func string
	Reason       string
}

func (e *UndefError) Error() string {
	return fmt.Sprintf("%s.%s: %s", e.Module, e.Func, e.Reason)
}

func (e *UndefError) Unwrap() error { return ErrUndefined }
