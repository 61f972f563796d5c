package attach

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gexdev/gex/shell"
)

// Terminal describes the terminal of an attached client, for the session
// made for it: the session prints for that terminal, not the node's.
type Terminal struct {
	Color   bool // the terminal shows colors
	Width   int  // its width in columns; 0 if unknown
	OneShot bool // one evaluation, then the client leaves (node eval)
}

// ServerOptions configures a Server. Zero fields get the defaults noted.
type ServerOptions struct {
	// Node is the node name announced to clients, e.g. "kv@host".
	Node string
	// NewSession makes the session of one attached client (and of one
	// `node eval`). The server closes it when the client leaves. Without it
	// the server answers only control commands.
	NewSession func(Terminal) (shell.Engine, error)
	// Commands are control commands the embedder adds to the built-in
	// ping, stop, pid and version; see Command. A name of a built-in
	// panics in NewServer.
	Commands map[string]Command
	// Stop is called when a client asks the node to stop (`node stop`). It
	// runs on that client's connection, which Close waits for, so it must
	// only start the stop (signal the node's owner) and return. Without it
	// the node refuses to be stopped by clients.
	Stop func()
	// Allow admits a client by its kernel-reported credentials; its error
	// is shown to the client. Default SameUser.
	Allow func(Cred) error
	// HandshakeTimeout bounds the wait for a client's hello, and the life
	// of a control connection that asks nothing. Default 5 s.
	HandshakeTimeout time.Duration
	// MaxSessions bounds the sessions served at once (node attach and node
	// eval); a client asking for one more is refused, and control commands
	// are still answered. Default DefaultMaxSessions.
	MaxSessions int
	// MaxConns bounds the connections served at once, sessions, control
	// commands and handshakes; a client beyond it is refused at once,
	// before its hello is read. Default MaxSessions + 64, which leaves
	// control commands room beside a full set of sessions.
	MaxConns int
	// CloseTimeout bounds how long Close waits for sessions to end once it
	// has interrupted them. Default 5 s.
	CloseTimeout time.Duration
	// Logger receives refused and broken connections. Default slog.Default().
	Logger *slog.Logger
}

// DefaultMaxSessions is the default of ServerOptions.MaxSessions.
const DefaultMaxSessions = 256

// controlRoom is what MaxConns leaves by default beside MaxSessions.
const controlRoom = 64

// Server serves a node's console sessions to attach clients, one session per
// connection, and its control commands. See the package doc for the
// protocol.
type Server struct {
	opts     ServerOptions
	commands map[string]Command
	ctx      context.Context // cancelled by Drain or Close; parent of every connection
	shutdown context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]*serverConn // being served
	sessions  int                      // of conns, those holding a session
	full      refusals                 // clients refused beyond MaxConns
	busy      refusals                 // clients refused beyond MaxSessions
	stoppers  []net.Conn               // clients waiting for the node to stop; see keepUntilClosed
	swept     bool                     // Close has ended the stoppers' connections
	lock      *os.File                 // the node's lock file, held while serving; nil for Serve
	loops     sync.WaitGroup           // Serve loops
	connWG    sync.WaitGroup           // connections

	closeOnce sync.Once
	closeErr  error
}

// NewServer returns a Server; call Serve to accept clients.
func NewServer(opts ServerOptions) *Server {
	if opts.Allow == nil {
		opts.Allow = SameUser
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = 5 * time.Second
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = opts.MaxSessions + controlRoom
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:      opts,
		ctx:       ctx,
		shutdown:  cancel,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[net.Conn]*serverConn),
		full:      refusals{what: "clients beyond the connection limit", limit: "max_conns", max: opts.MaxConns},
		busy:      refusals{what: "sessions beyond the session limit", limit: "max_sessions", max: opts.MaxSessions},
	}
	s.commands = s.builtins()
	for name, cmd := range opts.Commands {
		if _, ok := s.commands[name]; ok {
			panic("attach: command " + name + " is built in")
		}
		s.commands[name] = cmd
	}
	return s
}

