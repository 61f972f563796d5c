package attach

import (
	"bytes"
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

	"github.com/gexdev/gex/shell"
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

// Client is a connection to a running node. An attached Client is a
// shell.Engine: the node's session does the work, and a shell.Console runs
// over it exactly as over a local session. History, line editing and the
// decision to color stay with the client.
//
// A goroutine of the Client reads what the node sends, so that the end of
// the connection is noticed between requests too (see Done): a console
// idle at its prompt learns at once that the node stopped.
//
// Eval and Complete take turns; Prompt, Done, Err and Close may be called
// at any time (Close from another goroutine ends a blocked Eval).
type Client struct {
	nc   net.Conn
	fr   *frameReader // the reader goroutine's, once the handshake is done
	fw   *frameWriter
	info NodeInfo
	in   inbox
	done chan struct{} // closed when the reader ends
	read bool          // the reader was started

	// notices holds the node's Notice frames for the Console, apart from
	// the answers: a notice is shown when it comes, not with the next
	// Eval. The reader sends and, when it ends, closes.
	notices chan string

	mu      sync.Mutex // one request at a time; guards pending and lost
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
// as Client.Eval's: a failed evaluation is a *shell.EvalError, already
// written to out.
func EvalOnce(ctx context.Context, socket, line string, out io.Writer, opts ClientOptions) error {
	c, err := dial(ctx, socket, modeEval, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Eval(ctx, line, out)
}

// Control runs the control command name with args on the node listening
// on socket, copying what it writes to out as it arrives, and returns once
// the node has ended the connection: at once after most commands, after
// "stop" once the node has stopped. Cancelling ctx interrupts the command
// and bounds the wait. A command that fails gives a *CommandError with its
// message; one the node does not have matches ErrUnknownCommand.
func Control(ctx context.Context, socket, name string, args []string, out io.Writer) error {
	_, err := control(ctx, socket, name, args, out)
	return err
}

// Ping reports whether a node answers on socket, and which: it runs the
// command ping.
func Ping(ctx context.Context, socket string) (NodeInfo, error) {
	return control(ctx, socket, "ping", nil, io.Discard)
}

// StopNode asks the node listening on socket to stop, and returns once it
// has: the node ends the connection when its processes have terminated.
// ctx bounds the wait.
func StopNode(ctx context.Context, socket string) (NodeInfo, error) {
	return control(ctx, socket, "stop", nil, io.Discard)
}

func control(ctx context.Context, socket, name string, args []string, out io.Writer) (NodeInfo, error) {
	c, err := dial(ctx, socket, modeControl, ClientOptions{})
	if err != nil {
		return NodeInfo{}, err
	}
	defer c.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in.setBusy(true) // the command's output is all for out
	if err := c.send(frameCommand, commandMsg{name: name, args: args}.encode()); err != nil {
		return c.info, err
	}
	interrupt := context.AfterFunc(ctx, func() { c.fw.write(frameInterrupt, nil) })
	err = c.awaitResult(out)
	interrupt()
	if err != nil {
		if re, ok := errors.AsType[*RemoteError](err); ok {
			err = &CommandError{Command: name, Msg: re.Msg, Unknown: re.failure}
		}
		return c.info, err
	}
	// The node ends the connection once the command is done; stop's once
	// the node has stopped.
	giveUp := context.AfterFunc(ctx, func() { c.nc.SetReadDeadline(aLongTimeAgo) })
	defer giveUp()
	for {
		if _, err := c.in.get(); err != nil {
			if ctx.Err() != nil {
				return c.info, fmt.Errorf("node %s did not finish %s in time: %w", c.info.Name, name, ctx.Err())
			}
			return c.info, nil // ended by the node: the command is done
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
	c := newClient(nc)
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
	c.start()
	return c, nil
}

// start starts the reader, once the handshake is done.
func (c *Client) start() {
	c.read = true
	go c.readFrames()
}

func newClient(nc net.Conn) *Client {
	c := &Client{nc: nc, fr: newFrameReader(nc), fw: &frameWriter{w: nc}, done: make(chan struct{}),
		notices: make(chan string, maxNotices)}
	c.in.init()
	return c
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
		return disconnected(f.payload)
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
	f, err = c.fr.next()
	if err != nil {
		return &DisconnectedError{Err: noEOF(err)}
	}
	if f.typ == frameError {
		return disconnected(f.payload)
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
// in order. Errors follow the Engine contract: a failed evaluation is a
// *shell.EvalError (its text already written to out), a failure of the node's
// session a *RemoteError, a lost connection a *DisconnectedError; an
// interrupted evaluation's error also matches context.Canceled.
func (c *Client) Eval(ctx context.Context, line string, out io.Writer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.in.setBusy(true)
	defer c.in.setBusy(false)
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

var _ shell.Interrupter = (*Client)(nil)

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
		case frameOutputLost:
			io.WriteString(out, outputLostNote)
		default:
			return c.fail(protocolErrorf("unexpected frame %v in an answer", f.typ))
		}
	}
}

// err rebuilds the Engine contract's errors from a result: a
// *shell.EvalError for an evaluation that failed (already shown), a bare
// *RemoteError for a failure of the session (not shown).
func (r resultMsg) err() error {
	if r.status == statusOK {
		return nil
	}
	err := &RemoteError{Msg: r.message, Interrupted: r.interrupted, failure: r.status == statusFailure}
	if r.status == statusError {
		return &shell.EvalError{Err: err}
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
	c.in.setBusy(true)
	defer c.in.setBusy(false)
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
		case frameOutputLost:
			c.keep([]byte(outputLostNote))
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

// maxPending bounds the output a Client keeps for its next Eval, from a
// Complete or from between requests.
const maxPending = 1 << 20

// outputLostNote stands for output dropped beyond maxPending.
const outputLostNote = "\n[output lost: too much arrived between evaluations]\n"

// keep keeps output for the next Eval, up to maxPending bytes; beyond, it
// keeps a word that output was lost rather than let memory grow.
func (c *Client) keep(p []byte) {
	switch {
	case c.lost:
	case len(c.pending)+len(p) <= maxPending:
		c.pending = append(c.pending, p...)
	default:
		c.pending = append(c.pending, outputLostNote...)
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
	if err := c.in.failed(); err != nil {
		return err
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

// recv takes the next frame of an answer from the reader. The node's Error
// frame, or the end of the stream, ends the connection.
func (c *Client) recv() (frame, error) { return c.in.get() }

// read reads what the node sends until the connection ends, and then
// records why and closes Done. It is the Client's goroutine; Close ends it.
func (c *Client) readFrames() {
	defer close(c.done)
	defer close(c.notices)
	for {
		f, err := c.fr.next()
		switch {
		case errors.Is(err, ErrProtocol):
			c.fail(err)
			return
		case err != nil:
			c.fail(&DisconnectedError{Err: noEOF(err)})
			return
		case f.typ == frameError:
			c.fail(disconnected(f.payload))
			return
		case f.typ == frameNotice:
			c.notice(string(f.payload))
			continue
		}
		c.in.put(frame{typ: f.typ, payload: bytes.Clone(f.payload)})
	}
}

// maxNotices is how many notices a Client keeps for a Console that has
// not taken them yet; later ones are dropped, so that the reader, which
// must see the node's last word at once, never waits for the terminal.
const maxNotices = 16

// notice queues a Notice for Notices, or drops it.
func (c *Client) notice(text string) {
	select {
	case c.notices <- text:
	default:
	}
}

var _ shell.Notifier = (*Client)(nil)

// Notices returns the node's notices to this session as they come: the
// reloads of its watcher (see shell.Notifier). The channel is closed when
// the connection ends.
func (c *Client) Notices() <-chan string { return c.notices }

// disconnected is the error for the node's Error frame.
func disconnected(payload []byte) error {
	m := decodeError(payload)
	return &DisconnectedError{Reason: m.text, Stopped: m.code == errorStopping}
}

// fail records the connection's first failure and closes it.
func (c *Client) fail(err error) error {
	err = c.in.end(err)
	c.nc.Close()
	return err
}

// Done is closed when the connection to the node has ended: the node
// stopped (Err matches ErrNodeStopped), the connection broke, or Close.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err says why the connection ended, once Done is closed; nil before.
func (c *Client) Err() error { return c.in.failed() }

// Close detaches: the session on the node is closed and the node keeps
// running. Close is idempotent.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		// Detach is a courtesy; a node that does not read it sees the
		// connection close, which means the same.
		c.nc.SetWriteDeadline(time.Now().Add(farewellTimeout))
		c.fw.write(frameDetach, nil)
		c.closeErr = ignoreClosed(c.nc.Close())
		c.in.end(&DisconnectedError{Err: net.ErrClosed})
		if c.read {
			<-c.done
		}
	})
	return c.closeErr
}

// frameOutputLost is no frame of the wire: the inbox puts it in place of
// output it dropped.
const frameOutputLost frameType = 0

// maxQueued bounds the bytes the reader queues for a request before it
// waits for the request to take them: the node's output then waits in the
// socket, and a slow terminal slows the node's sending, not the client's
// memory.
const maxQueued = 256 << 10

// inbox holds the frames the reader has read, in order, for the request in
// progress; between requests it keeps output for the next one, up to
// maxPending bytes, so that the reader never stops reading and sees the
// node's last word at once. Its first error (the connection's end) sticks.
type inbox struct {
	mu     sync.Mutex
	cond   sync.Cond
	frames []frame
	size   int  // payload bytes in frames
	busy   bool // a request is taking frames
	lost   bool // output was dropped since the last request
	err    error
}

func (b *inbox) init() { b.cond.L = &b.mu }

// put queues f. While a request runs it waits for room; between requests
// it drops output beyond maxPending instead.
func (b *inbox) put(f frame) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.busy && b.size >= maxQueued && b.err == nil {
		b.cond.Wait()
	}
	if b.err != nil {
		return
	}
	if !b.busy && f.typ == frameOutput && b.size+len(f.payload) > maxPending {
		if !b.lost {
			b.lost = true
			b.frames = append(b.frames, frame{typ: frameOutputLost})
		}
		return
	}
	b.frames = append(b.frames, f)
	b.size += len(f.payload)
	b.cond.Broadcast()
}

// get takes the next frame, waiting for one; after the connection's end,
// and the frames before it, it returns the error that ended it.
func (b *inbox) get() (frame, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.frames) == 0 && b.err == nil {
		b.cond.Wait()
	}
	if len(b.frames) == 0 {
		return frame{}, b.err
	}
	f := b.frames[0]
	b.frames[0] = frame{}
	b.frames = b.frames[1:]
	b.size -= len(f.payload)
	b.cond.Broadcast()
	return f, nil
}

func (b *inbox) setBusy(busy bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.busy = busy
	if busy {
		b.lost = false
	}
	b.cond.Broadcast()
}

// end records why the connection ended, unless it is recorded already, and
// returns the error recorded.
func (b *inbox) end(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
	b.cond.Broadcast()
	return b.err
}

// failed returns the connection's end, or nil while it lasts.
func (b *inbox) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}
