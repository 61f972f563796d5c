package cli

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/shell/attach"
)

// The commands that reach a running node (attach, eval, ping, pid, stop)
// find it by name, through its socket in the runtime directory.

// dialTimeout bounds connecting to a node and its handshake.
const dialTimeout = 5 * time.Second

// runDir is the runtime directory the commands use: see attach.RunDir.
func runDir(e *env) attach.RunDir { return attach.DefaultRunDir(e.getenv) }

// nameFlag defines the --name flag of a command that reaches a node.
func nameFlag(fs *flag.FlagSet) *string {
	return fs.String("name", "", "the node's `NAME`, as name or name@host (default node@HOST)")
}

// remote is a node as the commands that reach one address it.
type remote struct {
	name string // full: "kv@host"
	dir  attach.RunDir
}

func newRemote(e *env, name string) (remote, error) {
	r := remote{name: node.FullName(name), dir: runDir(e)}
	return r, r.dir.CheckName(r.name)
}

func (r remote) socket() string { return r.dir.Socket(r.name) }

// fail reports err as command cmd's failure and returns the exit status.
// A node that is not running is the common case, and gets a plain word.
func (r remote) fail(e *env, cmd string, err error) int {
	if errors.Is(err, attach.ErrNotRunning) {
		fmt.Fprintf(e.stderr, "%s %s: node %s is not running (nothing answers on %s)\n", e.progName(), cmd, r.name, r.socket())
		return exitFail
	}
	fmt.Fprintf(e.stderr, "%s %s: %v\n", e.progName(), cmd, err)
	return exitFail
}

// parseRemote parses the command line of a command that takes --name and
// want operands, and finds the node. ok false means return status.
func (c *command) parseRemote(e *env, name string, want int, args []string) (r remote, operands []string, status int, ok bool) {
	fs := c.flags(e, name)
	nodeName := nameFlag(fs)
	operands, status, ok = c.parse(e, fs, args)
	if !ok {
		return remote{}, nil, status, false
	}
	if len(operands) != want {
		fmt.Fprintf(e.stderr, "%[1]s %[2]s: want %[3]d arguments, got %[4]d\nRun '%[1]s %[2]s --help' for usage.\n", e.progName(), name, want, len(operands))
		return remote{}, nil, exitUsage, false
	}
	r, err := newRemote(e, *nodeName)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s %s: %v\n", e.progName(), name, err)
		return remote{}, nil, exitUsage, false
	}
	return r, operands, exitOK, true
}