// ServeAttach makes a running node attachable: it prepares the runtime
// directory dir, takes the node's lock file there (see RunDir), listens on
// the socket of node opts.Node (see ListenUnix) and serves clients in the
// background until Close, which also removes the socket and releases the
// lock. `node console` and `node foreground` both call it.
func ServeAttach(dir RunDir, opts ServerOptions) (*Server, error) {
	if err := dir.CheckName(opts.Node); err != nil {
		return nil, err
	}
	if err := dir.Ensure(); err != nil {
		return nil, err
	}
	lock, err := dir.lock(opts.Node)
	if err != nil {
		return nil, err
	}
	l, err := ListenUnix(dir.Socket(opts.Node))
	if err != nil {
		lock.Close()
		return nil, err
	}
	s := NewServer(opts)
	s.lock = lock
	s.add(l) // cannot fail: s is new
	go func() {
		if err := s.serve(l); err != ErrServerClosed {
			s.opts.Logger.Error("attach: no longer accepting clients", "err", err)
		}
	}()
	return s, nil
}

// Serve accepts clients on l, a unix socket listener (the peer check needs
// one), until Close, and then returns ErrServerClosed. Serve takes
// ownership of l.
func (s *Server) Serve(l net.Listener) error {
	if !s.add(l) {
		l.Close()
		return ErrServerClosed
	}
	return s.serve(l)
}

// serve is Serve after l is tracked; it owns one count of s.loops.
func (s *Server) serve(l net.Listener) error {
	defer s.loops.Done()
	defer l.Close()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if !isTemporary(err) {
				return err
			}
			// Out of file descriptors and the like: wait, as net/http does,
			// rather than spin or give up on every later client.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.opts.Logger.Warn("attach: accept failed; retrying", "err", err, "in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		switch c := s.track(nc); c {
		case nil:
			nc.Close()
			return ErrServerClosed
		case refusedFull:
			s.refuseBusy(nc)
		default:
			go s.serveConn(c)
		}
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// add counts a Serve loop in s.loops, unless the server is closed. Counting
// under the lock keeps Add from racing Close's Wait.
func (s *Server) add(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.listeners[l] = struct{}{}
	s.loops.Add(1)
	return true
}

// refusedFull is what track returns for a connection beyond MaxConns.
var refusedFull = new(serverConn)

// track counts a new connection in s.connWG and s.conns and returns it,
// unless the server is closed (nil) or full (refusedFull).
func (s *Server) track(nc net.Conn) *serverConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil
	case len(s.conns) >= s.opts.MaxConns:
		s.full.note(s.opts.Logger, time.Now())
		return refusedFull
	}
	c := &serverConn{srv: s, nc: nc, fr: newFrameReader(nc), fw: &frameWriter{w: nc}}
	s.conns[nc] = c
	s.connWG.Add(1)
	return c
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, nc)
}

// claimSession takes one of MaxSessions places for c, if one is free.
func (s *Server) claimSession(c *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions >= s.opts.MaxSessions {
		s.busy.note(s.opts.Logger, time.Now())
		return false
	}
	s.sessions++
	c.session = true
	return true
}

func (s *Server) releaseSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions--
}

// refusalLogEvery is how often at most the log hears of refused clients
// of one kind: a client retrying in a loop must not flood it.
const refusalLogEvery = 10 * time.Second

// refusals counts clients refused for one reason and logs them, at most
// once every refusalLogEvery: the first at once, later ones with the count
// since the last line. Guarded by Server.mu.
type refusals struct {
	what  string // "sessions beyond the session limit"
	limit string // the log attribute naming the limit
	max   int
	n     int       // refused since the last line
	last  time.Time // of the last line
}

func (r *refusals) note(log *slog.Logger, now time.Time) {
	r.n++
	if !r.last.IsZero() && now.Sub(r.last) < refusalLogEvery {
		return
	}
	log.Warn("attach: refusing "+r.what, r.limit, r.max, "refused", r.n, "since", r.since(now))
	r.n, r.last = 0, now
}

