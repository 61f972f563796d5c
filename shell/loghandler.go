package shell

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// LogHandler writes a node's log for a person at a console, the way IEx
// shows Logger output: one short line a record,
//
//	20:18:57.908 [error] process exited pid=#PID<0.2.0> reason="panic: kv.go:49:3: ..."
//
// Attributes named "stack" are left out: a crash report's reason already
// says where the code failed, and a Go stack in the middle of a console
// session buries the prompt. A node's log file (node start) keeps them.
type LogHandler struct {
	mu     *sync.Mutex
	w      io.Writer
	level  slog.Leveler
	prefix string // attributes of WithAttrs, formatted
	group  string // WithGroup's prefix for keys
}

// NewLogHandler returns a LogHandler writing records at level or above
// (nil: info) to w.
func NewLogHandler(w io.Writer, level slog.Leveler) *LogHandler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &LogHandler{mu: &sync.Mutex{}, w: w, level: level}
}

// Enabled reports whether records at l are written.
func (h *LogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

// Handle writes r.
func (h *LogHandler) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	fmt.Fprintf(&b, "%s [%s] %s", t.Format("15:04:05.000"), strings.ToLower(r.Level.String()), r.Message)
	b.WriteString(h.prefix)
	r.Attrs(func(a slog.Attr) bool {
		h.appendAttr(&b, h.group, a)
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b.Bytes())
	return err
}

func (h *LogHandler) appendAttr(b *bytes.Buffer, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Key == "stack" || a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		g := group + a.Key + "."
		if a.Key == "" {
			g = group
		}
		for _, ga := range a.Value.Group() {
			h.appendAttr(b, g, ga)
		}
		return
	}
	v := a.Value.String()
	if strings.ContainsAny(v, " \t\n\"=") || v == "" {
		v = fmt.Sprintf("%q", v)
	}
	fmt.Fprintf(b, " %s%s=%s", group, a.Key, v)
}

// WithAttrs returns a handler that writes attrs with every record.
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var b bytes.Buffer
	for _, a := range attrs {
		h.appendAttr(&b, h.group, a)
	}
	c := *h
	c.prefix += b.String()
	return &c
}

// WithGroup returns a handler whose later keys are qualified by name.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group += name + "."
	return &c
}
