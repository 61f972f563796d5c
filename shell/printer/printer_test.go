package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// testPID stands in for node.PID: a struct whose String method is its
// console form.
type testPID struct{ n int }

func (p testPID) String() string { return fmt.Sprintf("#PID<0.%d.0>", p.n) }

type testAtom string

func (a testAtom) String() string { return ":" + string(a) }

type employee struct {
	Name  string
	Money int
	Tags  []string
}

type celsius float64

type listNode struct {
	Val  int
	Next *listNode
}

type hidden struct {
	A int
	b int
}

type struct2 struct{ mu, n int }

type panicky struct{}

func (panicky) String() string { panic("boom") }

func TestFormat(t *testing.T) {
	cyc := &listNode{Val: 1}
	cyc.Next = cyc
	var nilErr error
	var nilMap map[string]int
	var nilPtr *employee
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "nil"},
		{"nil error", nilErr, "nil"},
		{"nil map", nilMap, "nil"},
		{"nil pointer", nilPtr, "nil"},
		{"int", 42, "42"},
		{"negative", -7, "-7"},
		{"int32 needs its type", int32(5), "int32(5)"},
		{"float", 3.5, "3.5"},
		{"whole float keeps its point", 3.0, "3.0"},
		{"float exponent", 1e21, "1e+21"},
		{"named float", celsius(21.5), "printer.celsius(21.5)"},
		{"bool", true, "true"},
		{"string quoted", "a \"b\"\n", `"a \"b\"\n"`},
		{"bytes as string", []byte("hi"), `[]byte("hi")`},
		{"slice", []int{1, 2, 3}, "[]int{1, 2, 3}"},
		{"empty slice", []string{}, "[]string{}"},
		{"array", [2]bool{true, false}, "[2]bool{true, false}"},
		{"map sorted by key", map[string]any{"name": "blackode", "money": 700000},
			`map[string]any{"money": 700000, "name": "blackode"}`},
		{"int keys numeric order", map[int]string{10: "b", 9: "a", -1: "z"},
			`map[int]string{-1: "z", 9: "a", 10: "b"}`},
		{"mixed keys by type then value", map[any]int{"b": 1, 2: 2, "a": 3, 1: 4},
			`map[any]int{1: 4, 2: 2, "a": 3, "b": 1}`},
		{"struct", employee{Name: "blackode", Money: 5},
			`printer.employee{Name: "blackode", Money: 5, Tags: nil}`},
		{"pointer to struct", &employee{Name: "x"},
			`&printer.employee{Name: "x", Money: 0, Tags: nil}`},
		{"anonymous struct", struct{ A, B int }{1, 2}, "{A: 1, B: 2}"},
		{"struct fields keep composite types", employee{Tags: []string{"x"}},
			`printer.employee{Name: "", Money: 0, Tags: []string{"x"}}`},
		{"types elided inside typed containers", []map[string]int{{"a": 1}},
			`[]map[string]int{{"a": 1}}`},
		{"types kept inside any", []any{map[string]int{"a": 1}, int8(2), "s", nil},
			`[]any{map[string]int{"a": 1}, int8(2), "s", nil}`},
		{"stringer", testPID{84}, "#PID<0.84.0>"},
		{"stringer in map", map[string]any{"pid": testPID{7}, "status": testAtom("ok")},
			`map[string]any{"pid": #PID<0.7.0>, "status": :ok}`},
		{"duration via String", 1500 * time.Millisecond, "1.5s"},
		{"top-level error", errors.New("no process"), "** (error) no process"},
		{"nested error", []error{errors.New("bad")}, `[]error{error("bad")}`},
		{"panicking String", panicky{}, "printer.panicky(PANIC=boom)"},
		{"unexported fields hidden", hidden{A: 1, b: 2}, "printer.hidden{A: 1, ...}"},
		{"only unexported fields", struct2{}, "printer.struct2{...}"},
		{"unnamed struct shows all", struct{ a, B int }{1, 2}, "{a: 1, B: 2}"},
		{"cycle", cyc, "&printer.listNode{Val: 1, Next: <cycle>}"},
		{"func", func(int) string { return "" }, "func(int) string {...}"},
		{"chan", make(chan int, 3), "chan int{len: 0, cap: 3}"},
	}
	p := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Format(tt.v); got != tt.want {
				t.Errorf("Format(%#v)\n got: %s\nwant: %s", tt.v, got, tt.want)
			}
		})
	}
}

func TestFormatBreaksLongValues(t *testing.T) {
	v := map[string]any{
		"name":    "blackode",
		"money":   700000,
		"history": []int{100000, 200000, 300000, 400000, 500000, 600000, 700000},
		"manager": employee{Name: "someone with a rather long name", Money: 1},
	}
	want := `map[string]any{
  "history": []int{100000, 200000, 300000, 400000, 500000, 600000, 700000},
  "manager": printer.employee{
    Name: "someone with a rather long name",
    Money: 1,
    Tags: nil,
  },
  "money": 700000,
  "name": "blackode",
}`
	if got := New(Options{Width: 76}).Format(v); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// The same value fits on one line when the width allows it.
	if got := New(Options{Width: 500}).Format(v); strings.Contains(got, "\n") {
		t.Errorf("wide printer broke the line:\n%s", got)
	}
}

