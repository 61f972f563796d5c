package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// testNode starts a node with a code server whose path holds dirs.
func testNode(t testing.TB, dirs ...string) (*node.Node, *code.Server) {
	t.Helper()
	n, err := node.Start(node.Options{
		Name:   "test@localhost",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n, code.New(n, code.Options{Path: dirs})
}

// testSession starts a node and a session on it.
func testSession(t testing.TB, opts SessionOptions, dirs ...string) *Session {
	t.Helper()
	n, cs := testNode(t, dirs...)
	return newTestSession(t, n, cs, opts)
}

func newTestSession(t testing.TB, n *node.Node, cs *code.Server, opts SessionOptions) *Session {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	s, err := NewSession(n, cs, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sessionEval types line and returns what the session showed.
func sessionEval(t testing.TB, s *Session, line string) string {
	t.Helper()
	var out bytes.Buffer
	s.Eval(context.Background(), line, &out)
	return out.String()
}

// expect types each line and checks what the session shows for it.
func expect(t *testing.T, s *Session, pairs ...string) {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if got := sessionEval(t, s, pairs[i]); got != pairs[i+1] {
			t.Errorf("%s\n got: %q\nwant: %q", pairs[i], got, pairs[i+1])
		}
	}
}

func TestSessionPrompt(t *testing.T) {
	s := testSession(t, SessionOptions{})
	steps := []struct{ line, prompt string }{
		{"", "gex(test@localhost)1> "}, // an empty line is no input
		{"1", "gex(test@localhost)2> "},
		{"f(1,", "...(2)> "},
		{"", "...(2)> "},
		{BreakInput, "gex(test@localhost)2> "},
		{"[]int{", "...(2)> "},
		{"1}", "gex(test@localhost)3> "},
		{"undefined", "gex(test@localhost)4> "}, // errors count too
	}
	if p := s.Prompt(); p != "gex(test@localhost)1> " {
		t.Fatalf("first prompt %q", p)
	}
	for _, st := range steps {
		sessionEval(t, s, st.line)
		if p := s.Prompt(); p != st.prompt {
			t.Errorf("after %q: prompt %q, want %q", st.line, p, st.prompt)
		}
	}
}

func TestSessionErrors(t *testing.T) {
	s := testSession(t, SessionOptions{})
	ctx := context.Background()
	var ee *EvalError
	var out bytes.Buffer
	if err := s.Eval(ctx, "1 + 1", &out); err != nil {
		t.Errorf("success returned %v", err)
	}
	if err := s.Eval(ctx, "nope", &out); !errors.As(err, &ee) {
		t.Errorf("compile error returned %v, want an *EvalError", err)
	}
	var ie *InputError
	if !errors.As(err(s, "x := 1 +\n)"), &ie) || ie.Line != 2 {
		t.Errorf("syntax error on line 2: %#v", ie)
	}
	var pe *PanicError
	if e := err(s, `panic("boom")`); !errors.As(e, &pe) || fmt.Sprint(pe.Value) != "boom" {
		t.Errorf("panic returned %v (%T)", e, pe.Value)
	}
	if e := err(s, "go func() {}()"); !errors.Is(e, ErrGoStmt) {
		t.Errorf("go statement returned %v", e)
	}
	if e := err(s, ":sys.nope x"); !errors.Is(e, ErrForm) {
		t.Errorf("bad form returned %v", e)
	}
	if e := err(s, `strconv.Atoi("x")`); !errors.Is(e, strconv.ErrSyntax) {
		t.Errorf("(int, error) with an error returned %v", e)
	}
	// The session is still usable.
	expect(t, s, "2 * 21", "42\n")
}

func err(s *Session, src string) error {
	return s.Eval(context.Background(), src, io.Discard)
}

func TestSessionEvalOnce(t *testing.T) {
	s := testSession(t, SessionOptions{EvalOnce: true})
	if e := err(s, "f(1,"); !errors.Is(e, ErrIncomplete) {
		t.Errorf("unfinished one-shot input returned %v", e)
	}
	expect(t, s, "1 +\n2", "3\n")
}

func TestSessionVariablesSurviveRecycling(t *testing.T) {
	// With a fresh interpreter every two inputs, every kind of session
	// state must carry over.
	s := testSession(t, SessionOptions{RecycleAfter: 2})
	expect(t, s,
		"type Employee struct { Name string; Money int }", "",
		`e := Employee{"blackode", 1}`, `{Name: "blackode", Money: 1}`+"\n",
		"n := 5", "5\n",
		"func addN(x int) int { return x + n }", "",
		"var none *Employee", "nil\n",
		"var failed error", "nil\n",
		`m := map[string]int{"a": 1}`, `map[string]int{"a": 1}`+"\n",
		`import "unicode"`, "",
		`import str "strings"`, "",
		"const limit = 10", "",
	)
	for i := range 5 {
		expect(t, s,
			"n = n + 1", fmt.Sprintf("%d\n", 6+i), "e.Money", "1\n",
			"none == nil", "true\n",
			"failed == nil", "true\n",
			`m["a"]`, "1\n",
			"unicode.IsUpper('A')", "true\n",
			`str.ToUpper("a")`, `"A"`+"\n",
			"limit", "10\n",
		)
	}
	expect(t, s,
		"n", "10\n",
		"addN(1)", "11\n",
		`Employee{"x", 2}.Money`, "2\n",
	)
}

func TestSessionInterrupt(t *testing.T) {
	s := testSession(t, SessionOptions{})
	expect(t, s, "x := 41", "41\n")
	for _, src := range []string{
		"for {}",                // interpreted: stops at its next step
		"time.Sleep(time.Hour)", // compiled: goes on; the session moves on
		"x = 0; select {}",      // the assignment is undone with the rest
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		var out bytes.Buffer
		e := s.Eval(ctx, src, &out)
		cancel()
		if !errors.Is(e, context.DeadlineExceeded) || !strings.HasPrefix(out.String(), "** (interrupted)") {
			t.Errorf("%s: returned %v, showed %q", src, e, out.String())
		}
		expect(t, s, "x + 1", "42\n")
	}
}

func TestSessionsAreIsolated(t *testing.T) {
	kv, _ := filepath.Abs("../examples/kv")
	n, cs := testNode(t, kv)
	a := newTestSession(t, n, cs, SessionOptions{})
	b := newTestSession(t, n, cs, SessionOptions{})
	expect(t, a, "secret := 1", "1\n", "kv.StartLink()", "#PID<0.3.0>\n", `kv.Put("k", "v")`, ":ok\n")
	expect(t, b, "secret", "** (error) 1:1: undefined: secret\n", `kv.Get("k")`, `"v"`+"\n")
	if a.Prompt() != "gex(test@localhost)4> " || b.Prompt() != "gex(test@localhost)3> " {
		t.Errorf("prompts %q, %q", a.Prompt(), b.Prompt())
	}
}

func TestSessionReloadAddsFunction(t *testing.T) {
	dir := t.TempDir()
	write := func(src string) {
		if err := os.WriteFile(filepath.Join(dir, "counter.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package counter\n\nconst Vsn = \"1\"\n\nfunc One() int { return 1 }\n")
	s := testSession(t, SessionOptions{Dir: dir}, dir)
	expect(t, s, "counter.One()", "1\n", "f := counter.One", "func() int {...}\n")
	write("package counter\n\nconst Vsn = \"2\"\n\nfunc One() int { return 10 }\n\nfunc Two() int { return 2 }\n")
	expect(t, s,
		"r Counter", "warning: redefining module Counter (current version loaded from counter.go)\n"+`[]string{"counter"}`+"\n",
		"counter.Two()", "2\n",
		"f()", "10\n", // a function value taken before the reload reaches the new code
	)
	write("package counter\n\nconst Vsn = \"3\"\n\nfunc One() int { return nope }\n")
	expect(t, s,
		"r Counter", "** (error) counter.go:5:25: undefined: nope\n",
		"counter.One()", "10\n", // a version that does not compile changes nothing
	)
}

func TestSessionComplete(t *testing.T) {
	kv, _ := filepath.Abs("../examples/kv")
	s := testSession(t, SessionOptions{}, kv)
	sessionEval(t, s, "kv.StartLink()")
	sessionEval(t, s, "employee := map[string]int{}")
	tests := []struct {
		line string
		want []string
		n    int
	}{
		{"recom", []string{"pile"}, 5},
		{"emp", []string{"loyee"}, 3},
		{"kv.", []string{"Get", "HandleCall", "Init", "Put", "StartLink", "Vsn"}, 0},
		{"x := kv.P", []string{"ut"}, 1},
		{":sys.get_st", []string{"ate", "atus"}, 11},
		{":code.all", []string{"_loaded"}, 9},
		{"strings.TrimS", []string{"pace", "uffix"}, 5},
		{"sys.GetS", []string{"tate", "tatus"}, 4},
		{"runtime_i", []string{"nfo"}, 9},
	}
	for _, tt := range tests {
		cands, n := s.Complete(tt.line, len([]rune(tt.line)))
		var got []string
		for _, c := range cands {
			got = append(got, string(c))
		}
		if !slices.Equal(got, tt.want) || n != tt.n {
			t.Errorf("Complete(%q) = %q, %d; want %q, %d", tt.line, got, n, tt.want, tt.n)
		}
	}
}

func TestSessionColor(t *testing.T) {
	s := testSession(t, SessionOptions{Color: true})
	if got := sessionEval(t, s, "42"); got != "\x1b[33m42\x1b[0m\n" {
		t.Errorf("colored result %q", got)
	}
	if got := sessionEval(t, s, "nope"); !strings.HasPrefix(got, "\x1b[31m** (error)") {
		t.Errorf("colored error %q", got)
	}
}

func TestSessionGoexit(t *testing.T) {
	s := testSession(t, SessionOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.Eval(ctx, "runtime.Goexit()", io.Discard)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("runtime.Goexit() hung the evaluation until its deadline: %v", err)
	}
	if err == nil {
		t.Fatal("runtime.Goexit() succeeded")
	}
	expect(t, s, "2 * 21", "42\n")
}

// A go statement is refused however the input is written: after a package
// clause the interpreter reads a whole file and runs its init.
func TestSessionRefusesGoAfterPackageClause(t *testing.T) {
	s := testSession(t, SessionOptions{})
	err := s.Eval(context.Background(), "package main\nfunc init() { go func() {}() }", io.Discard)
	if !errors.Is(err, ErrGoStmt) {
		t.Fatalf("a go statement after a package clause: %v, want ErrGoStmt", err)
	}
	expect(t, s,
		"package main\nfunc f() int { return 1 }", "",
		"f()", "1\n",
		"package main\nfunc g() { x }", "** (error) 2:12: undefined: x\n",
	)
}

// A helper blocked in compiled code, here c of a module whose init blocks,
// is interrupted like Go input, and the session goes on.
func TestSessionInterruptsBlockedHelper(t *testing.T) {
	dir := t.TempDir()
	src := "package hang\n\nimport \"time\"\n\nfunc init() { time.Sleep(time.Hour) }\n\nfunc X() int { return 1 }\n"
	if err := os.WriteFile(dir+"/hang.go", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	n, cs := testNode(t, dir)
	s := newTestSession(t, n, cs, SessionOptions{Dir: dir})
	for _, line := range []string{`c "hang.go"`, `:code.load_file hang`} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		done := make(chan error, 1)
		go func() { done <- s.Eval(ctx, line, io.Discard) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("interrupted %s: %v", line, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf(`%s still runs 5 s after its context was cancelled`, line)
		}
		cancel()
		expect(t, s, "2 * 21", "42\n")
	}
}

// A panic in a function given to time.AfterFunc or context.AfterFunc,
// which compiled code calls on a goroutine of its own, would stop the
// node; it is a process's, and the node's log reports it.
func TestSessionAfterFuncRunsInProcess(t *testing.T) {
	var log lockedBuffer
	n, err := node.Start(node.Options{Name: "test@localhost", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	s := newTestSession(t, n, nil, SessionOptions{})
	for i, line := range []string{
		`_ = time.AfterFunc(0, func() { panic("boom 1") })`,
		`ctx, cancel := context.WithCancel(context.Background()); _ = context.AfterFunc(ctx, func() { panic("boom 2") }); cancel()`,
	} {
		if out := sessionEval(t, s, line); strings.Contains(out, "** (") {
			t.Fatalf("%s: %s", line, out)
		}
		// Before the next input: the interpreter cannot start a run
		// while a function of its own runs elsewhere without a data race.
		eventually(t, func() bool { return strings.Contains(log.String(), fmt.Sprintf("boom %d", i+1)) })
	}
	if out := sessionEval(t, s, "2 * 21"); !strings.HasSuffix(out, "42\n") {
		t.Errorf("2 * 21 after the crashes showed %q", out)
	}
}

// Output written between inputs is held for the next one, and beyond a
// bound dropped with a note, rather than written where no one may read.
func TestSessionHoldsOutputBetweenInputs(t *testing.T) {
	s := testSession(t, SessionOptions{})
	sessionEval(t, s, `_, _ = time.Now(), fmt.Sprint(strings.ToUpper("warm up"))`)
	for _, tt := range []struct {
		print string
		n     int // bytes printed
		want  string
	}{
		{`fmt.Println("later")`, 6, "later\n"},
		{`fmt.Print(strings.Repeat("x", 64<<10)); fmt.Print("yy")`, 64<<10 + 2, strings.Repeat("x", 64<<10) + "\n... 2 bytes of output dropped\n"},
	} {
		sessionEval(t, s, `_ = time.AfterFunc(100*time.Millisecond, func() { `+tt.print+` })`)
		eventually(t, func() bool {
			s.out.mu.Lock()
			defer s.out.mu.Unlock()
			return s.out.held.Len()+s.out.dropped == tt.n
		})
		if got, want := sessionEval(t, s, "1"), tt.want+"1\n"; got != want {
			t.Errorf("after %s between inputs, the next showed %.80q, want %.80q", tt.print, got[max(0, len(got)-80):], want[max(0, len(want)-80):])
		}
	}
}

func TestSessionDropsOverlongInput(t *testing.T) {
	s := testSession(t, SessionOptions{})
	sessionEval(t, s, "s := `")
	if s.Prompt() != "...(1)> " {
		t.Fatalf("prompt %q in an open raw string", s.Prompt())
	}
	err := s.Eval(context.Background(), strings.Repeat("a", maxInputBytes), io.Discard)
	if !errors.Is(err, ErrInputTooLong) {
		t.Errorf("unfinished input of %d bytes: %v, want ErrInputTooLong", maxInputBytes+4, err)
	}
	if s.Prompt() != "gex(test@localhost)1> " {
		t.Errorf("prompt %q after dropping the input", s.Prompt())
	}
	expect(t, s, "2 * 21", "42\n")

	// A complete line is refused too, before the interpreter sees it.
	long := "x := \"" + strings.Repeat("a", maxInputBytes) + "\""
	if err := s.Eval(context.Background(), long, io.Discard); !errors.Is(err, ErrInputTooLong) {
		t.Errorf("a line of %d bytes: %v, want ErrInputTooLong", len(long), err)
	}
	if got := sessionEval(t, s, "x"); !strings.Contains(got, "undefined: x") {
		t.Errorf("the overlong line ran: x shows %q", got)
	}
	// A long line a person might paste is taken.
	expect(t, s, "len(\""+strings.Repeat("a", 32<<10)+"\")", "32768\n")
}

// BenchmarkSessionLongLine measures a line near the input limit, to
// show its cost in the parser stays bounded (go test -bench LongLine
// -benchmem).
func BenchmarkSessionLongLine(b *testing.B) {
	s := testSession(b, SessionOptions{})
	// Many tokens cost the parser most: some 40 MB at the limit, where a
	// MiB of them would cost over 600 MB.
	line := "len([]string{" + strings.Repeat(`"a",`, (maxInputBytes-32)/4) + "})"
	for b.Loop() {
		s.Eval(context.Background(), line, io.Discard)
	}
}
