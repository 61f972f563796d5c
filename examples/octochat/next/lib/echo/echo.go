// Package echo is how octochat answers a line. The connection servers
// call Echo as another module's function, so they reach its current
// version at every call, as OTP's Octochat.Echo is reached by a fully
// qualified call: load a new echo and the open connections answer with
// it at their next line.
//
// This version, in release 0.3.0, upper-cases the line. Echo keeps no
// state, so its Vsn is still "1" and the upgrade only loads it (OTP's
// load_module).
package echo

import "strings"

const Vsn = "1"

// Echo returns the answer to line.
func Echo(line string) string { return strings.ToUpper(line) }
