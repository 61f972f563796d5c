// Package watch is live reload: it watches a code server's code path and,
// when a module's source is saved, compiles and loads it as r does, so
// that the running node serves the new code, without losing state or
// killing processes by surprise.
//
// # Saves
//
// A module is a file (kv.go) or a directory package (kv/), as the code
// server finds them; only modules that are loaded are reloaded, from the
// source they were loaded from (a module not loaded yet is loaded from the
// code path at its first use, from the source as it is then). Every
// directory under the code path is watched, new ones included.
//
// Editors save through backups, temporary files, renames, truncations,
// several writes and chmods. A save is the file events up to a pause of
// Options.Debounce (DefaultDebounce); saves closer together than that are
// one, so a burst of saves is one reload. Files that are no module's are
// ignored: tests, hidden files, editor backups and swap files (kv.go~,
// .kv.go.swp, #kv.go#, 4913), files other than .go. A save that leaves a
// module's source as it was loaded (a chmod, a save without changes) loads
// nothing; a deleted file unloads nothing; an empty file is a save half
// done and waits for the next event.
//
// A burst that changes several modules loads them all or none
// (code.Server.PrepareLoading). A compile error keeps the
// current versions running and is reported with file:line:col.
//
// # State
//
// Where the version (const Vsn, else the source's hash) changes and
// GenServers run the module, Report mode loads the new code, which they
// run with the state the old version left, and says so with the console
// commands that migrate them (:sys.suspend, :sys.change_code,
// :sys.resume). Migrate mode does it: it suspends them, loads, prepares
// every new state with the new CodeChange, and commits them all; if any
// CodeChange fails the load is undone and every process keeps its old
// code and state, and the event says which failed.
//
// # No surprise purges
//
// A third version purges the first, and OTP kills the processes still
// running it: those its code spawned. A watcher never does that by
// itself. Such a load is held (Held) and reported with the processes it
// would kill; it is loaded once they have ended, or when Force is called,
// which kills them as r would. GenServers are not in the way: they find
// their callbacks in the current version at each message.
//
// # Events
//
// Every reload (or refusal) is one Event, a value, published to the
// subscribers of the code server (Subscribe): the console sessions of the
// node and its log. Event.String is the one line they print.
//
// Subscriptions are per code server, not per watcher: a session
// subscribes when it starts and sees the reloads of whichever watcher
// runs, one started before it attached (node start --watch) or after (a
// watch helper in another session). A code server has at most one
// watcher: Running finds it, Close stops it, Force loads what it holds.
package watch
