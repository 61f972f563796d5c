package helpers

import (
	"fmt"
	"strings"
)

const overview = `Gex console: Go, evaluated inside the running node, and IEx's helpers.

Everything that is not a helper or a :sys/:code call is Go. Variables
persist from line to line (pid, _ := kv.StartLink()), the standard library
and loaded modules need no import line, and a module's functions always
reach its current version. Helpers take their arguments with or without
parentheses (r KV, r("KV")); module and process names may be written bare.

Keys: Tab completes, Ctrl-R searches history, Ctrl-C interrupts the running
evaluation (not the node), Ctrl-D on an empty line leaves.
`

// H shows help: an overview without a topic, or the help of a helper
// ("r"), a call (":sys.get_state"), a loaded module ("kv") or one of its
// functions ("kv.Put").
func (e *Env) H(topics ...string) error {
	if len(topics) == 0 {
		e.helpOverview()
		return nil
	}
	for _, name := range topics {
		if err := e.help(strings.Trim(name, `"`)); err != nil {
			return err
		}
	}
	return nil
}

func (e *Env) helpOverview() {
	e.printf("%s\n", overview)
	section := ""
	for _, h := range e.catalogue() {
		s := "Helpers"
		if h.IsCall() {
			s = "Erlang-style calls"
		}
		if s != section {
			e.printf("%s:\n", s)
			section = s
		}
		e.printf("%s\n", entry(h.Synopsis, firstSentence(h.Doc)))
	}
}

// entry lays out one line of the overview: the synopsis, then its
// summary in a column of its own, wrapped.
func entry(synopsis, summary string) string {
	const col, width = 26, 78
	indent := strings.Repeat(" ", col)
	text := strings.TrimLeft(wrap(summary, width, indent), " ")
	if len(synopsis)+2 < col-1 {
		return fmt.Sprintf("  %-*s%s", col-2, synopsis, text)
	}
	return "  " + synopsis + "\n" + indent + text
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

func (e *Env) help(name string) error {
	for _, h := range e.catalogue() {
		if h.Name == name || h.Name == ":"+name {
			e.printf("%s\n\n%s\n", h.Synopsis, wrap(h.Doc, 72, "  "))
			return nil
		}
	}
	if mod, fn, ok := strings.Cut(name, "."); ok {
		return e.helpFunc(mod, fn)
	}
	if e.Code != nil && e.Code.IsLoaded(name) {
		pkg, fset, err := e.moduleDoc(name)
		if err != nil {
			// No source to read: what the code server knows.
			return e.moduleInfo(name)
		}
		e.packageDoc(pkg, fset)
		return nil
	}
	return fmt.Errorf("%w for %s; h alone lists the topics", ErrNoTopic, name)
}

func (e *Env) helpFunc(module, fn string) error {
	syms, err := e.moduleSymbols(module)
	if err != nil {
		return fmt.Errorf("%w for %s.%s: %w", ErrNoTopic, module, fn, err)
	}
	for name, v := range syms {
		if strings.EqualFold(name, fn) {
			e.printf("%s.%s\n", module, describeSymbol(name, v))
			if pkg, _, err := e.moduleDoc(module); err == nil {
				e.printf("%s", symbolDoc(pkg, name))
			}
			return nil
		}
	}
	return fmt.Errorf("%w for %s.%s: module %s exports no %s", ErrNoTopic, module, fn, module, fn)
}

// wrap fills s into lines of at most width columns, each after indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	col := 0
	for _, w := range strings.Fields(s) {
		if col > 0 && col+1+len(w) > width {
			b.WriteString("\n")
			col = 0
		}
		if col == 0 {
			b.WriteString(indent)
			col = len(indent)
		} else {
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

// Topics returns the names h has help for: those of Table.
func Topics() []string {
	var names []string
	for _, h := range Table() {
		names = append(names, h.Name)
	}
	return names
}

// catalogue is the table h describes.
func (e *Env) catalogue() []Helper {
	if e.Helpers != nil {
		return e.Helpers
	}
	return Table()
}
