package shell

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
)

// ServerOptions configures a Server. Zero fields get the defaults noted.
type ServerOptions struct {
	// Node is the node name announced to clients, e.g. "kv@host".
	Node string
	// NewSession makes the session of one attached client (and of one
	// `node eval`). The server closes it when the client leaves. Without it
	// the server answers only ping and stop.
	NewSession func(SessionOptions) (Engine, error)
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
	// MaxConns bounds the connections served at once, attached or still in
	// their handshake; a client beyond it is refused at once. Default 256.
	MaxConns int
	// CloseTimeout bounds how long Close waits for sessions to end once it
	// has interrupted them. Default 5 s.
	CloseTimeout time.Duration
	// Logger receives refused and broken connections. Default slog.Default().
	Logger *slog.Logger
}

// Server serves a node's console sessions to attach clients, one session per
// connection. See the package doc for the protocol.
type Server struct {
	opts     ServerOptions
	ctx      context.Context // cancelled by Close; parent of every connection
	shutdown context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{} // being served
	full      bool                  // MaxConns reached, and said so in the log
	stoppers  []net.Conn            // clients waiting for the node to stop; see keepUntilClosed
	swept     bool                  // Close has ended the stoppers' connections
	wg        sync.WaitGroup        // Serve loops and connections

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
	if opts.MaxConns <= 0 {
		opts.MaxConns = 256
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:      opts,
		ctx:       ctx,
		shutdown:  cancel,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[net.Conn]struct{}),
	}
}

// ServeAttach makes a running node attachable: it prepares the runtime
// directory dir, listens on the socket of node opts.Node there (see
// ListenUnix) and serves clients in the background until Close, which also
// removes the socket. `node console` and `node foreground` both call it.
func ServeAttach(dir RunDir, opts ServerOptions) (*Server, error) {
	if err := dir.CheckName(opts.Node); err != nil {
		return nil, err
	}
	if err := dir.Ensure(); err != nil {
		return nil, err
	}
	l, err := ListenUnix(dir.Socket(opts.Node))
	if err != nil {
		return nil, err
	}
	s := NewServer(opts)
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

// serve is Serve after l is tracked; it owns one count of s.wg.
func (s *Server) serve(l net.Listener) error {
	defer s.wg.Done()
	defer l.Close()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
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
		switch s.track(nc) {
		case trackClosed:
			nc.Close()
			return ErrServerClosed
		case trackFull:
			s.refuseBusy(nc)
		default:
			go s.serveConn(nc)
		}
	}
}

// add counts a Serve loop in s.wg, unless the server is closed. Counting
// under the lock keeps Add from racing Close's Wait.
func (s *Server) add(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.listeners[l] = struct{}{}
	s.wg.Add(1)
	return true
}

// What track did with a new connection.
const (
	trackServe  = iota // counted: serve it
	trackClosed        // the server is closed
	trackFull          // MaxConns are being served: refuse it
)

// track counts a new connection in s.wg and s.conns, unless the server is
// closed or full.
func (s *Server) track(nc net.Conn) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return trackClosed
	case len(s.conns) >= s.opts.MaxConns:
		if !s.full {
			s.full = true
			s.opts.Logger.Warn("attach: too many connections; refusing new ones", "max", s.opts.MaxConns)
		}
		return trackFull
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	return trackServe
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, nc)
	if s.full && len(s.conns) < s.opts.MaxConns {
		s.full = false
		s.opts.Logger.Info("attach: accepting connections again")
	}
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

// Close stops the server: it closes the listeners, interrupts every running
// evaluation, tells each client the node is stopping, and waits until every
// connection has ended and every session is closed, or CloseTimeout has
// passed. Sessions still busy then, whose Engine ignores its cancelled
// context, are abandoned: their clients are disconnected and Close returns
// an error saying so, leaving the caller free to exit. Last, Close ends
// the connections of clients waiting in StopNode, so that they return once
// the node has stopped. Close is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	s.mu.Lock()
	s.closed = true
	s.shutdown() // before the listeners close, so Serve knows why Accept fails
	var err error
	for l := range s.listeners {
		err = errors.Join(err, ignoreClosed(l.Close()))
	}
	clear(s.listeners)
	s.mu.Unlock()

	if !s.wait(s.opts.CloseTimeout) {
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

	s.mu.Lock()
	s.swept = true
	for _, nc := range s.stoppers {
		nc.Close()
	}
	s.stoppers = nil
	s.mu.Unlock()
	return err
}

// wait waits up to d for the Serve loops and connections to end, and
// reports whether they did.
func (s *Server) wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		s.wg.Wait() // lives on if a connection never ends: the caller moves on
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

// ListenUnix listens on a unix socket at path, readable and writable by its
// owner only. A socket file left behind by a node that died is replaced; a
// live one is not, and gives ErrAlreadyRunning. Closing the listener
// removes the socket file.
func ListenUnix(path string) (*net.UnixListener, error) {
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// The directory (0700) is what keeps other users out; the mode is a
	// second fence for sockets placed elsewhere.
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// removeStaleSocket removes the socket at path if no process listens on it.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("listen %s: exists and is not a socket", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: a node answers on %s", ErrAlreadyRunning, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("listen %s: %w", path, err)
	}
	return os.Remove(path)
}

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked Read.
var aLongTimeAgo = time.Unix(1, 0)

