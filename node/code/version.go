package code

import (
	"reflect"
	"sort"
	"sync/atomic"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/native"
)

// version is one compiled version of a module: its own interpreter, reached
// through the values taken from it. Nothing outside the version refers to
// the interpreter, so a purged version is garbage once its processes end.
type version struct {
	name   string // package name
	vsn    string // const Vsn, or the source hash
	hash   string
	path   string
	loaded atomic.Int64 // Unix nanoseconds, set by Install; Object.Info reads it without the lock
	tier   Tier
	why    string          // why a version asked to be native runs interpreted
	plugin string          // a native version's plugin file
	mapped int64           // the bytes it maps, never unmapped (golang/go#20461)
	shadow *version        // the interpreted version a tier-up replaced: its processes are this version's
	native *native.Version // a native version's plugin, whose hooks pin what it spawns to this version

	funcs  map[string]reflect.Value // exported functions, as the interpreter wraps them
	other  map[string]reflect.Value // exported constants and types
	cb     *node.Callbacks          // converted once: the runtime calls them for every message
	pins   pins                     // processes spawned by this version's code
	purged atomic.Bool              // set when the version is dropped: what it spawns dies
	batch  batch                    // while compiling in PrepareLoading: the modules compiled with it
}

// ModuleInfo describes a loaded module version.
type ModuleInfo struct {
	Name    string    // package name: "kv"
	Vsn     string    // const Vsn, or the source hash when the module declares none
	Hash    string    // hex MD5 of the source files
	Path    string    // the file or directory the source was read from
	Loaded  time.Time // zero for an Object not installed yet
	Exports []string  // exported functions, sorted
	OldVsn  string    // the version of the old code still held, "" if none
	Tier    Tier      // how the version runs
	OldTier Tier      // how the old code runs, if there is old code
	// Mapped is the memory the module's native versions hold mapped,
	// purged ones included: a plugin is never unmapped (golang/go#20461).
	Mapped int64
	// Fallback says why the version runs interpreted though it was asked
	// to be native (Options.Tier, Options.Plugins); "" otherwise.
	Fallback string
}

func (v *version) info() ModuleInfo {
	exports := make([]string, 0, len(v.funcs))
	for name := range v.funcs {
		exports = append(exports, name)
	}
	sort.Strings(exports)
	var loaded time.Time
	if ns := v.loaded.Load(); ns != 0 {
		loaded = time.Unix(0, ns)
	}
	return ModuleInfo{Name: v.name, Vsn: v.vsn, Hash: v.hash, Path: v.path, Loaded: loaded, Exports: exports, Tier: v.tier, Mapped: v.mapped, Fallback: v.why}
}
