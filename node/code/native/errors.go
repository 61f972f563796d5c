package native

import (
	"errors"
	"fmt"
	"reflect"
)

// Sentinel errors: an *Error wraps one, so callers test with errors.Is.
var (
	// ErrNoCgo: plugins need cgo — the host was built with
	// CGO_ENABLED=0, or no C compiler is installed.
	ErrNoCgo = errors.New("native builds need cgo")
	// ErrUnsupported: the platform does not support Go plugins.
	ErrUnsupported = errors.New("plugins not supported on this platform")
	// ErrToolchain: no Go toolchain, or not the one that built the host.
	ErrToolchain = errors.New("no Go toolchain matching the host")
	// ErrNoSource: the host module's source, which plugins are built
	// against, was not found.
	ErrNoSource = errors.New("host module source not found")
	// ErrImport: the module imports a package the host module cannot
	// provide to a plugin (another Gex module, a package not in go.mod).
	ErrImport = errors.New("import not available to native builds")
	// ErrCompile: go build refused the wrapper.
	ErrCompile = errors.New("native build failed")
	// ErrMismatch: the plugin was built from other versions of the
	// packages it shares with the host (golang/go#27751).
	ErrMismatch = errors.New("plugin built against other package versions than the host")
	// ErrLoad: plugin.Open failed for another reason.
	ErrLoad = errors.New("plugin failed to load")
	// ErrInit: the module's init panicked when the plugin was opened. The
	// plugin stays mapped, half initialized, and is never opened again.
	ErrInit = errors.New("the module's init panicked")
	// ErrSignature: an exported function named like a GenServer callback
	// has another signature than the runtime calls.
	ErrSignature = errors.New("callback with the wrong signature")
)

// Error is a native build or load that failed: Op is "build" or "load",
// Err one of the sentinel errors, Detail the toolchain's or the loader's
// own words.
type Error struct {
	Module string
	Op     string
	Err    error
	Detail string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("native %s of module %s: %v", e.Op, e.Module, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// SignatureError is an exported function named like a GenServer callback
// whose type is not the one node.Callbacks holds.
type SignatureError struct {
	Module   string
	Callback string
	Got      reflect.Type
	Want     reflect.Type
}

func (e *SignatureError) Error() string {
	return fmt.Sprintf("module %s: %s has type %v; the callback must be %v", e.Module, e.Callback, e.Got, e.Want)
}

func (e *SignatureError) Unwrap() error { return ErrSignature }
