package attach

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// ProtocolVersion is the version of the attach protocol this package speaks.
// A node refuses a client that names another version; see the package doc.
const ProtocolVersion = 3

// MaxFrameSize bounds the type byte plus payload of one frame. The decoder
// rejects a larger length before allocating, so garbage on the socket costs
// the node at most this much memory per connection.
const MaxFrameSize = 1 << 20

// maxNotice bounds a Notice payload: a notice is a line or a few, and one
// longer (a save with many compile errors) is cut rather than fail to
// frame.
const maxNotice = 8 << 10

// maxChunk is the largest Output payload a writer sends in one frame; larger
// writes are split so one long output never approaches MaxFrameSize, and
// an interrupt is acted on between two chunks.
const maxChunk = 32 << 10

// helloMagic opens every Hello payload, in every protocol version, so a
// node can tell a confused program (or an HTTP client) from an old Gex.
const helloMagic = "GEX"

// frameType is the byte after a frame's length. The values are printable
// letters so a hex dump of a session is readable.
type frameType byte

// Client to node.
const (
	frameHello     frameType = 'H' // handshake: magic, version, mode, terminal facts
	frameEval      frameType = 'E' // evaluate a line (payload: the line)
	frameComplete  frameType = 'C' // completion request: cursor position, line
	frameInterrupt frameType = 'I' // cancel this client's running evaluation
	frameDetach    frameType = 'D' // the client leaves; the node keeps running
	frameCommand   frameType = 'X' // run a control command (control mode): name, args
)

// Node to client.
const (
	frameWelcome frameType = 'W' // handshake accepted: version, node name, OS pid
	frameRefuse  frameType = 'R' // handshake refused: code, reason; then close
	frameOutput  frameType = 'O' // bytes the evaluation wrote
	framePrompt  frameType = 'P' // the prompt to show next
	frameMatches frameType = 'M' // completion response: length, candidates
	frameResult  frameType = 'F' // an evaluation or stop finished: status, message
	frameNotice  frameType = 'N' // lines to show at once, at any time (a reload on save)
	frameError   frameType = '!' // the node ends the connection: code, message; then close
)

func (t frameType) known() bool {
	switch t {
	case frameHello, frameEval, frameComplete, frameInterrupt, frameDetach, frameCommand,
		frameWelcome, frameRefuse, frameOutput, framePrompt, frameMatches, frameResult, frameNotice, frameError:
		return true
	}
	return false
}

func (t frameType) String() string {
	if t >= ' ' && t <= '~' {
		return fmt.Sprintf("%q", rune(t))
	}
	return fmt.Sprintf("0x%02x", byte(t))
}

// frame is one decoded frame. Its payload aliases the reader's buffer and is
// valid only until the next read.
type frame struct {
	typ     frameType
	payload []byte
}

// decodeFrame decodes the frame at the start of b and reports how many bytes
// it used. It returns io.ErrUnexpectedEOF when b holds only part of a frame.
func decodeFrame(b []byte) (frame, int, error) {
	if len(b) < 4 {
		return frame{}, 0, io.ErrUnexpectedEOF
	}
	n, err := frameLen(b[:4])
	if err != nil {
		return frame{}, 0, err
	}
	if len(b) < 4+n {
		return frame{}, 0, io.ErrUnexpectedEOF
	}
	f := frame{typ: frameType(b[4]), payload: b[5 : 4+n]}
	if !f.typ.known() {
		return frame{}, 0, protocolErrorf("unknown frame type %v", f.typ)
	}
	return f, 4 + n, nil
}

// frameLen validates a frame header and returns the length it announces.
func frameLen(hdr []byte) (int, error) {
	return frameLenMax(hdr, MaxFrameSize)
}

// frameLenMax is frameLen with a lower limit than MaxFrameSize.
func frameLenMax(hdr []byte, limit int) (int, error) {
	n := binary.BigEndian.Uint32(hdr)
	if n == 0 {
		return 0, protocolErrorf("empty frame")
	}
	if int64(n) > int64(limit) {
		return 0, &FrameSizeError{Size: int64(n), Max: int64(limit)}
	}
	return int(n), nil
}

// appendFrame appends the encoding of a frame to dst.
func appendFrame(dst []byte, t frameType, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(1+len(payload)))
	dst = append(dst, byte(t))
	return append(dst, payload...)
}

