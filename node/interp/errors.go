package interp

import (
	"regexp"
	"strconv"
)

// Pos is a position yaegi reports in its messages.
type Pos struct {
	File      string // "" when the message names none; "_.go" for unnamed source
	Line, Col int
}

// positioned matches the position yaegi puts before its messages:
// "file:line:col: ", or "line:col: " for source given without a name.
var positioned = regexp.MustCompile(`^(?:(.+?):)?(\d+):(\d+): ((?s).*)$`)

// SplitPos splits an interpreter error's text into its position and
// the message after it. It reports false for a message without one.
func SplitPos(msg string) (Pos, string, bool) {
	m := positioned.FindStringSubmatch(msg)
	if m == nil {
		return Pos{}, msg, false
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	return Pos{File: m[1], Line: line, Col: col}, m[4], true
}

// frame matches what yaegi writes to its standard error for each
// interpreted frame a panic unwinds: "kv.go:12:3: panic: kv.HandleCall(...)".
var frame = regexp.MustCompile(`^(?:(.+?):)?(\d+):(\d+): panic: (.*)\(\.\.\.\)$`)

// Frame reads one line of yaegi's panic trace: the function and where in
// it the panic passed. The function of source given at the top level is
// "main".
func Frame(line string) (fn string, pos Pos, ok bool) {
	m := frame.FindStringSubmatch(line)
	if m == nil {
		return "", Pos{}, false
	}
	l, _ := strconv.Atoi(m[2])
	c, _ := strconv.Atoi(m[3])
	return m[4], Pos{File: m[1], Line: l, Col: c}, true
}