func TestFormatLimit(t *testing.T) {
	s := make([]int, 10)
	tests := []struct {
		limit int
		want  string
	}{
		{3, "[]int{0, 0, 0, ...}"},
		{-1, "[]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}"},
		{10, "[]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}"},
	}
	for _, tt := range tests {
		if got := New(Options{Limit: tt.limit, Width: 500}).Format(s); got != tt.want {
			t.Errorf("Limit %d: got %s, want %s", tt.limit, got, tt.want)
		}
	}
	big := make(map[int]int, 200)
	for i := range 200 {
		big[i] = i
	}
	got := New(Options{Width: 1 << 20}).Format(big)
	if !strings.HasSuffix(got, "99: 99, ...}") {
		t.Errorf("default limit: got ...%s", got[len(got)-30:])
	}
}

func TestFormatPrintableLimit(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	tests := []struct {
		printable int
		v         any
		want      string
	}{
		{0, long, `"` + long[:DefaultPrintable] + `"...`},
		{0, long[:DefaultPrintable], `"` + long[:DefaultPrintable] + `"`},
		{3, "abcdef", `"abc"...`},
		{3, []byte("abcdef"), `[]byte("abc"...)`},
		{4, "ééé", `"éé"...`}, // 6 bytes
		{3, "ééé", `"é"...`},  // cut at a rune's start
		{-1, long, `"` + long + `"`},
		{3, []string{"abcdef", "ab"}, `[]string{"abc"..., "ab"}`},
	}
	for _, tt := range tests {
		got := New(Options{Printable: tt.printable, Width: 1 << 20}).Format(tt.v)
		if got != tt.want {
			t.Errorf("Printable %d, %.20q: got %.40s, want %.40s", tt.printable, tt.v, got, tt.want)
		}
	}
}

// A value that shares its parts, each a hundred times over and deep, is
// cut short rather than written out exponentially; a cycle through a map
// or slice ends at the cycle.
func TestFormatSharedAndCyclic(t *testing.T) {
	var v any = 1
	for range 10 {
		shared := make([]any, 100)
		for i := range shared {
			shared[i] = v
		}
		v = shared
	}
	got := New(Options{Width: 1 << 20}).Format(v)
	if n := strings.Count(got, "1"); n > maxValues || !strings.Contains(got, "...") {
		t.Errorf("a shared value printed %d ones in %d bytes", n, len(got))
	}
	m := map[string]any{}
	m["m"] = m
	if got := New(Options{}).Format(m); got != `map[string]any{"m": <cycle>}` {
		t.Errorf("cyclic map: %s", got)
	}
	s := []any{nil}
	s[0] = s
	if got := New(Options{}).Format(s); got != `[]any{<cycle>}` {
		t.Errorf("cyclic slice: %s", got)
	}
}

func TestFormatContextInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := make([]int, 5000)
	if _, err := New(Options{Limit: -1}).FormatValuesContext(ctx, []any{big, 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("printing with a done context: %v", err)
	}
	if got, err := New(Options{}).FormatContext(ctx, 1); err != nil || got != "1" {
		t.Errorf("a small value with a done context: %q, %v", got, err)
	}
}

func TestFormatValues(t *testing.T) {
	p := New(Options{})
	tests := []struct {
		vs   []any
		want string
	}{
		{[]any{1, "a", 2.5}, `1, "a", 2.5`},
		{[]any{"only"}, `"only"`},
		{[]any{nil}, "nil"},
		{[]any{1, nil}, "1, nil"}, // the evaluator decides whether a last nil is an error
	}
	for _, tt := range tests {
		if got := p.FormatValues(tt.vs); got != tt.want {
			t.Errorf("FormatValues(%v) = %s, want %s", tt.vs, got, tt.want)
		}
	}
}

func TestFormatColor(t *testing.T) {
	p := New(Options{Color: true})
	got := p.Format(map[string]any{"n": 1, "s": "x", "ok": true, "pid": testPID{1}})
	for _, want := range []string{
		"\x1b[33m1\x1b[0m",           // number: yellow
		"\x1b[32m\"x\"\x1b[0m",       // string: green
		"\x1b[35mtrue\x1b[0m",        // boolean: magenta
		"\x1b[34m#PID<0.1.0>\x1b[0m", // PID: blue
		"\x1b[32m\"pid\"\x1b[0m",     // keys are strings
	} {
		if !strings.Contains(got, want) {
			t.Errorf("colored output %q lacks %q", got, want)
		}
	}
	if got := p.Format(errors.New("x")); got != "\x1b[31m** (error) x\x1b[0m" {
		t.Errorf("colored error = %q", got)
	}
	// Colors never change where lines break: widths are measured on the
	// plain text.
	v := []string{strings.Repeat("a", 30), strings.Repeat("b", 30)}
	plain := New(Options{Width: 72}).Format(v)
	colored := New(Options{Width: 72, Color: true}).Format(v)
	if strings.Count(plain, "\n") != strings.Count(colored, "\n") {
		t.Errorf("colors changed the layout:\n%s\n%s", plain, colored)
	}
	if strings.Contains(New(Options{}).Format(v), "\x1b") {
		t.Error("plain printer wrote escape codes")
	}
}

func TestColorFor(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	if ColorFor(&bytes.Buffer{}, env(nil)) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ColorFor(f, env(nil)) {
		t.Error("a regular file is not a terminal")
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if !ColorFor(tty, env(nil)) {
		t.Error("a terminal gets colors")
	}
	if !ColorFor(tty, env(map[string]string{"NO_COLOR": ""})) {
		t.Error("an empty NO_COLOR does not count")
	}
	if ColorFor(tty, env(map[string]string{"NO_COLOR": "1"})) {
		t.Error("NO_COLOR must turn colors off")
	}
}