// maxHelloFrame bounds the frames a node reads before a handshake has
// succeeded: a Hello is a few bytes, and a peer not yet identified must not
// make the node allocate MaxFrameSize by announcing it.
const maxHelloFrame = 4 << 10

// frameReader reads frames from a stream, reusing one buffer.
type frameReader struct {
	r   *bufio.Reader
	buf []byte
	max int // the largest frame accepted; MaxFrameSize unless lowered
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: bufio.NewReader(r), max: MaxFrameSize}
}

// next reads one frame. A stream that ends cleanly between frames gives
// io.EOF; one that ends inside a frame gives io.ErrUnexpectedEOF.
func (fr *frameReader) next() (frame, error) {
	if cap(fr.buf) > 2*maxChunk {
		// The last frame, now invalid, was large (a long eval line): do
		// not pin its buffer while waiting, perhaps for ever, for the next.
		fr.buf = nil
	}
	var hdr [5]byte
	if _, err := io.ReadFull(fr.r, hdr[:4]); err != nil {
		return frame{}, err
	}
	n, err := frameLenMax(hdr[:4], fr.max)
	if err != nil {
		return frame{}, err
	}
	if cap(fr.buf) < n {
		fr.buf = make([]byte, n)
	}
	fr.buf = fr.buf[:n]
	if _, err := io.ReadFull(fr.r, fr.buf); err != nil {
		return frame{}, noEOF(err)
	}
	f := frame{typ: frameType(fr.buf[0]), payload: fr.buf[1:]}
	if !f.typ.known() {
		return frame{}, protocolErrorf("unknown frame type %v", f.typ)
	}
	return f, nil
}

// noEOF turns a clean EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// frameWriter writes whole frames to a stream shared by several goroutines:
// each frame goes out in one Write, so frames never interleave. After its
// last frame (see final) it writes nothing more.
type frameWriter struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	sealed bool // final has written the connection's last frame
}

// errSealed: a frame written after the connection's last one.
var errSealed = errors.New("attach: connection ending")

func (fw *frameWriter) write(t frameType, payload []byte) error {
	if 1+len(payload) > MaxFrameSize {
		return &FrameSizeError{Size: int64(1 + len(payload)), Max: MaxFrameSize}
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.sealed {
		return errSealed
	}
	return fw.writeLocked(t, payload)
}

// final writes the last frame of a connection, an Error, unless one was
// written already: whatever other goroutines write afterwards (the rest of
// an interrupted evaluation's output) is dropped, so the client reads the
// Error frame last.
func (fw *frameWriter) final(t frameType, payload []byte) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if !fw.sealed {
		fw.sealed = true
		fw.writeLocked(t, payload)
	}
}

func (fw *frameWriter) writeLocked(t frameType, payload []byte) error {
	fw.buf = appendFrame(fw.buf[:0], t, payload)
	_, err := fw.w.Write(fw.buf)
	if cap(fw.buf) > 2*maxChunk {
		fw.buf = nil // do not pin a large eval line for the life of the connection
	}
	return err
}

// outputWriter is the io.Writer an evaluation or a command writes to: every
// Write becomes Output frames, at most maxChunk bytes each. Once ctx is done
// (an Interrupt, or the client gone) it lets through only a chunk's worth
// more, enough for the engine to say it was interrupted, and then refuses
// with ctx's error: a long result stops going out within a chunk of the
// interrupt, however the caller treats the error.
type outputWriter struct {
	fw  *frameWriter
	ctx context.Context

	mu    sync.Mutex // work an evaluation left running may write too
	grace int        // bytes let through since ctx was done
	cut   bool       // output was refused
}

func newOutputWriter(fw *frameWriter, ctx context.Context) *outputWriter {
	return &outputWriter{fw: fw, ctx: ctx}
}

func (o *outputWriter) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), maxChunk)]
		if err := o.ctx.Err(); err != nil {
			if o.grace+len(chunk) > maxChunk {
				o.cut = true
				return n, err
			}
			o.grace += len(chunk)
		}
		if err := o.fw.write(frameOutput, chunk); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// wasCut reports whether output was refused after an interrupt.
func (o *outputWriter) wasCut() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cut
}

