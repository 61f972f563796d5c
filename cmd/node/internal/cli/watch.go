package cli

import (
	"context"
	"flag"
	"log/slog"

	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/watch"
)

// watchFlag defines --watch, --watch=migrate: live reload of the modules
// saved under the code path (package node/code/watch).
func watchFlag(fs *flag.FlagSet) *watch.Flag {
	f := &watch.Flag{}
	fs.Var(f, "watch", "reload modules as they are saved; `=migrate` also migrates their GenServers' state")
	return f
}

// logReloads writes the line of each reload on cs to log, until cancel:
// the reloads of whichever watcher runs, the one --watch started or one
// started later by the watch helper in an attached console. The consoles
// show the same lines themselves (shell.Notifier), so only a node without
// a console of its own logs them.
func logReloads(cs *code.Server, log *slog.Logger) (cancel func()) {
	return watch.Subscribe(cs, func(ev watch.Event) { log.Log(context.Background(), ev.Level(), ev.String()) })
}

// watchingLine says, in log, what the watcher --watch started watches.
func watchingLine(cs *code.Server, log *slog.Logger) {
	if w := watch.Running(cs); w != nil {
		log.Info("watching for saves", "dirs", w.Dirs(), "mode", w.Mode().String())
	}
}