func (r *refusals) since(now time.Time) string {
	if r.last.IsZero() {
		return "start"
	}
	return now.Sub(r.last).Round(time.Second).String() + " ago"
}

// refuseBusy answers a client beyond MaxConns and closes its connection,
// without waiting for its hello: a flood of silent clients must not cost
// a goroutine each. It runs on the accept loop, but a refusal is the first
// thing written on a new socket, which has room for it, so it does not
// block. Another user is told only that it is not allowed, as always.
func (s *Server) refuseBusy(nc net.Conn) {
	defer nc.Close()
	nc.SetWriteDeadline(time.Now().Add(farewellTimeout))
	c := &serverConn{srv: s, nc: nc, fw: &frameWriter{w: nc}}
	if reason, ok := c.admit(); !ok {
		c.refuse(RefusePeer, reason)
		return
	}
	c.refuse(RefuseBusy, fmt.Sprintf("node %s already serves %d connections; try again later", s.opts.Node, s.opts.MaxConns))
}

// Drain tells every attached client at once that the node is stopping (an
// Error frame, the last it reads), interrupts every evaluation and command,
// and refuses new clients, saying the node is stopping. It does not wait:
// Close, called once the node has stopped, waits for the sessions and
// removes the socket. An owner calls Drain before stopping its node, so
// that consoles hear of the stop before the node's processes end under
// their evaluations. Drain is idempotent.
func (s *Server) Drain() {
	s.mu.Lock()
	var sessions []*serverConn
	for _, c := range s.conns {
		if c.session {
			sessions = append(sessions, c)
		}
	}
	s.mu.Unlock()
	if s.ctx.Err() == nil {
		for _, c := range sessions {
			c.sayStopping()
		}
	}
	s.shutdown()
}

// Close stops the server: it drains it (see Drain), closes the listeners,
// and waits until every connection has ended and every session is closed,
// or CloseTimeout has passed. Sessions still busy then, whose Engine
// ignores its cancelled context, are abandoned: their clients are
// disconnected and Close returns an error saying so, leaving the caller
// free to exit. Last, Close ends the connections of clients waiting in
// StopNode, so that they return once the node has stopped. Close is
// idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	s.Drain()
	s.mu.Lock()
	s.closed = true
	var err error
	for l := range s.listeners {
		err = errors.Join(err, ignoreClosed(l.Close()))
	}
	clear(s.listeners)
	s.mu.Unlock()

	if !wait(&s.connWG, s.opts.CloseTimeout) {
		// Waiting longer could mean for ever, keeping alive a process that
		// no one can reach any more: its socket is gone.
		s.mu.Lock()
		busy := len(s.conns)
		for nc := range s.conns {
			nc.Close()
		}
		s.mu.Unlock()
		if busy > 0 {
			err = errors.Join(err, fmt.Errorf("attach: abandoned %d session(s) still busy %v after being interrupted", busy, s.opts.CloseTimeout))
		}
	}
	s.loops.Wait() // their listeners are closed: they end at once
	if s.lock != nil {
		err = errors.Join(err, unlock(s.lock)) // after the socket is gone
	}

	s.mu.Lock()
	s.swept = true
	for _, nc := range s.stoppers {
		nc.Close()
	}
	s.stoppers = nil
	s.mu.Unlock()
	return err
}

