package shell

import (
	"errors"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/shell/printer"
)

// TestSplitResults checks Go's convention for a last error result, as
// the console shows results whose last static type is error (lastErr)
// or not.
func TestSplitResults(t *testing.T) {
	p := printer.New(printer.Options{})
	tests := []struct {
		vs      []any
		lastErr bool
		want    string // "" for nothing shown
	}{
		{[]any{node.PID{}, nil}, true, "#PID<0.0.0>"},
		{[]any{node.Atom("ok"), nil}, true, ":ok"},
		{[]any{1, 2, nil}, true, "1, 2"},
		{[]any{nil}, false, "nil"},
		{[]any{nil, nil}, true, "nil"},
		{[]any{node.PID{}, errors.New("already started")}, true, "** (error) already started"},
		{[]any{1, "a", 2.5}, false, `1, "a", 2.5`},
		{[]any{"only"}, false, `"only"`},
		{[]any{1, nil}, false, "1, nil"}, // (int, any)
		{[]any{1, nil, nil}, true, "1, nil"},
		{[]any{nil}, true, ""}, // a call returning a nil error alone
	}
	for _, tt := range tests {
		r, err := splitResults(tt.vs, tt.lastErr)
		var got string
		switch {
		case err != nil:
			got = p.FormatError(err)
		case r.hasValue:
			got = p.FormatValues(r.values)
		}
		if got != tt.want {
			t.Errorf("splitResults(%v, %v) shows %q, want %q", tt.vs, tt.lastErr, got, tt.want)
		}
	}
}