// Modes a client names in its Hello.
type clientMode byte

const (
	modeShell   clientMode = 's' // an interactive session: prompt, eval, completion
	modeEval    clientMode = 'e' // one evaluation, then the client closes
	modeControl clientMode = 'c' // no session: one control command (ping, stop, ...)
)

// helloMsg is the first frame a client sends.
type helloMsg struct {
	version int
	mode    clientMode
	color   bool // the client's terminal shows colors
	width   int  // the client's terminal width in columns; 0 if unknown
}

const helloColor = 1 << 0 // flag bits

func (h helloMsg) encode() []byte {
	var e fieldEncoder
	e.b = append(e.b, helloMagic...)
	e.uvarint(uint64(h.version))
	e.byte(byte(h.mode))
	var flags byte
	if h.color {
		flags |= helloColor
	}
	e.byte(flags)
	e.uvarint(uint64(h.width))
	return e.b
}

// decodeHello reads the magic and version first, the only fields every
// protocol version shares, so a wrong version is reported as such rather
// than as garbage in fields it lays out differently.
func decodeHello(p []byte) (helloMsg, error) {
	if len(p) < len(helloMagic) || string(p[:len(helloMagic)]) != helloMagic {
		return helloMsg{}, protocolErrorf("not a Gex client (bad helloMsg)")
	}
	d := fieldDecoder{b: p[len(helloMagic):]}
	h := helloMsg{version: d.int()}
	if d.err != nil || h.version != ProtocolVersion {
		return h, d.err
	}
	h.mode = clientMode(d.byte())
	flags := d.byte()
	h.color = flags&helloColor != 0
	h.width = d.int()
	if d.err == nil {
		switch h.mode {
		case modeShell, modeEval, modeControl:
		default:
			d.err = protocolErrorf("unknown mode %q", byte(h.mode))
		}
	}
	return h, d.err
}

// welcomeMsg is the node's answer to an accepted hello.
type welcomeMsg struct {
	version int
	node    string // the node's name, e.g. "kv@host"
	pid     int    // the node's OS process id
}

func (w welcomeMsg) encode() []byte {
	var e fieldEncoder
	e.uvarint(uint64(w.version))
	e.string(w.node)
	e.uvarint(uint64(w.pid))
	return e.b
}

func decodeWelcome(p []byte) (welcomeMsg, error) {
	d := fieldDecoder{b: p}
	w := welcomeMsg{version: d.int(), node: d.string(), pid: d.int()}
	return w, d.err
}

// refusalMsg is the node's answer to a hello it does not accept.
type refusalMsg struct {
	code   RefuseCode
	reason string
}

func (r refusalMsg) encode() []byte {
	var e fieldEncoder
	e.byte(byte(r.code))
	e.b = append(e.b, r.reason...)
	return e.b
}

func decodeRefusal(p []byte) (refusalMsg, error) {
	d := fieldDecoder{b: p}
	r := refusalMsg{code: RefuseCode(d.byte())}
	r.reason = string(d.rest())
	return r, d.err
}

// completeMsg asks for the completions of line with the cursor at pos.
type completeMsg struct {
	pos  int
	line string
}

func (c completeMsg) encode() []byte {
	var e fieldEncoder
	e.uvarint(uint64(c.pos))
	e.b = append(e.b, c.line...)
	return e.b
}

func decodeComplete(p []byte) (completeMsg, error) {
	d := fieldDecoder{b: p}
	c := completeMsg{pos: d.int()}
	c.line = string(d.rest())
	return c, d.err
}

// matchesMsg answers a completeMsg in readline's terms: each candidate is
// the text to insert, and length is how many runes before the cursor they
// replace.
type matchesMsg struct {
	length     int
	candidates []string
}

func (m matchesMsg) encode() []byte {
	var e fieldEncoder
	e.uvarint(uint64(m.length))
	e.uvarint(uint64(len(m.candidates)))
	for _, c := range m.candidates {
		e.string(c)
	}
	return e.b
}