// wait waits up to d for wg, and reports whether it was done.
func wait(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait() // lives on if a connection never ends: the caller moves on
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// keepUntilClosed holds the connection of a client that asked the node to
// stop: Close ends it last, after every session, so the client, which waits
// for the end, learns that the node has stopped only when it has.
func (s *Server) keepUntilClosed(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.swept {
		nc.Close()
		return
	}
	s.stoppers = append(s.stoppers, nc)
}

func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked Read.
var aLongTimeAgo = time.Unix(1, 0)

// farewellTimeout bounds writes once a connection is ending, so a client
// that stopped reading cannot hold up Close.
const farewellTimeout = time.Second

// serverConn is one client connection. Its goroutine (serveConn) reads
// frames; in session modes a second goroutine, owned by the first, runs
// evaluations so that an Interrupt can be read while one runs, and in
// control mode a second one reads while the command runs.
type serverConn struct {
	srv     *Server
	nc      net.Conn
	fr      *frameReader
	fw      *frameWriter
	ctx     context.Context // ends when the client leaves or the server drains
	cancel  context.CancelFunc
	session bool // holds one of MaxSessions; guarded by srv.mu

	// Of the reader alone:
	cancelEval    context.CancelFunc // of the last evaluation handed to the worker
	stopRequested bool               // the client asked the node to stop
}

func (s *Server) serveConn(c *serverConn) {
	defer s.connWG.Done()
	nc := c.nc
	defer func() {
		s.untrack(nc)
		if c.stopRequested {
			s.keepUntilClosed(nc)
		} else {
			nc.Close()
		}
	}()
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c.ctx, c.cancel = ctx, cancel
	// However the connection ends, wake the reader and stop writes from
	// blocking on a client that no longer reads.
	stop := context.AfterFunc(ctx, func() {
		nc.SetReadDeadline(aLongTimeAgo)
		nc.SetWriteDeadline(time.Now().Add(farewellTimeout))
	})
	defer stop()
	h, ok := c.handshake()
	if !ok {
		return
	}
	if h.mode == modeControl {
		c.serveControl()
		return
	}
	c.serveSession(h)
	if s.ctx.Err() != nil {
		c.sayStopping() // if Drain did not: the session began meanwhile
	}
}

// sayStopping sends a session's client the last frame it will read: the
// node is stopping.
func (c *serverConn) sayStopping() {
	c.nc.SetWriteDeadline(time.Now().Add(farewellTimeout))
	c.fw.final(frameError, errorMsg{code: errorStopping, text: "node " + c.srv.opts.Node + " is stopping"}.encode())
}

// handshake reads the client's hello and checks the client. It answers a
// refusal itself; a welcome is the caller's, once it has a session.
func (c *serverConn) handshake() (helloMsg, bool) {
	timer := time.AfterFunc(c.srv.opts.HandshakeTimeout, func() { c.nc.Close() })
	defer timer.Stop()
	// A hello is a few bytes; until the client is known to be allowed, a
	// frame header must not make the node allocate more than that.
	c.fr.max = maxHelloFrame
	f, err := c.fr.next()
	// A node that is stopping has woken the read (see serveConn): it still
	// tells the client why.
	stopping := c.srv.ctx.Err() != nil
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || !stopping && errors.Is(err, os.ErrDeadlineExceeded) {
		return helloMsg{}, false // gone before a word, or timed out: no one to answer
	}
	// The peer is checked before its hello is even parsed, so another user
	// learns nothing about this node but the refusal.
	if reason, ok := c.admit(); !ok {
		return helloMsg{}, c.refuse(RefusePeer, reason)
	}
	if stopping {
		return helloMsg{}, c.refuse(RefuseStopping, "node "+c.srv.opts.Node+" is stopping")
	}
	h, code, reason := c.checkHello(f, err)
	if code != 0 {
		return h, c.refuse(code, reason)
	}
	c.fr.max = MaxFrameSize
	return h, true
}

// admit asks the kernel who connected and whether Allow lets them in.
func (c *serverConn) admit() (reason string, ok bool) {
	cred, err := PeerCred(c.nc)
	if err == nil {
		err = c.srv.opts.Allow(cred)
	}
	if err != nil {
		c.srv.opts.Logger.Warn("attach: refused a client", "uid", cred.UID, "pid", cred.PID, "err", err)
		return err.Error(), false
	}
	return "", true
}

// checkHello validates the first frame; a zero code accepts it.
func (c *serverConn) checkHello(f frame, err error) (helloMsg, RefuseCode, string) {
	if err != nil {
		return helloMsg{}, RefuseProtocol, err.Error()
	}
	if f.typ != frameHello {
		return helloMsg{}, RefuseProtocol, fmt.Sprintf("expected a hello frame, got %v", f.typ)
	}
	h, err := decodeHello(f.payload)
	switch {
	case err != nil:
		return h, RefuseProtocol, err.Error()
	case h.version != ProtocolVersion:
		return h, RefuseVersion, fmt.Sprintf(
			"client speaks attach protocol version %d; node %s speaks version %d (use the node's own binary)",
			h.version, c.srv.opts.Node, ProtocolVersion)
	case c.ctx.Err() != nil:
		return h, RefuseStopping, "node " + c.srv.opts.Node + " is stopping"
	}
	return h, 0, ""
}

// refuse answers a refusal and reports the handshake failed.
func (c *serverConn) refuse(code RefuseCode, reason string) bool {
	c.fw.write(frameRefuse, refusalMsg{code: code, reason: reason}.encode())
	return false
}

func (c *serverConn) sendWelcome() error {
	w := welcomeMsg{version: ProtocolVersion, node: c.srv.opts.Node, pid: os.Getpid()}
	return c.fw.write(frameWelcome, w.encode())
}

// serveControl runs one control command for a client that wants no
// session, and ends the connection: at once, or for stop once the node
// has stopped (see keepUntilClosed). A control client has no business
// lingering, so one that asks nothing within the handshake timeout is
// disconnected.
func (c *serverConn) serveControl() {
	idle := time.AfterFunc(c.srv.opts.HandshakeTimeout, c.cancel)
	defer idle.Stop()
	if c.sendWelcome() != nil {
		return
	}
	f, err := c.fr.next()
	if err != nil {
		c.readFailed(err)
		return
	}
	switch f.typ {
	case frameCommand:
		if !idle.Stop() {
			return // too late: the connection is ending
		}
		req, err := decodeCommand(f.payload)
		if err != nil {
			c.protocolError(err.Error())
			return
		}
		c.command(req)
	case frameDetach:
	default:
		c.protocolError(fmt.Sprintf("frame %v not allowed in control mode", f.typ))
	}
}

// command runs a control command while a second goroutine reads the
// client's frames: an Interrupt, a Detach or the client's end cancels it.
func (c *serverConn) command(req commandMsg) {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer cancel()
		for {
			f, err := c.fr.next()
			if err != nil {
				c.readFailed(err)
				return
			}
			switch f.typ {
			case frameInterrupt:
				cancel()
			case frameDetach:
				return
			default:
				c.protocolError(fmt.Sprintf("frame %v not allowed while a command runs", f.typ))
				return
			}
		}
	}()
	out := newOutputWriter(c.fw, ctx)
	r := c.srv.runCommand(ctx, req, out)
	if out.wasCut() && r.status == statusOK {
		r = resultMsg{status: statusError, interrupted: true, message: "interrupted"}
	}
	c.fw.write(frameResult, r.encode())
	if r.status == statusOK && req.name == "stop" {
		// The client waits for the end of the connection, which Close
		// brings once the node has stopped.
		c.stopRequested = true
	}
	c.cancel() // ends the reader, which takes this for the end it is
	<-read
}

