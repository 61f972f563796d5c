package printer

import (
	"strings"
	"unicode/utf8"
)

// A doc is a value laid out for printing: the Printer first builds a doc
// from a value, then decides where lines break, so the decision can look
// at how wide each part would be on one line.
type doc interface {
	// flat is the width of the doc written on one line.
	flat() int
}

// text is a run of characters that is never broken, in one style.
type text struct {
	s  string
	st style
}

// cat is docs written one after the other, as a map key, ": " and a value.
type cat []doc

// group is a bracketed list: open, items separated by commas, close. When
// it does not fit on the line, every item goes on a line of its own,
// indented, followed by a comma. A group with neither open nor close is a
// bare list of results, broken without indentation.
type group struct {
	open  string
	items []doc
	close string
}

func (t text) flat() int { return utf8.RuneCountInString(t.s) }

func (c cat) flat() int {
	n := 0
	for _, d := range c {
		n += d.flat()
	}
	return n
}

func (g group) flat() int {
	n := len(g.open) + len(g.close)
	for i, d := range g.items {
		if i > 0 {
			n += len(", ")
		}
		n += d.flat()
	}
	return n
}

// indentStep is the indentation of one level of a broken group.
const indentStep = "  "

// render lays d out within the Printer's width and paints it.
func (p *Printer) render(d doc) string {
	r := renderer{width: p.width, pal: p.pal}
	r.doc(d, 0, 0)
	return r.b.String()
}

type renderer struct {
	b     strings.Builder
	width int
	pal   *palette
}

// doc writes d starting at column col, with broken groups indented by
// indent, and returns the column it ends at.
func (r *renderer) doc(d doc, indent, col int) int {
	switch d := d.(type) {
	case text:
		r.b.WriteString(r.pal.paint(d.st, d.s))
		return col + d.flat()
	case cat:
		for _, part := range d {
			col = r.doc(part, indent, col)
		}
		return col
	case group:
		if len(d.items) == 0 || col+d.flat() <= r.width {
			return r.flatGroup(d, indent, col)
		}
		return r.brokenGroup(d, indent)
	}
	return col
}

func (r *renderer) flatGroup(g group, indent, col int) int {
	r.b.WriteString(g.open)
	col += len(g.open)
	for i, d := range g.items {
		if i > 0 {
			r.b.WriteString(", ")
			col += 2
		}
		col = r.doc(d, indent, col)
	}
	r.b.WriteString(g.close)
	return col + len(g.close)
}

func (r *renderer) brokenGroup(g group, indent int) int {
	if g.open == "" && g.close == "" {
		col := indent
		for i, d := range g.items {
			if i > 0 {
				r.newline(indent, ",")
			}
			col = r.doc(d, indent, indent)
		}
		return col
	}
	r.b.WriteString(g.open)
	inner := indent + len(indentStep)
	for _, d := range g.items {
		r.newline(inner, "")
		r.doc(d, inner, inner)
		r.b.WriteString(",")
	}
	r.newline(indent, "")
	r.b.WriteString(g.close)
	return indent + len(g.close)
}

// newline ends the current line with suffix and indents the next.
func (r *renderer) newline(indent int, suffix string) {
	r.b.WriteString(suffix)
	r.b.WriteByte('\n')
	r.b.WriteString(strings.Repeat(" ", indent))
}
