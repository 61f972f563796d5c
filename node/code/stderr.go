package code

import (
	"io"
	"log/slog"
	"strings"
)

// stderr returns the interpreter's standard error for version v.
func (s *Server) stderr(v *version) io.Writer {
	if s.errOut != nil {
		return s.errOut
	}
	return panicLog{log: s.node.Logger(), v: v}
}

// panicLog turns what the interpreter writes of a panic in module code
// ("kv.go:12:3: panic: kv.HandleCall(...)", one line per interpreted frame)
// into log records, beside the node's crash report of the same panic.
type panicLog struct {
	log *slog.Logger
	v   *version
}

func (w panicLog) Write(p []byte) (int, error) {
	for line := range strings.Lines(string(p)) {
		if line = strings.TrimSpace(line); line != "" {
			w.log.Error("panic in module code", "module", w.v.name, "vsn", w.v.vsn, "at", line)
		}
	}
	return len(p), nil
}