func decodeMatches(p []byte) (matchesMsg, error) {
	d := fieldDecoder{b: p}
	m := matchesMsg{length: d.int()}
	n := d.int()
	// Each candidate takes at least one byte, which bounds n by what is left
	// and keeps a lying count from allocating.
	if d.err == nil && n > len(d.b) {
		d.err = protocolErrorf("%d completions in %d bytes", n, len(d.b))
	}
	for i := 0; i < n && d.err == nil; i++ {
		m.candidates = append(m.candidates, d.string())
	}
	return m, d.err
}

// resultStatus says how an evaluation ended.
type resultStatus byte

const (
	statusOK      resultStatus = 0
	statusError   resultStatus = 1 // the evaluation failed and the session has shown why
	statusFailure resultStatus = 2 // the session itself failed; message says why, unshown
)

// resultMsg ends the answer to an Eval or a Stop.
type resultMsg struct {
	status      resultStatus
	interrupted bool // an Interrupt cancelled the evaluation
	message     string
}

const resultInterrupted = 1 << 0 // flag bits

func (r resultMsg) encode() []byte {
	var e fieldEncoder
	e.byte(byte(r.status))
	var flags byte
	if r.interrupted {
		flags |= resultInterrupted
	}
	e.byte(flags)
	e.b = append(e.b, r.message...)
	return e.b
}

func decodeResult(p []byte) (resultMsg, error) {
	d := fieldDecoder{b: p}
	r := resultMsg{status: resultStatus(d.byte())}
	r.interrupted = d.byte()&resultInterrupted != 0
	r.message = string(d.rest())
	if d.err == nil && r.status > statusFailure {
		d.err = protocolErrorf("unknown result status %d", r.status)
	}
	return r, d.err
}

// commandMsg asks for a control command: its name and arguments.
type commandMsg struct {
	name string
	args []string
}

func (c commandMsg) encode() []byte {
	var e fieldEncoder
	e.string(c.name)
	e.uvarint(uint64(len(c.args)))
	for _, a := range c.args {
		e.string(a)
	}
	return e.b
}

func decodeCommand(p []byte) (commandMsg, error) {
	d := fieldDecoder{b: p}
	c := commandMsg{name: d.string()}
	n := d.int()
	// Each argument takes at least one byte, which bounds n by what is
	// left and keeps a lying count from allocating.
	if d.err == nil && n > len(d.b) {
		d.err = protocolErrorf("%d arguments in %d bytes", n, len(d.b))
	}
	for i := 0; i < n && d.err == nil; i++ {
		c.args = append(c.args, d.string())
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = protocolErrorf("%d bytes after a command's arguments", len(d.b))
	}
	return c, d.err
}

// errorCode says why the node ends a connection with an Error frame.
type errorCode byte

const (
	errorProtocol errorCode = 1 // the client broke the protocol
	errorStopping errorCode = 2 // the node is stopping
)

// errorMsg is the node's last word on a connection.
type errorMsg struct {
	code errorCode
	text string
}

func (m errorMsg) encode() []byte {
	return append([]byte{byte(m.code)}, m.text...)
}

func decodeError(p []byte) errorMsg {
	if len(p) == 0 {
		return errorMsg{code: errorProtocol}
	}
	return errorMsg{code: errorCode(p[0]), text: string(p[1:])}
}

// fieldEncoder appends payload fields: unsigned varints, and strings as a
// varint length followed by the bytes.
type fieldEncoder struct{ b []byte }

func (e *fieldEncoder) byte(c byte)      { e.b = append(e.b, c) }
func (e *fieldEncoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *fieldEncoder) string(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// fieldDecoder reads payload fields. The first failure sticks; later reads
// return zero values, so a decode function checks err once at the end.
type fieldDecoder struct {
	b   []byte
	err error
}

func (d *fieldDecoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail("byte")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// int reads a uvarint that must fit in an int32 on every platform. Callers
// that use it as a length or count check it against what is left.
func (d *fieldDecoder) int() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > math.MaxInt32 {
		d.fail("number")
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *fieldDecoder) string() string {
	n := d.int()
	if d.err != nil || n > len(d.b) {
		d.fail("string")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// rest takes every byte left; the last field of several payloads is raw text.
func (d *fieldDecoder) rest() []byte {
	r := d.b
	d.b = nil
	return r
}

// fail records the first malformed field; later ones are noise.
func (d *fieldDecoder) fail(what string) {
	if d.err == nil {
		d.err = protocolErrorf("truncated or bad %s", what)
	}
}