// farewellTimeout bounds writes once a connection is ending, so a client
// that stopped reading cannot hold up Close.
const farewellTimeout = time.Second

// serverConn is one client connection. Its goroutine (serveConn) reads
// frames; in session modes a second goroutine, owned by the first, runs
// evaluations so that an Interrupt can be read while one runs.
type serverConn struct {
	srv    *Server
	nc     net.Conn
	fr     *frameReader
	fw     *frameWriter
	ctx    context.Context // ends when the client leaves or the server closes
	cancel context.CancelFunc

	// Of the reader alone:
	cancelEval    context.CancelFunc // of the last evaluation handed to the worker
	stopRequested bool               // the client asked the node to stop
}

func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	c := &serverConn{srv: s, nc: nc, fr: newFrameReader(nc), fw: &frameWriter{w: nc}}
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
	} else {
		c.serveSession(h)
	}
	if s.ctx.Err() != nil && !c.stopRequested {
		c.fw.write(frameError, []byte("node "+s.opts.Node+" is stopping"))
	}
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
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
		return helloMsg{}, false // gone before a word, or timed out: no one to answer
	}
	// The peer is checked before its hello is even parsed, so another user
	// learns nothing about this node but the refusal.
	if reason, ok := c.admit(); !ok {
		return helloMsg{}, c.refuse(RefusePeer, reason)
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

// serveControl answers a client that wants no session: ping is the
// handshake itself; stop asks the node's owner to stop it. A control
// client has no business lingering, so one that asks nothing within the
// handshake timeout is disconnected.
func (c *serverConn) serveControl() {
	idle := time.AfterFunc(c.srv.opts.HandshakeTimeout, c.cancel)
	defer idle.Stop()
	if c.sendWelcome() != nil {
		return
	}
	for {
		f, err := c.fr.next()
		if err != nil {
			c.readFailed(err)
			return
		}
		switch f.typ {
		case frameStop:
			if c.stopNode() {
				// The client waits for the end of the connection, which
				// Close brings once the node has stopped.
				c.stopRequested = true
				return
			}
		case frameDetach:
			return
		case frameInterrupt:
		default:
			c.protocolError(fmt.Sprintf("frame %v not allowed in control mode", f.typ))
			return
		}
	}
}

// stopNode answers a Stop request and reports whether the node is stopping.
func (c *serverConn) stopNode() bool {
	if c.srv.opts.Stop == nil {
		r := resultMsg{status: statusError, message: "node " + c.srv.opts.Node + " does not accept stop requests"}
		c.fw.write(frameResult, r.encode())
		return false
	}
	c.srv.opts.Stop()
	c.fw.write(frameResult, resultMsg{status: statusOK}.encode())
	return true
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
	c.read(reqs)
	c.cancel()
	close(reqs)
	<-done
}

func (c *serverConn) newSession(h helloMsg) (Engine, error) {
	if c.srv.opts.NewSession == nil {
		return nil, errors.New("node " + c.srv.opts.Node + " serves no sessions")
	}
	return c.srv.opts.NewSession(SessionOptions{Color: h.color, Width: h.width, EvalOnce: h.mode == modeEval})
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
	c.fw.write(frameError, []byte(msg))
}

// interrupt cancels the running evaluation, if any.
func (c *serverConn) interrupt() {
	if c.cancelEval != nil {
		c.cancelEval()
	}
}

// work answers requests in order until reqs is closed.
func (c *serverConn) work(eng Engine, reqs <-chan connRequest, prompt bool) {
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

func (c *serverConn) eval(ctx context.Context, eng Engine, line string, prompt bool) {
	err := safeEval(ctx, eng, line, outputWriter{c.fw})
	if c.srv.ctx.Err() != nil {
		return // the node is stopping: the client hears that, not "interrupted"
	}
	if prompt {
		c.fw.write(framePrompt, []byte(eng.Prompt()))
	}
	c.fw.write(frameResult, resultOf(ctx, err).encode())
}

// safeEval is the boundary between a client and the node: a panic that
// escapes the Engine ends this evaluation, not the node.
func safeEval(ctx context.Context, eng Engine, line string, out io.Writer) (err error) {
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
	if _, ok := errors.AsType[*EvalError](err); ok {
		r.status = statusError
	}
	r.interrupted = errors.Is(err, context.Canceled) && ctx.Err() != nil
	return r
}

func (c *serverConn) complete(eng Engine, payload []byte) {
	req, err := decodeComplete(payload)
	var m matchesMsg
	if err == nil {
		m = safeComplete(eng, req)
	}
	c.fw.write(frameMatches, m.encode())
}

func safeComplete(eng Engine, req completeMsg) (m matchesMsg) {
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
