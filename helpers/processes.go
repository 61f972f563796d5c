package helpers

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/gexdev/gex/node"
)

// Processes shows a table of the node's processes: PID, registered name,
// module and version, status, message queue length and memory.
func (e *Env) Processes() {
	tw := tabwriter.NewWriter(e.out(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PID\tNAME\tMODULE\tVSN\tSTATUS\tQUEUE\tMEMORY")
	for _, p := range e.Node.Processes() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n",
			p.PID, dash(p.Name), dash(p.Module), dash(p.Vsn), p.Status, p.QueueLen, byteSize(p.Memory))
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// byteSize writes n bytes in the largest unit that keeps it above 1.
func byteSize(n int) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.Itoa(n) + " B"
}

// processInfo shows what i shows for a process.
func (e *Env) processInfo(pid node.PID) error {
	p, err := e.Node.Info(pid)
	if err != nil {
		return err
	}
	rows := [][2]string{
		{"Term", pid.String()},
		{"Data type", "node.PID"},
		{"Alive", "true"},
		{"Name", dash(p.Name)},
		{"Kind", p.Kind},
		{"Module", dash(p.Module)},
		{"Vsn", dash(p.Vsn)},
		{"Status", string(p.Status)},
		{"Message queue length", strconv.Itoa(p.QueueLen)},
		{"Memory", byteSize(p.Memory)},
		{"Links", e.format(p.Links)},
		{"Monitored by", strconv.Itoa(p.Monitors)},
		{"Trap exit", strconv.FormatBool(p.TrapExit)},
		{"Parent", parent(p.Parent)},
	}
	e.table(rows)
	return nil
}

func parent(pid node.PID) string {
	if pid.IsZero() {
		return "-"
	}
	return pid.String()
}

// table shows rows as IEx's i does: each name on its line, its value
// indented below.
func (e *Env) table(rows [][2]string) {
	for _, r := range rows {
		e.printf("%s\n  %s\n", r[0], r[1])
	}
}

// Pid returns the PID written "0.117.0", "<0.117.0>" or "#PID<0.117.0>",
// as IEx's pid does. Like IEx's, it raises on anything else: it panics
// with an *ArgumentError, which the console shows as an error, so that
// pid("0.5.0") can be passed straight to a function taking a PID.
func (e *Env) Pid(s string) node.PID {
	pid, err := node.ParsePID(s)
	if err != nil {
		panic(&ArgumentError{Helper: "pid", Err: err})
	}
	return pid
}
