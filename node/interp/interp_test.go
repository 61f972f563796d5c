package interp

import (
	"errors"
	"strings"
	"testing"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
)

// TestInterrupt pins the hook into yaegi's unexported run id: an endless
// loop must stop when interrupted. A yaegi upgrade that renames or
// retypes the field fails here.
func TestInterrupt(t *testing.T) {
	in, err := New(yaegi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := in.Compile("for {}")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := in.Execute(prog)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let it loop
	if !Interrupt(in) {
		t.Fatal("Interrupt found no run id in this yaegi: update interrupt.go for it")
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupted loop still runs after 10 s: yaegi no longer checks the run id")
	}
}

// TestSplitPos pins the positions of yaegi's compile errors, with and
// without a file name.
func TestSplitPos(t *testing.T) {
	in, _ := New(yaegi.Options{})
	_, err := in.Eval("x := 1\ny := x + \"s\"")
	if err == nil {
		t.Fatal("no error")
	}
	pos, msg, ok := SplitPos(err.Error())
	if !ok || pos.Line != 2 || pos.Col == 0 || !strings.Contains(msg, "mismatched types") {
		t.Errorf("SplitPos(%q) = %+v, %q, %v", err, pos, msg, ok)
	}
	for text, want := range map[string]Pos{
		"kv.go:43:7: undefined: x": {File: "kv.go", Line: 43, Col: 7},
		"_.go:1:5: undefined: x":   {File: "_.go", Line: 1, Col: 5},
		"12:5: undefined: x":       {Line: 12, Col: 5},
		"/a/b.go:3:1: multi\nline": {File: "/a/b.go", Line: 3, Col: 1},
	} {
		if pos, _, ok := SplitPos(text); !ok || pos != want {
			t.Errorf("SplitPos(%q) = %+v, want %+v", text, pos, want)
		}
	}
	if _, _, ok := SplitPos("no position here"); ok {
		t.Error("SplitPos found a position in a message without one")
	}
}

// TestFrame pins yaegi's panic trace: one line per interpreted frame on
// its standard error.
func TestFrame(t *testing.T) {
	var trace strings.Builder
	in, _ := New(yaegi.Options{Stderr: &trace})
	if _, err := in.Eval("func boom() { panic(\"x\") }"); err != nil {
		t.Fatal(err)
	}
	_, err := in.Eval("boom()")
	var p yaegi.Panic
	if !errors.As(err, &p) {
		t.Fatalf("boom() = %v, want a yaegi.Panic", err)
	}
	var fns []string
	for line := range strings.Lines(trace.String()) {
		if fn, pos, ok := Frame(strings.TrimSpace(line)); ok && pos.Line > 0 {
			fns = append(fns, fn)
		}
	}
	if strings.Join(fns, " ") != "main.boom main" {
		t.Errorf("frames %q from the trace %q", fns, trace.String())
	}
}

func TestStdIndex(t *testing.T) {
	if StdKeys()["math/rand"] != "math/rand/rand" || StdNames()["template"] != "text/template" || StdNames()["rand"] != "math/rand" {
		t.Errorf("std index: %q %q %q", StdKeys()["math/rand"], StdNames()["template"], StdNames()["rand"])
	}
	if StdKeys()["math/rand/v2"] != "math/rand/v2/rand" {
		t.Errorf("key of math/rand/v2: %q", StdKeys()["math/rand/v2"])
	}
	if !Generic("slices") || Generic("strings") {
		t.Error("Generic")
	}
	if ex := StdExports("fmt", nil); ex["fmt//fmt"] == nil || ex["fmt/fmt"] != nil {
		t.Errorf("StdExports(fmt) keys: %v", ex)
	}
}
