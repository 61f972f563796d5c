package node

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by the runtime wrap one of these, so
// callers test with errors.Is.
var (
	// ErrNoProc: the destination names no live process.
	ErrNoProc = errors.New("no process")
	// ErrTimeout: a call or system call got no answer in time.
	ErrTimeout = errors.New("timeout")
	// ErrBadPID: a string that is not a PID.
	ErrBadPID = errors.New("bad pid")
	// ErrNameTaken: Register of a name that another process holds.
	ErrNameTaken = errors.New("name already registered")
	// ErrNotSuspended: ChangeCode sent to a process that is not suspended.
	ErrNotSuspended = errors.New("process not suspended")
	// ErrNotServer: a system call that needs a GenServer sent to another kind of process.
	ErrNotServer = errors.New("not a GenServer process")
	// ErrNodeStopped: the node has stopped.
	ErrNodeStopped = errors.New("node stopped")
	// ErrNoModule: a module name no resolver knows.
	ErrNoModule = errors.New("no such module")
	// ErrNotProcess: an operation that needs the calling process, called from outside any.
	ErrNotProcess = errors.New("not called from a process")
	// ErrNoNode: a function of the module API (api.go) called outside any
	// process while no node, or more than one, runs.
	ErrNoNode = errors.New("no node: not called from a process, and not exactly one node running")
	// ErrTooDeep: a state nested too deeply for sys to copy it out of its
	// process (get_state, get_status, replace_state).
	ErrTooDeep = errors.New("value nested too deeply to copy")
	// ErrBadModule: a value that is neither a Module, a GenServer nor a module name.
	ErrBadModule = errors.New("not a module")
	// ErrChildExists, ErrNoChild, ErrChildRunning: supervisor child management.
	ErrChildExists  = errors.New("child already present")
	ErrNoChild      = errors.New("no such child")
	ErrChildRunning = errors.New("child is running")
	// ErrMaxRestarts: a supervisor gave up after too many restarts in its period.
	ErrMaxRestarts = errors.New("reached maximum restart intensity")
)

// ExitError reports that a process exited, with its reason, while a caller
// waited on it. It unwraps to ErrNoProc and, where the reason is an error, to it.
type ExitError struct {
	PID    PID
	Reason any
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("process %v exited: %v", e.PID, formatReason(e.Reason))
}

// Unwrap returns ErrNoProc and the reason where it is an error.
func (e *ExitError) Unwrap() []error {
	errs := []error{ErrNoProc}
	if err, ok := e.Reason.(error); ok {
		errs = append(errs, err)
	}
	return errs
}

// PanicError is the exit reason of a process whose code panicked.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value where it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// CallError reports a failed Call or system call and what it was sent to.
type CallError struct {
	Op   string
	Dest Dest
	Err  error
}

func (e *CallError) Error() string { return fmt.Sprintf("%s %v: %v", e.Op, e.Dest, e.Err) }

func (e *CallError) Unwrap() error { return e.Err }

func formatReason(r any) string {
	switch v := r.(type) {
	case nil:
		return "nil"
	case *PanicError:
		return v.Error()
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(r)
}

// Supervisor errors beyond child management (supervisor.go).
var (
	// ErrBadSpec: a supervisor or child spec that cannot work: no ID, no Start, an unknown strategy.
	ErrBadSpec = errors.New("invalid supervisor spec")
	// ErrNotSupervisor: a supervisor request sent to a process that is not a supervisor.
	ErrNotSupervisor = errors.New("not a supervisor")
)
