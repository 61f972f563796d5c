package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ClientOptions configures a connection to a node. Zero fields get the
// defaults noted.
type ClientOptions struct {
	// Color says the client's terminal shows colors; the node's session
	// then colors what it prints. The client decides, not the node, whose
	// output may be a log file.
	Color bool
	// Width is the client's terminal width in columns; 0 if unknown.
	Width int
	// Timeout bounds connecting and the handshake. Default 5 s.
	Timeout time.Duration
}

// NodeInfo is what a node tells a client in its welcome.
type NodeInfo struct {
	Name string // e.g. "kv@host"
	PID  int    // the node's OS process id
}

// Client is a connection to a running node. An attached Client is an
// Engine: the node's session does the work, and a Console runs over it
// exactly as over a local session. History, line editing and the decision
// to color stay with the client.
//
// Eval and Complete take turns; Prompt and Close may be called at any time
// (Close from another goroutine ends a blocked Eval).
type Client struct {
	nc   net.Conn
	fr   *frameReader
	fw   *frameWriter
	info NodeInfo

	mu      sync.Mutex // one request at a time; guards fr, err, pending and lost
	err     error      // sticky: once the connection fails, every call says so
	pending []byte     // output that arrived during Complete, for the next Eval
	lost    bool       // pending overflowed, and says so

	prompt    atomic.Pointer[string]
	closeOnce sync.Once
	closeErr  error
}

// Attach connects to the node listening on socket and opens a session
// there, for a Console to drive.
func Attach(ctx context.Context, socket string, opts ClientOptions) (*Client, error) {
	return dial(ctx, socket, modeShell, opts)
}

// EvalOnce evaluates one line in a fresh session on the node listening on
// socket, writes what it prints to out, and closes the session. Errors are
// as Client.Eval's: a failed evaluation is an *EvalError, already written
// to out.
func EvalOnce(ctx context.Context, socket, line string, out io.Writer, opts ClientOptions) error {
	c, err := dial(ctx, socket, modeEval, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Eval(ctx, line, out)
}

// Ping reports whether a node answers on socket, and which.
func Ping(ctx context.Context, socket string) (NodeInfo, error) {
	c, err := dial(ctx, socket, modeControl, ClientOptions{})
	if err != nil {
		return NodeInfo{}, err
	}
	return c.info, c.Close()
}

// StopNode asks the node listening on socket to stop, and returns once it
// has: the node ends the connection when its processes have terminated.
// ctx bounds the wait.
func StopNode(ctx context.Context, socket string) (NodeInfo, error) {
	c, err := dial(ctx, socket, modeControl, ClientOptions{})
	if err != nil {
		return NodeInfo{}, err
	}
	defer c.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { c.nc.SetReadDeadline(aLongTimeAgo) })
	defer stop()
	if err := c.send(frameStop, nil); err != nil {
		return c.info, err
	}
	if err := c.awaitResult(io.Discard); err != nil {
		return c.info, err
	}
	for {
		if _, err := c.recv(); err != nil {
			if ctx.Err() != nil {
				return c.info, fmt.Errorf("node %s did not stop in time: %w", c.info.Name, ctx.Err())
			}
			return c.info, nil // ended by the node: it has stopped
		}
	}
}

func dial(ctx context.Context, socket string, m clientMode, opts ClientOptions) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return nil, dialError(socket, err)
	}
	if err := checkNodeUser(nc, socket); err != nil {
		nc.Close()
		return nil, err
	}
	c := &Client{nc: nc, fr: newFrameReader(nc), fw: &frameWriter{w: nc}}
	// The handshake obeys ctx: a node that accepts but never answers (or is
	// not a node) cannot hang the client.
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	err = c.handshake(socket, helloMsg{version: ProtocolVersion, mode: m, color: opts.Color, width: opts.Width})
	if !stop() {
		err = fmt.Errorf("attach %s: no answer in time: %w", socket, ctx.Err())
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// dialError words a failed connect: no socket, or nobody listening on it,
// means the node is not running.
func dialError(socket string, err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return &NotRunningError{Socket: socket, Err: err}
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("cannot reach the node at %s: %w (is it another user's?)", socket, err)
	}
	return fmt.Errorf("cannot reach the node at %s: %w", socket, err)
}

