package attach

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	fw := &frameWriter{w: &buf}
	frames := []frame{
		{frameHello, helloMsg{version: ProtocolVersion, mode: modeShell, color: true, width: 120}.encode()},
		{frameEval, []byte(`pid, _ := kv.StartLink()`)},
		{frameInterrupt, nil},
		{frameOutput, bytes.Repeat([]byte("x"), maxChunk)},
	}
	for _, f := range frames {
		if err := fw.write(f.typ, f.payload); err != nil {
			t.Fatal(err)
		}
	}
	fr := newFrameReader(&buf)
	for i, want := range frames {
		got, err := fr.next()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got.typ != want.typ || !bytes.Equal(got.payload, want.payload) {
			t.Errorf("frame %d: got %v %q, want %v %q", i, got.typ, got.payload, want.typ, want.payload)
		}
	}
	if _, err := fr.next(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	h := helloMsg{version: ProtocolVersion, mode: modeEval, color: true, width: 80}
	if got, err := decodeHello(h.encode()); err != nil || got != h {
		t.Errorf("hello: got %+v, %v; want %+v", got, err, h)
	}
	w := welcomeMsg{version: 1, node: "kv@host", pid: 4194304}
	if got, err := decodeWelcome(w.encode()); err != nil || got != w {
		t.Errorf("welcome: got %+v, %v; want %+v", got, err, w)
	}
	r := refusalMsg{code: RefusePeer, reason: "uid 65534 may not attach"}
	if got, err := decodeRefusal(r.encode()); err != nil || got != r {
		t.Errorf("refusal: got %+v, %v; want %+v", got, err, r)
	}
	c := completeMsg{pos: 3, line: ":sys.get_st"}
	if got, err := decodeComplete(c.encode()); err != nil || got != c {
		t.Errorf("complete: got %+v, %v; want %+v", got, err, c)
	}
	m := matchesMsg{length: 2, candidates: []string{"ate", "atus", ""}}
	if got, err := decodeMatches(m.encode()); err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("matches: got %+v, %v; want %+v", got, err, m)
	}
	cmd := commandMsg{name: "upgrade", args: []string{"0.2.0", ""}}
	if got, err := decodeCommand(cmd.encode()); err != nil || !reflect.DeepEqual(got, cmd) {
		t.Errorf("command: got %+v, %v; want %+v", got, err, cmd)
	}
	var lying fieldEncoder
	lying.string("x")
	lying.uvarint(1 << 30) // a billion arguments in a few bytes
	if _, err := decodeCommand(lying.b); !errors.Is(err, ErrProtocol) {
		t.Errorf("a command with a lying count: %v, want ErrProtocol", err)
	}
	em := errorMsg{code: errorStopping, text: "node kv@host is stopping"}
	if got := decodeError(em.encode()); got != em {
		t.Errorf("error: got %+v, want %+v", got, em)
	}
	res := resultMsg{status: statusError, interrupted: true, message: "interrupted"}
	if got, err := decodeResult(res.encode()); err != nil || got != res {
		t.Errorf("result: got %+v, %v; want %+v", got, err, res)
	}
}

func TestDecodeFrameTruncated(t *testing.T) {
	whole := appendFrame(nil, frameEval, []byte("1 + 1"))
	for n := range len(whole) {
		if _, _, err := decodeFrame(whole[:n]); err != io.ErrUnexpectedEOF {
			t.Errorf("decodeFrame of %d of %d bytes: %v, want io.ErrUnexpectedEOF", n, len(whole), err)
		}
		_, err := newFrameReader(bytes.NewReader(whole[:n])).next()
		want := io.ErrUnexpectedEOF
		if n == 0 {
			want = io.EOF
		}
		if err != want {
			t.Errorf("reader on %d of %d bytes: %v, want %v", n, len(whole), err, want)
		}
	}
}

func TestDecodeFrameOversized(t *testing.T) {
	hdr := binary.BigEndian.AppendUint32(nil, MaxFrameSize+1)
	// Only the header is sent: the decoder must refuse before it tries to
	// read (or allocate) the body.
	_, err := newFrameReader(bytes.NewReader(hdr)).next()
	var fse *FrameSizeError
	if !errors.As(err, &fse) || !errors.Is(err, ErrFrameTooLarge) || !errors.Is(err, ErrProtocol) {
		t.Fatalf("got %v, want a FrameSizeError", err)
	}
	if fse.Size != MaxFrameSize+1 {
		t.Errorf("Size = %d", fse.Size)
	}
	fw := &frameWriter{w: io.Discard}
	if err := fw.write(frameOutput, make([]byte, MaxFrameSize)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("writing an oversized frame: %v", err)
	}
}

func TestDecodeFrameGarbage(t *testing.T) {
	for _, in := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n", // length 0x47455420: far too large
		"\x00\x00\x00\x00",                  // empty frame
		"\x00\x00\x00\x01z",                 // unknown type
		"\x00\x00\x00\x02\x00\x00",          // type 0
	} {
		_, err := newFrameReader(strings.NewReader(in)).next()
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%q: got %v, want ErrProtocol", in, err)
		}
	}
}

