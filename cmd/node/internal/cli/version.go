package cli

import (
	"fmt"

	"github.com/gexdev/gex/shell/attach"
)

var versionCmd = &command{
	usage:   "version",
	summary: "Print the version of Gex this command is.",
	help: `Version prints the module version of Gex the node command was built from
("devel" for a build from a work tree), the Go version, and the attach
protocol version, which a node and the clients attaching to it must share.
`,
}

func init() { versionCmd.run = runVersion }

func runVersion(e *env, args []string) int {
	fs := versionCmd.flags(e, "version")
	operands, status, ok := versionCmd.parse(e, fs, args)
	if !ok {
		return status
	}
	if len(operands) != 0 {
		fmt.Fprintf(e.stderr, "node version: takes no arguments\n")
		return exitUsage
	}
	fmt.Fprintln(e.stdout, attach.Version())
	return exitOK
}
