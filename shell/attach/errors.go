package attach

import (
	"context"
	"errors"
	"fmt"

	"github.com/gexdev/gex/shell"
)

// Sentinel errors. Errors returned by this package wrap one of these, so
// callers test with errors.Is.
var (
	// ErrProtocol: a peer sent bytes that are not the attach protocol.
	ErrProtocol = errors.New("attach protocol error")
	// ErrFrameTooLarge: a frame longer than MaxFrameSize.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrRefused: the node refused the handshake; RefusedError says why.
	ErrRefused = errors.New("attach refused")
	// ErrVersion: client and node speak different protocol versions.
	ErrVersion = errors.New("protocol version mismatch")
	// ErrPeer: the connecting process runs as a user the node does not accept.
	ErrPeer = errors.New("peer not allowed")
	// ErrNotRunning: no node answers on the socket.
	ErrNotRunning = errors.New("node not running")
	// ErrAlreadyRunning: a live node already answers on the socket.
	ErrAlreadyRunning = errors.New("node already running")
	// ErrDisconnected: the connection to the node ended while in use.
	// Such errors also match shell.ErrSessionClosed, which tells a
	// shell.Console that its Engine is gone.
	ErrDisconnected = errors.New("disconnected from node")
	// ErrNodeStopped: the node ended the connection because it is stopping.
	ErrNodeStopped = errors.New("node stopped")
	// ErrUnknownCommand: a control command the node does not have.
	ErrUnknownCommand = errors.New("unknown control command")
	// ErrServerClosed: Serve called on, or returning from, a closed Server.
	ErrServerClosed = errors.New("attach server closed")
	// ErrUnsafeRunDir: the runtime directory is open to other users.
	ErrUnsafeRunDir = errors.New("unsafe runtime directory")
)

// ProtocolError describes bytes that break the attach protocol.
type ProtocolError struct{ Msg string }

func protocolErrorf(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

func (e *ProtocolError) Error() string { return "attach protocol: " + e.Msg }

// Unwrap returns ErrProtocol.
func (e *ProtocolError) Unwrap() error { return ErrProtocol }

// FrameSizeError reports a frame whose announced length exceeds the limit.
type FrameSizeError struct {
	Size, Max int64
}

func (e *FrameSizeError) Error() string {
	return fmt.Sprintf("attach protocol: frame of %d bytes exceeds the limit of %d", e.Size, e.Max)
}

// Unwrap returns ErrFrameTooLarge and ErrProtocol.
func (e *FrameSizeError) Unwrap() []error { return []error{ErrFrameTooLarge, ErrProtocol} }

// RefuseCode classifies a refused handshake.
type RefuseCode byte

// Reasons a node refuses a handshake.
const (
	RefuseProtocol RefuseCode = 1 // the hello was not understood
	RefuseVersion  RefuseCode = 2 // another protocol version
	RefusePeer     RefuseCode = 3 // another user
	RefuseStopping RefuseCode = 4 // the node is stopping
	RefuseSession  RefuseCode = 5 // the node could not make a session
	RefuseBusy     RefuseCode = 6 // the node serves as many connections as it will
)

// RefusedError is a refusal as the node worded it.
type RefusedError struct {
	Node   string // the socket or node the client tried
	Code   RefuseCode
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s refused the connection: %s", e.Node, e.Reason)
}

// Unwrap returns ErrRefused, and ErrVersion or ErrPeer where the code says so.
func (e *RefusedError) Unwrap() []error {
	switch e.Code {
	case RefuseVersion:
		return []error{ErrRefused, ErrVersion}
	case RefusePeer:
		return []error{ErrRefused, ErrPeer}
	}
	return []error{ErrRefused}
}

// NotRunningError reports that nothing answers on a node's socket.
type NotRunningError struct {
	Socket string
	Err    error // from dialing
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("node not running: nothing answers on %s (%v)", e.Socket, e.Err)
}

// Unwrap returns ErrNotRunning and the dial error.
func (e *NotRunningError) Unwrap() []error { return []error{ErrNotRunning, e.Err} }

// DisconnectedError reports a connection to a node that ended in use: the
// node said why (Reason; Stopped if because it is stopping), or the
// stream broke (Err).
type DisconnectedError struct {
	Reason  string
	Stopped bool
	Err     error
}

func (e *DisconnectedError) Error() string {
	if e.Reason != "" {
		return "disconnected from node: " + e.Reason
	}
	return fmt.Sprintf("disconnected from node: %v", e.Err)
}

// Unwrap returns ErrDisconnected, shell.ErrSessionClosed, ErrNodeStopped
// if the node is stopping, and the stream error, if any.
func (e *DisconnectedError) Unwrap() []error {
	errs := []error{ErrDisconnected, shell.ErrSessionClosed}
	if e.Stopped {
		errs = append(errs, ErrNodeStopped)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// CommandError is a control command's failure as the node reported it.
type CommandError struct {
	Command string
	Msg     string
	Unknown bool // the node has no such command
}

func (e *CommandError) Error() string { return e.Msg }

// Unwrap returns ErrUnknownCommand for a command the node does not have.
func (e *CommandError) Unwrap() error {
	if e.Unknown {
		return ErrUnknownCommand
	}
	return nil
}

// RemoteError is an evaluation error as the node reported it: its text is
// all of the original error that crosses the socket.
type RemoteError struct {
	Msg         string
	Interrupted bool // an Interrupt (Ctrl-C) cancelled the evaluation
	failure     bool // the node's status 2: a failure of the session or command itself
}

func (e *RemoteError) Error() string { return e.Msg }

// Unwrap returns context.Canceled for an interrupted evaluation, so a
// Console treats a remote interrupt as it does a local one.
func (e *RemoteError) Unwrap() error {
	if e.Interrupted {
		return context.Canceled
	}
	return nil
}

// RunDirError reports a runtime directory that is unsafe to use.
type RunDirError struct {
	Path    string
	Problem string
}

func (e *RunDirError) Error() string {
	return fmt.Sprintf("runtime directory %s %s; remove it or set %s", e.Path, e.Problem, RunDirEnv)
}

// Unwrap returns ErrUnsafeRunDir.
func (e *RunDirError) Unwrap() error { return ErrUnsafeRunDir }

// PeerError refuses a client run by another user than the node's.
type PeerError struct {
	UID   int // the client's
	Owner int // the node's
}

func (e *PeerError) Error() string {
	return fmt.Sprintf("uid %d may not attach to a node run by uid %d", e.UID, e.Owner)
}

// Unwrap returns ErrPeer.
func (e *PeerError) Unwrap() error { return ErrPeer }
