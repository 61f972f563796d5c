package release

import (
	"strings"
	"testing"
)

// TestReportPlural checks that the suspension line agrees with its count.
func TestReportPlural(t *testing.T) {
	for n, want := range map[int]string{
		0: "  0 processes suspended for ",
		1: "  1 process suspended for ",
		2: "  2 processes suspended for ",
	} {
		r := &Report{Release: "r", From: "1", To: "2", Up: true, Procs: make([]ProcReport, n)}
		if got := r.String(); !strings.Contains(got, want) {
			t.Errorf("%d processes: report is\n%s\nwant a line starting %q", n, got, want)
		}
	}
}