// checkNodeUser refuses a node run by another user. The runtime directory
// is what keeps other users away, but its default in a shared /tmp is a
// name anyone can take first, and a listener there would then receive
// this user's console input. The kernel says who listens, as it tells the
// node who connected.
func checkNodeUser(nc net.Conn, socket string) error {
	cred, err := PeerCred(nc)
	if err != nil {
		return fmt.Errorf("attach %s: cannot tell who runs the node: %w", socket, err)
	}
	if uid := os.Geteuid(); cred.UID != uid {
		return fmt.Errorf("attach %s: %w: the node there runs as uid %d, not as this user (uid %d); is %s another user's?",
			socket, ErrPeer, cred.UID, uid, filepath.Dir(socket))
	}
	return nil
}

func (c *Client) handshake(socket string, h helloMsg) error {
	if err := c.fw.write(frameHello, h.encode()); err != nil {
		// A node that refuses at once (too many connections) may have
		// closed before reading the hello; its refusal says why.
		if f, rerr := c.fr.next(); rerr == nil && f.typ == frameRefuse {
			if r, rerr := decodeRefusal(f.payload); rerr == nil {
				return &RefusedError{Node: socket, Code: r.code, Reason: r.reason}
			}
		}
		return fmt.Errorf("attach %s: %w", socket, err)
	}
	f, err := c.fr.next()
	if err != nil {
		return fmt.Errorf("attach %s: no answer from the node: %w", socket, noEOF(err))
	}
	switch f.typ {
	case frameRefuse:
		r, err := decodeRefusal(f.payload)
		if err != nil {
			return err
		}
		return &RefusedError{Node: socket, Code: r.code, Reason: r.reason}
	case frameError:
		return &DisconnectedError{Reason: string(f.payload)}
	case frameWelcome:
	default:
		return protocolErrorf("expected a welcome, got frame %v", f.typ)
	}
	w, err := decodeWelcome(f.payload)
	if err != nil {
		return err
	}
	c.info = NodeInfo{Name: w.node, PID: w.pid}
	if h.mode != modeShell {
		return nil
	}
	// A shell session's welcome is followed by its first prompt, so a
	// Console can show it without another round trip.
	f, err = c.recv()
	if err != nil {
		return err
	}
	if f.typ != framePrompt {
		return protocolErrorf("expected a prompt, got frame %v", f.typ)
	}
	c.setPrompt(f.payload)
	return nil
}

// Node returns the name and OS pid of the node.
func (c *Client) Node() NodeInfo { return c.info }

// Prompt returns the prompt the node's session asked for last.
func (c *Client) Prompt() string {
	if p := c.prompt.Load(); p != nil {
		return *p
	}
	return ""
}

func (c *Client) setPrompt(b []byte) {
	p := string(b)
	c.prompt.Store(&p)
}

// Eval evaluates line in the node's session and copies what it prints to
// out as it arrives. Cancelling ctx (Ctrl-C) interrupts this session's
// evaluation only; Eval still waits for the node's answer, so output stays
// in order. Errors follow the Engine contract: a failed evaluation is an
// *EvalError (its text already written to out), a failure of the node's
// session a *RemoteError, a lost connection a *DisconnectedError; an
// interrupted evaluation's error also matches context.Canceled.
func (c *Client) Eval(ctx context.Context, line string, out io.Writer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) > 0 {
		out.Write(c.pending)
		c.pending, c.lost = nil, false
	}
	if err := c.send(frameEval, []byte(line)); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.fw.write(frameInterrupt, nil) })
	defer stop()
	return c.awaitResult(out)
}

var _ Interrupter = (*Client)(nil)

// Interrupt asks the node once more to interrupt this session's running
// evaluation; see Interrupter. The node applies an interrupt to the
// evaluation it has read last, so one that arrives late does nothing.
func (c *Client) Interrupt() { c.fw.write(frameInterrupt, nil) }

