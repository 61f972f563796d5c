package release

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// Report tells what an upgrade or downgrade did, or would have done, per
// module and per process, and how long processes were suspended.
type Report struct {
	Release   string
	From, To  string
	Up        bool
	Check     bool     // a rehearsal: nothing changed
	Edited    []string // files of releases/<vsn>/ edited by hand, kept over the tarball's
	Modules   []ModuleReport
	Procs     []ProcReport
	Children  []ChildReport
	Suspended time.Duration // from the first suspend to the last resume
	Took      time.Duration // the whole request: verifying, unpacking, checking, compiling, migrating
	Permanent bool
}

// ModuleReport is what happened to one module.
type ModuleReport struct {
	Name           string
	FromVsn, ToVsn string
	Action         string // added, loaded, code changed, deleted
	Tier           string // how the new version runs: native, or interpreted and why (noteTiers)
	Killed         []node.PID
	Err            string
}

// ProcReport is what happened to one process.
type ProcReport struct {
	PID     node.PID
	Name    string
	Module  string
	Outcome string // migrated, kept its old state, did not answer suspend, would migrate, ...
	Err     string
}

// ChildReport is one supervisor change.
type ChildReport struct {
	Op, Supervisor, ID string
	Err                string
}

// maxProcLines bounds the processes Format lists one by one; the others
// are counted.
const maxProcLines = 20

// Format writes the report for people.
func (r *Report) Format(w io.Writer) {
	verb := map[bool]string{true: "upgrade", false: "downgrade"}[r.Up]
	if r.Check {
		verb = "check of " + verb
	}
	fmt.Fprintf(w, "%s of %s %s -> %s\n", verb, r.Release, r.From, r.To)
	for _, f := range r.Edited {
		if f == RelupFile {
			fmt.Fprintf(w, "  %s: edited by hand, validated\n", f)
		} else {
			fmt.Fprintf(w, "  %s: edited by hand, kept\n", f)
		}
	}
	for _, m := range r.Modules {
		line := fmt.Sprintf("  module %-16s %s", m.Name, m.Action)
		switch {
		case m.FromVsn != "" && m.ToVsn != "":
			line += fmt.Sprintf(" (vsn %s -> %s)", m.FromVsn, m.ToVsn)
		case m.ToVsn != "":
			line += fmt.Sprintf(" (vsn %s)", m.ToVsn)
		}
		if m.Tier != "" {
			line += ", " + m.Tier
		}
		if len(m.Killed) > 0 {
			line += fmt.Sprintf("; old code purged, killed %v", m.Killed)
		}
		if m.Err != "" {
			line += ": " + m.Err
		}
		fmt.Fprintln(w, line)
	}
	counts := map[string]int{}
	shown := 0
	procs := slices.Clone(r.Procs)
	slices.SortFunc(procs, func(a, b ProcReport) int { return cmp.Compare(a.PID.ID(), b.PID.ID()) })
	for _, p := range procs {
		if p.Err == "" && shown >= maxProcLines {
			counts[p.Outcome]++
			continue
		}
		shown++
		line := fmt.Sprintf("  process %v %s %s", p.PID, p.Module, p.Outcome)
		if p.Name != "" {
			line = fmt.Sprintf("  process %v (%s) %s %s", p.PID, p.Name, p.Module, p.Outcome)
		}
		if p.Err != "" {
			line += ": " + p.Err
		}
		fmt.Fprintln(w, line)
	}
	for outcome, n := range counts {
		fmt.Fprintf(w, "  ... and %s %s\n", plural(n, "more process", "more processes"), outcome)
	}
	for _, c := range r.Children {
		line := strings.TrimSpace(fmt.Sprintf("  %s %s %s", c.Op, c.Supervisor, c.ID))
		line = "  " + line
		if c.Err != "" {
			line += ": " + c.Err
		}
		fmt.Fprintln(w, line)
	}
	if !r.Check {
		fmt.Fprintf(w, "  %s suspended for %v; took %v\n", plural(len(r.Procs), "process", "processes"), r.Suspended.Round(time.Microsecond), r.Took.Round(time.Microsecond))
	}
	if r.Permanent {
		fmt.Fprintf(w, "  %s is permanent\n", r.To)
	}
}

// failProcs records that the step failed: the processes named in err with
// the reason; every other one kept its old code and state.
func (r *Report) failProcs(procs []ProcReport, err error) {
	failed := map[node.PID]string{}
	for _, e := range leaves(err) {
		var ce *node.CallError
		if errors.As(e, &ce) {
			if pid, ok := ce.Dest.(node.PID); ok {
				msg := ce.Err.Error()
				if errors.Is(ce.Err, node.ErrTimeout) {
					msg = "did not answer suspend: " + msg
				}
				failed[pid] = msg
			}
		}
	}
	for i := range procs {
		procs[i].Outcome = "kept its old code and state"
		if msg, ok := failed[procs[i].PID]; ok {
			procs[i].Outcome, procs[i].Err = "failed", msg
		}
	}
	r.Procs = procs
	for i := range r.Modules {
		r.Modules[i].Err = "not loaded: the upgrade was aborted"
	}
}

func (r *Report) okProcs(procs []ProcReport) {
	for i := range procs {
		procs[i].Outcome = "migrated"
	}
	r.Procs = procs
}

func (r *Report) noteKilled(lr *code.LoadResult) {
	for i := range r.Modules {
		if r.Modules[i].Name == lr.Module.Name {
			r.Modules[i].Killed = lr.Killed
		}
	}
}

func (r *Report) moduleErr(name string, err error) {
	if err == nil {
		return
	}
	for i := range r.Modules {
		if r.Modules[i].Name == name {
			r.Modules[i].Err = err.Error()
		}
	}
}

// leaves flattens joined errors.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	var ce *node.CallError
	if errors.As(err, &ce) {
		return []error{ce}
	}
	if u := errors.Unwrap(err); u != nil && u != err {
		if sub := leaves(u); len(sub) > 1 {
			return sub
		}
	}
	return []error{err}
}

// String is the report as Format writes it.
func (r *Report) String() string {
	var b strings.Builder
	r.Format(&b)
	return b.String()
}

// plural is n with the noun that agrees with it: "1 process", "2 processes".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
