package code

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code/native"
)

// Options configures a Server. The zero value means defaults.
type Options struct {
	// Path is the code path: directories searched, in order, for the source
	// of a module named but not loaded.
	Path []string
	// PurgeTimeout bounds how long a purge waits for the processes it kills
	// to exit. Default 5 s.
	PurgeTimeout time.Duration
	// Stderr receives what the interpreter reports of panics in module
	// code: the source position of each interpreted frame the panic
	// unwinds, which the Go stack of the node's crash report lacks.
	// Default: the node's logger, one record per line.
	Stderr io.Writer
	// Symbols are compiled packages modules may import beyond the standard
	// library and the node's, keyed as yaegi extract writes them
	// ("github.com/google/uuid/uuid"): a release binary carries those its
	// modules import.
	Symbols map[string]map[string]reflect.Value
	// Tier is the tier loads compile to. Native needs Native; a version
	// that cannot be native is loaded interpreted, and the load says why
	// (LoadResult.Fallback, and the node's log).
	Tier Tier
	// Native builds native versions. Nil: CompileNative fails with
	// ErrNoNative and every version is interpreted.
	Native *native.Builder
	// TierUp, with Native, makes each interpreted load build the same
	// source natively in the background and, when ready, switch the
	// module to the native version in the interpreted one's place, its
	// GenServers and their states carried over, a struct state converted
	// to the native version's type by field (development's --native).
	// A version that cannot switch stays interpreted and says why, once.
	TierUp bool
	// OnTierUp, if set, is told of each tier-up's end. A host that
	// cannot build native versions at all (no C compiler, ...) is said
	// once, and tier-up stops.
	OnTierUp func(TierUpEvent)
	// Plugins, if set, finds the prebuilt native version of a source, as
	// a release ships them: its plugin file, or a *native.Error saying why
	// the source has none that loads into this binary, or "" and nil for a
	// source it knows nothing of. A plugin found is loaded whatever Tier
	// says; a source without one, or whose plugin fails to load, runs
	// interpreted, and the load says why (LoadResult.Fallback,
	// ModuleInfo.Fallback, the node's log).
	Plugins func(src *Source) (string, error)
}

// Server is a node's code server: it loads modules from Go source, keeps a
// current and an old version of each, and resolves module names for the
// runtime.
type Server struct {
	node         *node.Node
	purgeTimeout time.Duration
	errOut       io.Writer                // Options.Stderr; nil: the node's logger
	nodeSyms     map[string]reflect.Value // package node bound to node; read-only
	std          map[string]string        // standard library import path → symbols key; read-only
	extra        map[string]string        // Options.Symbols: import path → key; read-only
	extraSyms    map[string]map[string]reflect.Value
	tier         Tier
	native       *native.Builder
	tierUpOn     bool
	onTierUp     func(TierUpEvent)
	plugins      func(*Source) (string, error)
	tierSubs     tierSubs            // SubscribeTierUp
	tiering      sync.WaitGroup      // tier-ups in progress
	tierUpOff    atomic.Bool         // set when this host turned out unable to build native versions
	hooked       map[string]*version // plugin file → the version its hooks pin to; guarded by mu

	mu      sync.RWMutex
	path    []string
	mods    map[string]*module   // by node.ModuleKey
	loading map[string]*loadCall // loads in progress, by node.ModuleKey

	gen atomic.Uint64 // bumped by every change of what is loaded
}

// New returns the code server of n and installs it as n's resolver, so that
// n.StartServer("kv", ...) finds module kv, loading it from the code path
// the first time as BEAM does in interactive mode.
func New(n *node.Node, opts Options) *Server {
	s := &Server{
		node:         n,
		purgeTimeout: opts.PurgeTimeout,
		errOut:       opts.Stderr,
		nodeSyms:     nodeSymbols(n),
		std:          stdIndex(),
		extra:        extraIndex(opts.Symbols),
		extraSyms:    opts.Symbols,
		tier:         opts.Tier,
		native:       opts.Native,
		tierUpOn:     opts.TierUp && opts.Native != nil,
		onTierUp:     opts.OnTierUp,
		plugins:      opts.Plugins,
		path:         slices.Clone(opts.Path),
		mods:         make(map[string]*module),
		loading:      make(map[string]*loadCall),
		hooked:       make(map[string]*version),
	}
	if s.purgeTimeout <= 0 {
		s.purgeTimeout = 5 * time.Second
	}
	n.SetResolver(s)
	return s
}

var _ node.FuncResolver = (*Server)(nil)

// Node returns the node the server loads code into.
func (s *Server) Node() *node.Node { return s.node }

// Module returns the module called name (matched case-insensitively),
// loading it from the code path if it is not loaded. It implements
// node.Resolver.
func (s *Server) Module(name string) (node.Module, error) {
	if err := s.autoload(name, nil); err != nil {
		return nil, fmt.Errorf("%w: %w", node.ErrNoModule, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mods[node.ModuleKey(name)], nil
}

// Func returns the exported function name of the current version of
// module (matched case-insensitively), loading the module from the code
// path if it is not loaded. It implements node.FuncResolver: a child spec's
// MFA reaches current code this way at every restart.
func (s *Server) Func(module, name string) (any, error) {
	if err := s.autoload(module, nil); err != nil {
		return nil, fmt.Errorf("%w: %w", node.ErrNoModule, err)
	}
	s.mu.RLock()
	m := s.module(module)
	s.mu.RUnlock()
	var v *version
	if m != nil {
		v = m.cur.Load()
	}
	if v == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotLoaded, module)
	}
	f, ok := v.funcs[name]
	if !ok {
		return nil, &UndefError{Module: m.name, Func: name, Reason: "undefined in vsn " + v.vsn}
	}
	return f.Interface(), nil
}

// module returns the module called name, or nil. Called with s.mu held.
func (s *Server) module(name string) *module { return s.mods[node.ModuleKey(name)] }
