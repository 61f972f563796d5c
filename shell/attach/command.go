package attach

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// A Command is a control command: a request a client makes without a
// session (node ping, node stop, node upgrade, ...), answered even when
// the node serves as many sessions as it will. It runs on the client's
// connection with args as the client gave them, writes what the client
// should see to out, and returns nil for success or an error whose message
// the client reports. ctx is cancelled when the client interrupts the
// command (Ctrl-C), leaves, or the node stops; a command that takes long
// must watch it. A panic in a command is its error, not the node's end.
type Command func(ctx context.Context, args []string, out io.Writer) error

// builtins are the commands every Server answers.
func (s *Server) builtins() map[string]Command {
	return map[string]Command{
		"ping":    noArgs(func(out io.Writer) error { _, err := io.WriteString(out, "pong\n"); return err }),
		"pid":     noArgs(func(out io.Writer) error { _, err := fmt.Fprintln(out, os.Getpid()); return err }),
		"version": noArgs(func(out io.Writer) error { _, err := fmt.Fprintln(out, Version()); return err }),
		"stop":    noArgs(func(io.Writer) error { return s.stop() }),
	}
}

// stop asks the node's owner to stop it; see ServerOptions.Stop.
func (s *Server) stop() error {
	if s.opts.Stop == nil {
		return fmt.Errorf("node %s does not accept stop requests", s.opts.Node)
	}
	s.opts.Stop()
	return nil
}

// noArgs makes a Command of f that refuses arguments.
func noArgs(f func(out io.Writer) error) Command {
	return func(_ context.Context, args []string, out io.Writer) error {
		if len(args) > 0 {
			return fmt.Errorf("takes no arguments, got %d", len(args))
		}
		return f(out)
	}
}

// runCommand runs the command req names and says how it ended.
func (s *Server) runCommand(ctx context.Context, req commandMsg, out io.Writer) resultMsg {
	cmd, ok := s.commands[req.name]
	if !ok {
		msg := fmt.Sprintf("node %s has no command %q; it has %s",
			s.opts.Node, req.name, strings.Join(slices.Sorted(maps.Keys(s.commands)), ", "))
		return resultMsg{status: statusFailure, message: truncate(msg, maxResultMessage)}
	}
	if err := safeCommand(ctx, cmd, req.args, out); err != nil {
		return resultMsg{status: statusError, interrupted: ctx.Err() != nil, message: truncate(err.Error(), maxResultMessage)}
	}
	return resultMsg{status: statusOK}
}

func safeCommand(ctx context.Context, cmd Command, args []string, out io.Writer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in command: %v", v)
		}
	}()
	return cmd(ctx, args, out)
}

// Version describes the Gex this program was built from: its module
// version ("devel" for a build from a work tree), Go version, platform
// and attach protocol version, which a node and its clients must share.
// The built-in command version answers it.
func Version() string {
	return fmt.Sprintf("gex %s %s %s/%s (attach protocol %s)",
		moduleVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH, strconv.Itoa(ProtocolVersion))
}

// moduleVersion is Gex's version as the Go toolchain recorded it.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return "devel"
	}
	return bi.Main.Version
}
