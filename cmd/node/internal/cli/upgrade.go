package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/gexdev/gex/shell/attach"
)

var upgradeCmd = &command{
	usage:   "upgrade [--name NAME] [--check] [--no-permanent] VSN",
	summary: "Upgrade a running release node to release VSN, hot.",
	help: `Upgrade asks the running node, a release's (bin/NAME start), to upgrade to
release VSN, whose tarball and .sha256 were copied into its
releases/VSN/: the tarball is verified, the relup checked to start from
the running release, every module compiled before anything changes, the
processes running a changed module suspended and migrated by the new
CodeChange; only if all succeed do code and states switch and the
processes resume. Otherwise every process resumes on its old code and
state, and the node runs the old release. It prints per module what was
done, per process the outcome, and how long processes were suspended.

--check rehearses the upgrade on copies of the states and changes
nothing. The new release becomes permanent, the one a restart boots,
unless --no-permanent. bin/NAME upgrade is this command for the node of
its release, and takes --restart for a release that needs a new binary.
`,
}

func init() {
	upgradeCmd.run = func(e *env, args []string) int { return runStep(e, upgradeCmd, "upgrade", args) }
}

// runStep runs the control command upgrade or downgrade of a release node.
func runStep(e *env, c *command, name string, args []string) int {
	fs := c.flags(e, name)
	nodeName := nameFlag(fs)
	check := fs.Bool("check", false, "rehearse on copies of the states, changing nothing")
	noPermanent := fs.Bool("no-permanent", false, "do not make the release permanent")
	operands, status, ok := c.parse(e, fs, args)
	if !ok {
		return status
	}
	if len(operands) != 1 {
		fmt.Fprintf(e.stderr, "%[1]s %[2]s: want one version\nRun '%[1]s %[2]s --help' for usage.\n", e.progName(), name)
		return exitUsage
	}
	var cargs []string
	if *check {
		cargs = append(cargs, "--check")
	}
	if *noPermanent {
		cargs = append(cargs, "--no-permanent")
	}
	return control(e, name, *nodeName, append(cargs, operands[0]))
}

// control runs control command name with args on the node called
// nodeName, its output on stdout.
func control(e *env, name, nodeName string, args []string) int {
	r, err := newRemote(e, nodeName)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s %s: %v\n", e.progName(), name, err)
		return exitUsage
	}
	err = attach.Control(context.Background(), r.socket(), name, args, e.stdout)
	if errors.Is(err, attach.ErrUnknownCommand) {
		fmt.Fprintf(e.stderr, "%s %s: node %s runs no release (start one with bin/NAME start)\n", e.progName(), name, r.name)
		return exitFail
	}
	if err != nil {
		return r.fail(e, name, err)
	}
	return exitOK
}