// connRequest is an Eval or Complete frame, copied out of the reader's
// buffer, with an Eval's context.
type connRequest struct {
	typ     frameType
	payload []byte
	ctx     context.Context
	cancel  context.CancelFunc
}

// serveSession runs one client's session. The reader (this goroutine)
// passes requests to a worker in order and acts on Interrupt and Detach at
// once; when the client leaves, by Detach or by dying, whatever still runs
// is interrupted before the session is closed.
func (c *serverConn) serveSession(h helloMsg) {
	if !c.srv.claimSession(c) {
		c.refuse(RefuseBusy, fmt.Sprintf("node %s already has %d sessions attached, the most it takes; try again later",
			c.srv.opts.Node, c.srv.opts.MaxSessions))
		return
	}
	defer c.srv.releaseSession()
	eng, err := c.newSession(h)
	if err != nil {
		c.srv.opts.Logger.Error("attach: cannot make a session", "err", err)
		c.refuse(RefuseSession, err.Error())
		return
	}
	defer eng.Close()
	if c.sendWelcome() != nil {
		return
	}
	if h.mode == modeShell {
		c.fw.write(framePrompt, []byte(eng.Prompt()))
	}
	reqs := make(chan connRequest)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.work(eng, reqs, h.mode == modeShell)
	}()
	noticed := make(chan struct{})
	go func() {
		defer close(noticed)
		if n, ok := eng.(shell.Notifier); ok && h.mode == modeShell {
			c.notices(n.Notices())
		}
	}()
	c.read(reqs)
	c.cancel()
	close(reqs)
	<-done
	<-noticed
}

