// Package relmain is the main of a release's node binary, bin/NAME, which
// node release generates and builds for a project:
//
//	func main() { os.Exit(relmain.Run("hotcode", Symbols, os.Args[1:])) }
//
// It lives beside the node command so that it can share its commands.
package relmain

import (
	"reflect"

	"github.com/gexdev/gex/cmd/node/internal/cli"
)

// Run runs bin/<name> with args (os.Args[1:]) and returns its exit
// status. symbols are the compiled packages the release's modules import,
// as yaegi extract writes them.
func Run(name string, symbols map[string]map[string]reflect.Value, args []string) int {
	return cli.RunRelease(name, symbols, args)
}
