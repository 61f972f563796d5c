package watch

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/gexdev/gex/node/code"
)

// Flag is a --watch command-line flag (flag.Value): absent, --watch
// (Report) or --watch=migrate (Migrate).
type Flag struct {
	On   bool
	Mode Mode
}

// String returns the flag's value as Set reads it.
func (f *Flag) String() string {
	if f == nil || !f.On {
		return "false"
	}
	return f.Mode.String()
}

// Set reads "true" or "report" (what a bare --watch sets), "migrate", or
// "false".
func (f *Flag) Set(s string) error {
	if on, err := strconv.ParseBool(s); err == nil {
		f.On, f.Mode = on, Report
		return nil
	}
	m, err := ParseMode(s)
	if err != nil {
		return err
	}
	f.On, f.Mode = true, m
	return nil
}

// IsBoolFlag lets the flag be given bare, as --watch.
func (f *Flag) IsBoolFlag() bool { return true }

// Args returns the flag as command-line arguments, to pass it on to
// another command: nil when it is off.
func (f *Flag) Args() []string {
	if !f.On {
		return nil
	}
	return []string{"--watch=" + f.Mode.String()}
}

// Start starts watching cs if the flag is on, with each event also
// written to log (nil: not logged), and returns what stops it. Off, it
// does nothing and returns a stop that does nothing.
func (f *Flag) Start(cs *code.Server, log *slog.Logger) (stop func(), err error) {
	if !f.On {
		return func() {}, nil
	}
	cancel := func() {}
	if log != nil {
		cancel = Subscribe(cs, func(ev Event) { log.Log(context.Background(), ev.Level(), ev.String()) })
	}
	w, err := Start(cs, Options{Mode: f.Mode})
	if err != nil {
		cancel()
		return nil, err
	}
	if log != nil {
		log.Info("watching for saves", "dirs", w.Dirs(), "mode", w.Mode().String())
	}
	return func() { w.Close(); cancel() }, nil
}