// notices sends the session's notices to the client as they come, between
// answers or in the middle of one, until the session closes the channel
// or the connection ends. A client that does not read holds up only this
// goroutine, and the session drops the notices it cannot hand over.
func (c *serverConn) notices(ch <-chan string) {
	for {
		select {
		case text, ok := <-ch:
			if !ok {
				return
			}
			if c.fw.write(frameNotice, []byte(noticeText(text))) != nil {
				return
			}
		case <-c.ctx.Done():
			return
		}
	}
}

// noticeText cuts text to maxNotice bytes, ending in a newline.
func noticeText(text string) string {
	if len(text) <= maxNotice {
		return text
	}
	return truncate(text, maxNotice-64) + "\n"
}

func (c *serverConn) newSession(h helloMsg) (shell.Engine, error) {
	if c.srv.opts.NewSession == nil {
		return nil, errors.New("node " + c.srv.opts.Node + " serves no sessions")
	}
	return c.srv.opts.NewSession(Terminal{Color: h.color, Width: h.width, OneShot: h.mode == modeEval})
}

// read reads the client's frames until it leaves or breaks the protocol.
func (c *serverConn) read(reqs chan<- connRequest) {
	for {
		f, err := c.fr.next()
		if err != nil {
			c.readFailed(err)
			return
		}
		switch f.typ {
		case frameEval, frameComplete:
			r := connRequest{typ: f.typ, payload: append([]byte(nil), f.payload...)}
			if f.typ == frameEval {
				// The reader makes the evaluation's context, not the
				// worker, so that an Interrupt read right after its Eval,
				// before the worker has even started it, cancels it.
				r.ctx, r.cancel = context.WithCancel(c.ctx)
			}
			select {
			case reqs <- r:
			case <-c.ctx.Done():
				return
			}
			if r.cancel != nil {
				// The client sends one request at a time, so an Interrupt
				// read from now on is for this evaluation; once it has
				// ended, cancelling it does nothing.
				c.cancelEval = r.cancel
			}
		case frameInterrupt:
			c.interrupt()
		case frameDetach:
			return
		default:
			c.protocolError(fmt.Sprintf("frame %v not allowed from a client", f.typ))
			return
		}
	}
}

// readFailed logs why a connection's stream ended, unless it ended as
// streams do: the client closed it, or the server is closing.
func (c *serverConn) readFailed(err error) {
	if errors.Is(err, io.EOF) || c.ctx.Err() != nil || errors.Is(err, syscall.ECONNRESET) {
		return
	}
	if errors.Is(err, ErrProtocol) {
		c.protocolError(err.Error())
		return
	}
	c.srv.opts.Logger.Warn("attach: connection broke", "err", err)
}

func (c *serverConn) protocolError(msg string) {
	c.srv.opts.Logger.Warn("attach: dropping a client", "err", msg)
	c.fw.final(frameError, errorMsg{code: errorProtocol, text: msg}.encode())
}

