package shell

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gexdev/gex/helpers"
)

// TestCatalogOneEdit proves that adding a helper is one edit: an entry
// appended to the table is parsed in its IEx form, bound in Go, completed
// and described by h, with nothing else written for it.
func TestCatalogOneEdit(t *testing.T) {
	table := append(helpers.Table(), helpers.Helper{
		Name:     "twice",
		Synopsis: "twice 21",
		Doc:      "Doubles a number. Go form: twice(21).",
		Params:   []helpers.Param{helpers.ParamValue},
		Func:     func(*helpers.Env) any { return func(n int) int { return 2 * n } },
	})
	n, cs := testNode(t)
	s, err := newSession(n, cs, SessionOptions{Dir: t.TempDir()}, newCatalog(table))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	in, err := s.cat.parse("twice 21", scan("twice 21"))
	if err != nil || in.Form != FormHelper || in.Name != "twice" {
		t.Errorf("twice 21 parses as %v %q (%v)", in.Form, in.Name, err)
	}
	if in, _ := s.cat.parse("twice 1, 2", scan("twice 1, 2")); in.Form != FormGo {
		t.Errorf("twice with two arguments parses as %v, want Go (its entry takes one)", in.Form)
	}
	expect(t, s,
		"twice 21", "42\n",
		"twice(4) + 1", "9\n",
	)
	if got := sessionEval(t, s, "h twice"); !strings.Contains(got, "Doubles a number.") {
		t.Errorf("h twice = %q", got)
	}
	if got := sessionEval(t, s, "h"); !strings.Contains(got, "twice 21") {
		t.Errorf("h lists no twice:\n%s", got)
	}
	if c, _ := s.Complete("twi", 3); len(c) != 1 || string(c[0]) != "ce" {
		t.Errorf("Complete(twi) = %q", c)
	}
}

// canceler cancels a context when printed, as Ctrl-C would while a
// result is being printed.
type canceler struct{ cancel context.CancelFunc }

func (c canceler) String() string { c.cancel(); return "canceler" }

// TestSessionInterruptsPrinting: Ctrl-C during the printing of a big
// result stops it; the session shows the interruption, not the value.
func TestSessionInterruptsPrinting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	table := append(helpers.Table(), helpers.Helper{
		Name: "big", Synopsis: "big", Doc: "A big result.",
		Func: func(*helpers.Env) any {
			return func() []any {
				grid := make([][]int, 100)
				for i := range grid {
					grid[i] = make([]int, 100)
				}
				return []any{canceler{cancel}, grid}
			}
		},
	})
	n, cs := testNode(t)
	s, err := newSession(n, cs, SessionOptions{Dir: t.TempDir()}, newCatalog(table))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out strings.Builder
	if err := s.Eval(ctx, "big", &out); !errors.Is(err, context.Canceled) {
		t.Errorf("Eval = %v, want context.Canceled", err)
	}
	if out.String() != "** (interrupted)\n" {
		t.Errorf("the interrupted printing showed %.200q", out.String())
	}
	expect(t, s, "1 + 1", "2\n") // the session goes on
}
