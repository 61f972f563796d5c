package cli

import (
	"flag"

	"github.com/gexdev/gex/node/code/watch"
)

// watchFlag defines --watch, --watch=migrate: live reload of the modules
// saved under the code path (package node/code/watch).
func watchFlag(fs *flag.FlagSet) *watch.Flag {
	f := &watch.Flag{}
	fs.Var(f, "watch", "reload modules as they are saved; `=migrate` also migrates their GenServers' state")
	return f
}
