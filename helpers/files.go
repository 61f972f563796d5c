package helpers

import (
	"fmt"
	"os"
	"strings"
)

// Pwd shows the session's working directory.
func (e *Env) Pwd() error {
	dir, err := e.dir()
	if err != nil {
		return err
	}
	e.printf("%s\n", dir)
	return nil
}

// Cd changes the session's working directory and shows the new one. It
// changes this session only, not the node's working directory.
func (e *Env) Cd(dir string) error {
	p, err := e.path(dir)
	if err != nil {
		return err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &os.PathError{Op: "cd", Path: p, Err: ErrNotDir}
	}
	e.Dir = p
	e.printf("%s\n", p)
	return nil
}

// Ls shows the entries of a directory, the working directory if none is
// given, in columns as IEx's ls does; directories end in a slash.
func (e *Env) Ls(dir ...string) error {
	if len(dir) > 1 {
		return fmt.Errorf("ls: give one directory, not %d", len(dir))
	}
	p, err := e.path(strings.Join(dir, ""))
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return err
	}
	names := make([]string, len(entries))
	for i, ent := range entries {
		names[i] = ent.Name()
		if ent.IsDir() {
			names[i] += "/"
		}
	}
	e.columns(names, 80)
	return nil
}

// columns writes names in as many columns as fit in width, filled down
// each column first, as ls does.
func (e *Env) columns(names []string, width int) {
	if len(names) == 0 {
		return
	}
	col := 0
	for _, n := range names {
		col = max(col, len(n)+2)
	}
	ncols := max(1, width/col)
	rows := (len(names) + ncols - 1) / ncols
	var b strings.Builder
	for r := range rows {
		for c := range ncols {
			i := c*rows + r
			if i >= len(names) {
				break
			}
			if c+1 < ncols && i+rows < len(names) {
				fmt.Fprintf(&b, "%-*s", col, names[i])
			} else {
				b.WriteString(names[i])
			}
		}
		b.WriteByte('\n')
	}
	e.printf("%s", b.String())
}

// Clear clears the terminal screen.
func (e *Env) Clear() {
	e.printf("\x1b[H\x1b[2J")
}