// interrupt cancels the running evaluation, if any.
func (c *serverConn) interrupt() {
	if c.cancelEval != nil {
		c.cancelEval()
	}
}

// work answers requests in order until reqs is closed.
func (c *serverConn) work(eng shell.Engine, reqs <-chan connRequest, prompt bool) {
	for r := range reqs {
		switch r.typ {
		case frameEval:
			c.eval(r.ctx, eng, string(r.payload), prompt)
			r.cancel()
		case frameComplete:
			c.complete(eng, r.payload)
		}
	}
}

func (c *serverConn) eval(ctx context.Context, eng shell.Engine, line string, prompt bool) {
	out := newOutputWriter(c.fw, ctx)
	err := safeEval(ctx, eng, line, out)
	if c.srv.ctx.Err() != nil {
		return // the node is stopping: the client hears that, not "interrupted"
	}
	r := resultOf(ctx, err)
	if out.wasCut() {
		// The engine went on after its output was refused, or stopped
		// printing without saying why: say it for the engine.
		c.fw.write(frameOutput, []byte(interruptedNote))
		r.status, r.interrupted = max(r.status, statusError), true
	}
	if prompt {
		c.fw.write(framePrompt, []byte(eng.Prompt()))
	}
	c.fw.write(frameResult, r.encode())
}

// interruptedNote ends the output of an evaluation interrupted while it
// printed.
const interruptedNote = "\n** (interrupted) output cut\n"

// safeEval is the boundary between a client and the node: a panic that
// escapes the Engine ends this evaluation, not the node.
func safeEval(ctx context.Context, eng shell.Engine, line string, out io.Writer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in session: %v", v)
		}
	}()
	return eng.Eval(ctx, line, out)
}

// maxResultMessage bounds the message of a Result frame. An evaluation's
// error has already been shown in Output, which is sent in chunks, and a
// session's own failure is a sentence; a longer message (a panic with a
// long value, a compile error quoting a long line) is cut rather than
// overflow MaxFrameSize, which would leave the client without its answer.
const maxResultMessage = 4 << 10

// maxMatchesSize bounds the candidates of a Matches frame, for the same
// reason; a menu this long is of no use anyway.
const maxMatchesSize = 256 << 10

// resultOf classifies how an evaluation ended, keeping the Engine
// contract's distinction between an *EvalError, which the session has
// already shown on out, and a failure of the session, which it has not.
// Cancellation counts as an interrupt only if this evaluation's context was
// in fact cancelled.
func resultOf(ctx context.Context, err error) resultMsg {
	if err == nil {
		return resultMsg{status: statusOK}
	}
	r := resultMsg{status: statusFailure, message: truncate(err.Error(), maxResultMessage)}
	if _, ok := errors.AsType[*shell.EvalError](err); ok {
		r.status = statusError
	}
	r.interrupted = errors.Is(err, context.Canceled) && ctx.Err() != nil
	return r
}

func (c *serverConn) complete(eng shell.Engine, payload []byte) {
	req, err := decodeComplete(payload)
	var m matchesMsg
	if err == nil {
		m = safeComplete(eng, req)
	}
	c.fw.write(frameMatches, m.encode())
}

func safeComplete(eng shell.Engine, req completeMsg) (m matchesMsg) {
	defer func() {
		if recover() != nil {
			m = matchesMsg{} // no completions beats a dead session
		}
	}()
	cands, length := eng.Complete(req.line, req.pos)
	m.length = length
	size := 0
	for _, c := range cands {
		s := string(c)
		size += binary.MaxVarintLen32 + len(s)
		if size > maxMatchesSize {
			break // the menu so far, rather than no answer
		}
		m.candidates = append(m.candidates, s)
	}
	return m
}

// truncate shortens s longer than n bytes to its first n or fewer, on a
// rune boundary, and says how much it cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return fmt.Sprintf("%s... (%d more bytes)", s[:i], len(s)-i)
}
