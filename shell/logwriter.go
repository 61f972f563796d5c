package shell

import (
	"io"
	"sync"
)

// LogWriter is where a node's log goes at a console in the same process,
// as node console has it: to w, and while a Console with a line editor
// runs (ConsoleOptions.Log), through the editor, which clears the line
// being typed, writes the log line to the same w, and draws the prompt
// and the line again below it, as it does for the session's notices. A
// log line that came straight to the terminal would break the line
// being typed.
type LogWriter struct {
	mu     sync.Mutex
	w      io.Writer
	editor io.Writer // the line editor's writer to w, while a Console runs
}

// NewLogWriter returns a LogWriter writing to w.
func NewLogWriter(w io.Writer) *LogWriter { return &LogWriter{w: w} }

// Write writes b, through the line editor if one runs.
func (l *LogWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.editor != nil {
		return l.editor.Write(b)
	}
	return l.w.Write(b)
}

// through sends what is written through editor, until the returned
// function is called.
func (l *LogWriter) through(editor io.Writer) (restore func()) {
	l.mu.Lock()
	l.editor = editor
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		l.editor = nil
		l.mu.Unlock()
	}
}
