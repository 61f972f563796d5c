package node

import (
	"fmt"
	"strconv"
	"strings"
)

// PID identifies a process of a node. The zero PID names no process.
//
// PIDs print as Erlang's do, #PID<0.N.0>, and ParsePID reads that form back,
// so a PID copied from the console can be pasted into it again.
type PID struct {
	id uint64
}

// IsZero reports whether p names no process.
func (p PID) IsZero() bool { return p.id == 0 }

// ID returns the process number: N in #PID<0.N.0>.
func (p PID) ID() uint64 { return p.id }

// String returns the form #PID<0.N.0>.
func (p PID) String() string { return "#PID<0." + strconv.FormatUint(p.id, 10) + ".0>" }

// GoString makes %#v print the same form the console prints.
func (p PID) GoString() string { return p.String() }

// ParsePID reads a PID written as "0.N.0", "<0.N.0>" or "#PID<0.N.0>".
func ParsePID(s string) (PID, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "#PID")
	if strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">") {
		t = t[1 : len(t)-1]
	}
	parts := strings.Split(t, ".")
	if len(parts) != 3 || parts[0] != "0" || parts[2] != "0" {
		return PID{}, fmt.Errorf("%w: %q: want 0.N.0", ErrBadPID, s)
	}
	id, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil || id == 0 {
		return PID{}, fmt.Errorf("%w: %q: want 0.N.0", ErrBadPID, s)
	}
	return PID{id: id}, nil
}

// Ref identifies a monitor.
type Ref struct {
	id uint64
}

// String returns the form #Reference<0.0.N>.
func (r Ref) String() string { return "#Reference<0.0." + strconv.FormatUint(r.id, 10) + ">" }

// IsZero reports whether r names no monitor.
func (r Ref) IsZero() bool { return r.id == 0 }

// Name is a registered process name used as a destination.
type Name string

// Dest is where a message goes: a PID or a registered Name.
type Dest interface {
	dest()
}

func (PID) dest()  {}
func (Name) dest() {}
