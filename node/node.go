package node

import (
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Node. The zero value means defaults.
type Options struct {
	// Name is the node name, "kv" or "kv@host". A name without a host gets
	// this machine's host name. Default "node@<host>".
	Name string
	// Logger receives crash reports and traces. Default slog.Default().
	Logger *slog.Logger
	// CallTimeout bounds Call and system calls that give none. Default 5 s.
	CallTimeout time.Duration
	// ShutdownTimeout bounds how long Stop waits for each top-level process
	// before it kills it. Default 5 s.
	ShutdownTimeout time.Duration
	// IdleTimeout is how long a GenServer with an empty mailbox keeps its
	// goroutine (between one and two times this). Default 50 ms.
	IdleTimeout time.Duration
}

// Node is a running Gex node: it owns its processes, their names and the
// goroutines that run them.
type Node struct {
	name     string
	log      *slog.Logger
	timeout  time.Duration
	shutdown time.Duration
	started  time.Time

	nextPID   atomic.Uint64
	nextRef   atomic.Uint64
	procs     sync.Map // uint64 → *process
	count     atomic.Int64
	monitored sync.Map // monitor ref id → monitored *process

	regMu sync.RWMutex
	names map[string]*process

	resolver atomic.Pointer[resolverBox]
	calls    calls
	idle     *idleSweeps

	wg       sync.WaitGroup
	stopping atomic.Bool
	stopOnce sync.Once
	done     chan struct{}
}

// Start starts a node.
func Start(opts Options) (*Node, error) {
	n := &Node{
		name:     FullName(opts.Name),
		log:      opts.Logger,
		timeout:  opts.CallTimeout,
		shutdown: opts.ShutdownTimeout,
		started:  time.Now(),
		names:    make(map[string]*process),
		done:     make(chan struct{}),
	}
	if n.log == nil {
		n.log = slog.Default()
	}
	if n.timeout <= 0 {
		n.timeout = 5 * time.Second
	}
	if n.shutdown <= 0 {
		n.shutdown = 5 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 50 * time.Millisecond
	}
	n.idle = newIdleSweeps(opts.IdleTimeout)
	n.goroutine(n.idle.run)
	addLive(n)
	return n, nil
}

// FullName completes a node name as Start does: a name without a host
// gets this machine's short host name, and "" is "node".
func FullName(name string) string {
	if name == "" {
		name = "node"
	}
	if strings.Contains(name, "@") {
		return name
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if i := strings.IndexByte(host, '.'); i > 0 {
		host = host[:i]
	}
	return name + "@" + host
}

// Name returns the node name, as "kv@host".
func (n *Node) Name() string { return n.name }

// Logger returns the logger the node reports to.
func (n *Node) Logger() *slog.Logger { return n.log }

// Uptime returns how long the node has run.
func (n *Node) Uptime() time.Duration { return time.Since(n.started) }

// Done is closed once Stop has finished.
func (n *Node) Done() <-chan struct{} { return n.done }

// Stop stops the node gracefully: top-level processes are shut down newest
// first, each supervisor stopping its children before itself, so Terminate
// callbacks run children before parents. A process that does not stop within
// the shutdown timeout is killed. Stop may be called more than once and from
// several goroutines; each call returns once the node has stopped.
//
// Called from one of the node's own processes, Stop cannot wait for that
// process to stop: it starts the shutdown and returns at once, as Erlang's
// init:stop does.
func (n *Node) Stop() error {
	if n.current() != nil {
		go n.stopOnce.Do(n.stop)
		return nil
	}
	n.stopOnce.Do(n.stop)
	<-n.done
	return nil
}

func (n *Node) stop() {
	n.stopping.Store(true)
	removeLive(n)
	// Stopping a root can make roots of processes it did not stop itself
	// (a supervisor whose parent was a plain process): go round again.
	for round := 0; round < 100; round++ {
		roots := n.roots()
		if len(roots) == 0 {
			break
		}
		for _, p := range roots {
			n.shutdownProc(PID{}, p, Shutdown, n.shutdown)
		}
	}
	for _, p := range n.all() {
		p.kill(Killed)
	}
	close(n.idle.stop)
	n.waitGoroutines(n.shutdown)
	close(n.done)
}

// waitGoroutines waits for the goroutines of processes to end. Code stuck in
// a callback cannot be preempted in Go; after d such goroutines are left
// behind and reported.
func (n *Node) waitGoroutines(d time.Duration) {
	ended := make(chan struct{})
	go func() { n.wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(d):
		n.log.Warn("node stopped with process goroutines still running user code", "node", n.name)
	}
}

// roots returns the live processes with no live parent, newest first.
func (n *Node) roots() []*process {
	var out []*process
	for _, p := range n.all() {
		if p.parent.IsZero() || n.lookup(p.parent) == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pid.id > out[j].pid.id })
	return out
}

// all returns every live process in PID order.
func (n *Node) all() []*process {
	out := make([]*process, 0, n.count.Load())
	n.procs.Range(func(_, v any) bool {
		out = append(out, v.(*process))
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].pid.id < out[j].pid.id })
	return out
}

func (n *Node) lookup(pid PID) *process {
	v, ok := n.procs.Load(pid.id)
	if !ok {
		return nil
	}
	return v.(*process)
}

// resolve finds the live process a destination names.
func (n *Node) resolve(d Dest) *process {
	switch d := d.(type) {
	case PID:
		return n.lookup(d)
	case Name:
		n.regMu.RLock()
		p := n.names[string(d)]
		n.regMu.RUnlock()
		return p
	}
	return nil
}

func (n *Node) newRef() Ref { return Ref{id: n.nextRef.Add(1)} }

// Self returns the process whose code runs on the calling goroutine: a
// spawned function, a GenServer callback or a console session.
func (n *Node) Self() (PID, bool) {
	p := n.current()
	if p == nil {
		return PID{}, false
	}
	return p.pid, true
}

// goroutine runs f on a goroutine the node owns: Stop waits for it.
func (n *Node) goroutine(f func()) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
}