// awaitResult reads the answer to a request up to its Result frame.
func (c *Client) awaitResult(out io.Writer) error {
	for {
		f, err := c.recv()
		if err != nil {
			return err
		}
		switch f.typ {
		case frameOutput:
			// An out that fails must not desynchronise the stream: the
			// rest of the answer is still read.
			out.Write(f.payload)
		case framePrompt:
			c.setPrompt(f.payload)
		case frameResult:
			r, err := decodeResult(f.payload)
			if err != nil {
				return c.fail(err)
			}
			return r.err()
		default:
			return c.fail(protocolErrorf("unexpected frame %v in an answer", f.typ))
		}
	}
}

// err rebuilds the Engine contract's errors from a result: an *EvalError
// for an evaluation that failed (already shown), a bare *RemoteError for a
// failure of the session (not shown).
func (r resultMsg) err() error {
	if r.status == statusOK {
		return nil
	}
	err := &RemoteError{Msg: r.message, Interrupted: r.interrupted}
	if r.status == statusError {
		return &EvalError{Err: err}
	}
	return err
}

// Complete asks the node's session for the completions of line at pos. It
// has no way to report an error, so a broken connection completes nothing
// (and the next Eval reports it). Output that arrives meanwhile, from work
// an evaluation left running, is written with the next Eval's.
func (c *Client) Complete(line string, pos int) ([][]rune, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.send(frameComplete, completeMsg{pos: pos, line: line}.encode()) != nil {
		return nil, 0
	}
	for {
		f, err := c.recv()
		if err != nil {
			return nil, 0
		}
		switch f.typ {
		case frameOutput:
			// Output from work an earlier evaluation left running has no
			// place in a completion menu; it is shown with the next Eval's.
			c.keep(f.payload)
		case framePrompt:
			c.setPrompt(f.payload)
		case frameMatches:
			return c.decodeMatches(f.payload)
		default:
			c.fail(protocolErrorf("unexpected frame %v in an answer", f.typ))
			return nil, 0
		}
	}
}

// maxPending bounds the output a Client keeps for its next Eval.
const maxPending = 1 << 20

// keep keeps output for the next Eval, up to maxPending bytes; beyond, it
// keeps a word that output was lost rather than let memory grow.
func (c *Client) keep(p []byte) {
	switch {
	case c.lost:
	case len(c.pending)+len(p) <= maxPending:
		c.pending = append(c.pending, p...)
	default:
		c.pending = append(c.pending, "\n[output lost: too much arrived while completing]\n"...)
		c.lost = true
	}
}

func (c *Client) decodeMatches(p []byte) ([][]rune, int) {
	m, err := decodeMatches(p)
	if err != nil {
		c.fail(err)
		return nil, 0
	}
	cands := make([][]rune, len(m.candidates))
	for i, s := range m.candidates {
		cands[i] = []rune(s)
	}
	return cands, m.length
}

// send writes a request frame. A request too large to frame fails alone;
// any other write error ends the connection.
func (c *Client) send(t frameType, payload []byte) error {
	if c.err != nil {
		return c.err
	}
	err := c.fw.write(t, payload)
	if errors.Is(err, ErrFrameTooLarge) {
		return err
	}
	if err != nil {
		return c.fail(&DisconnectedError{Err: err})
	}
	return nil
}

// recv reads a frame of an answer. The node's Error frame, or the end of
// the stream, ends the connection.
func (c *Client) recv() (frame, error) {
	if c.err != nil {
		return frame{}, c.err
	}
	f, err := c.fr.next()
	if err != nil {
		if errors.Is(err, ErrProtocol) {
			return frame{}, c.fail(err)
		}
		return frame{}, c.fail(&DisconnectedError{Err: noEOF(err)})
	}
	if f.typ == frameError {
		return frame{}, c.fail(&DisconnectedError{Reason: string(f.payload)})
	}
	return f, nil
}

// fail records the connection's first failure and closes it.
func (c *Client) fail(err error) error {
	if c.err == nil {
		c.err = err
		c.nc.Close()
	}
	return c.err
}

// Close detaches: the session on the node is closed and the node keeps
// running. Close is idempotent.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		// Detach is a courtesy; a node that does not read it sees the
		// connection close, which means the same.
		c.nc.SetWriteDeadline(time.Now().Add(farewellTimeout))
		c.fw.write(frameDetach, nil)
		c.closeErr = ignoreClosed(c.nc.Close())
	})
	return c.closeErr
}