func TestDecodeHello(t *testing.T) {
	later := ProtocolVersion + 1
	next := append([]byte(helloMagic), byte(later), 'x', 'y', 'z') // a later version's layout
	h, err := decodeHello(next)
	if err != nil || h.version != later {
		t.Errorf("version %d hello: got %+v, %v; want version %d and no error", later, h, err, later)
	}
	this := helloMagic + string(rune(ProtocolVersion))
	for _, bad := range [][]byte{
		nil,
		[]byte("GE"),
		[]byte("XYZ\x01s\x00\x00"),
		[]byte(helloMagic),         // no version
		[]byte(this),               // no mode
		[]byte(this + "q\x00\x00"), // unknown mode
		[]byte(this + "s\x00\xff"), // truncated varint width
	} {
		if _, err := decodeHello(bad); !errors.Is(err, ErrProtocol) {
			t.Errorf("decodeHello(%q) = %v, want ErrProtocol", bad, err)
		}
	}
}

func TestDecodeMatchesLyingCount(t *testing.T) {
	var e fieldEncoder
	e.uvarint(1)
	e.uvarint(1 << 30) // a billion candidates in two bytes
	if _, err := decodeMatches(e.b); !errors.Is(err, ErrProtocol) {
		t.Errorf("got %v, want ErrProtocol", err)
	}
}

func TestOutputWriterChunks(t *testing.T) {
	var buf bytes.Buffer
	w := newOutputWriter(&frameWriter{w: &buf}, context.Background())
	in := bytes.Repeat([]byte("0123456789"), maxChunk/4) // 2.5 chunks
	if n, err := w.Write(in); n != len(in) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	var out []byte
	fr := newFrameReader(&buf)
	frames := 0
	for {
		f, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil || f.typ != frameOutput || len(f.payload) > maxChunk {
			t.Fatalf("frame %d: %v %v len %d", frames, err, f.typ, len(f.payload))
		}
		out = append(out, f.payload...)
		frames++
	}
	if frames != 3 || !bytes.Equal(out, in) {
		t.Errorf("%d frames, %d bytes; want 3 frames, %d bytes", frames, len(out), len(in))
	}
}

// FuzzDecodeFrame feeds arbitrary bytes to the frame reader and to every
// payload decoder: none may panic or allocate beyond the frame limit, and
// every frame decoded re-encodes to the bytes it came from.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(appendFrame(nil, frameHello, helloMsg{version: 1, mode: modeShell, width: 80}.encode()))
	f.Add(appendFrame(nil, frameWelcome, welcomeMsg{version: 1, node: "kv@host", pid: 42}.encode()))
	f.Add(appendFrame(nil, frameMatches, matchesMsg{length: 1, candidates: []string{"a", "b"}}.encode()))
	f.Add(appendFrame(appendFrame(nil, frameEval, []byte("1+1")), frameResult, resultMsg{}.encode()))
	f.Add(appendFrame(nil, frameComplete, completeMsg{pos: 2, line: "ab"}.encode()))
	f.Add(appendFrame(nil, frameRefuse, refusalMsg{code: RefuseVersion, reason: "no"}.encode()))
	f.Add(appendFrame(nil, frameCommand, commandMsg{name: "upgrade", args: []string{"0.2.0"}}.encode()))
	f.Add(appendFrame(nil, frameError, errorMsg{code: errorStopping, text: "node kv@host is stopping"}.encode()))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		rest := data
		fr := newFrameReader(bytes.NewReader(data))
		for {
			f, n, err := decodeFrame(rest)
			rf, rerr := fr.next()
			if (err == nil) != (rerr == nil) {
				t.Fatalf("decodeFrame and the reader disagree: %v vs %v", err, rerr)
			}
			if err != nil {
				return
			}
			if rf.typ != f.typ || !bytes.Equal(rf.payload, f.payload) {
				t.Fatalf("decodeFrame and the reader disagree on a frame")
			}
			if got := appendFrame(nil, f.typ, f.payload); !bytes.Equal(got, rest[:n]) {
				t.Fatalf("re-encoding gave %q, want %q", got, rest[:n])
			}
			decodePayload(f)
			rest = rest[n:]
		}
	})
}

// decodePayload runs the decoder for f's type; only panics matter.
func decodePayload(f frame) {
	switch f.typ {
	case frameHello:
		decodeHello(f.payload)
	case frameWelcome:
		decodeWelcome(f.payload)
	case frameRefuse:
		decodeRefusal(f.payload)
	case frameComplete:
		decodeComplete(f.payload)
	case frameMatches:
		decodeMatches(f.payload)
	case frameResult:
		decodeResult(f.payload)
	case frameCommand:
		decodeCommand(f.payload)
	case frameError:
		decodeError(f.payload)
	}
}
