package printer

import "github.com/fatih/color"

// style is the role a piece of printed text plays; the palette maps roles
// to colors.
type style int

const (
	styleNone    style = iota
	styleNumber        // 42, 3.5
	styleString        // "blackode"
	styleAtom          // :ok, and other string-kinded values with a String method
	styleNil           // nil, true, false
	styleField         // struct field names
	styleOpaque        // #PID<0.84.0>, functions, channels
	styleError         // ** (error) ..., error("...")
	styleWarning       // warning: redefining module KV
)

// palette holds one color per style. The colors follow IEx's defaults
// where IEx has one (numbers yellow, strings green, atoms cyan, nil and
// booleans magenta).
type palette struct {
	colors [styleWarning + 1]*color.Color
}

func newPalette() *palette {
	var p palette
	for st, attr := range map[style]color.Attribute{
		styleNumber:  color.FgYellow,
		styleString:  color.FgGreen,
		styleAtom:    color.FgCyan,
		styleNil:     color.FgMagenta,
		styleField:   color.FgCyan,
		styleOpaque:  color.FgBlue,
		styleError:   color.FgRed,
		styleWarning: color.FgYellow,
	} {
		c := color.New(attr)
		// fatih/color otherwise consults its package-level NoColor, which
		// it sets from the process's own stdout; the Printer's caller has
		// already decided for the writer the output goes to.
		c.EnableColor()
		p.colors[st] = c
	}
	return &p
}

// paint returns s in the color of st. A nil palette paints nothing.
func (p *palette) paint(st style, s string) string {
	if p == nil || p.colors[st] == nil {
		return s
	}
	return p.colors[st].Sprint(s)
}
