package node

import (
	"errors"
	"fmt"
)

// Atom is a symbolic constant, used for exit reasons and status values.
// It prints with a leading colon, as in Erlang and Elixir.
type Atom string

func (a Atom) String() string { return ":" + string(a) }

// Exit reasons with meaning to the runtime, as in OTP.
const (
	// Normal ends a process quietly: links are not broken by it, no report is logged.
	Normal Atom = "normal"
	// Shutdown is the reason a supervisor or the node stops a process with.
	Shutdown Atom = "shutdown"
	// Kill cannot be trapped: the target dies with reason Killed.
	Kill Atom = "kill"
	// Killed is the reason of a process that received Kill or whose code was purged.
	Killed Atom = "killed"
)

// ShutdownReason is {shutdown, Term}: a clean stop carrying detail.
type ShutdownReason struct {
	Detail any
}

func (s ShutdownReason) String() string { return fmt.Sprintf("{:shutdown, %v}", s.Detail) }

// IsNormal reports whether reason is one a supervisor treats as a clean exit:
// normal, shutdown or {shutdown, _}.
func IsNormal(reason any) bool {
	switch r := reason.(type) {
	case Atom:
		return r == Normal || r == Shutdown
	case ShutdownReason:
		return true
	case *ExitError:
		return IsNormal(r.Reason)
	}
	return false
}

// reasonError turns an exit reason into an error for callers.
func reasonError(reason any) error {
	if err, ok := reason.(error); ok {
		return err
	}
	return errors.New(fmt.Sprint(reason))
}
