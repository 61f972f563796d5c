package release

import (
	"strings"

	"github.com/gexdev/gex/node/code"
)

// noteTiers records in the report how each compiled version will run:
// native, from the plugin the release ships for the running binary, or
// interpreted and why — an upgrade that falls back to the interpreter
// says so.
func (r *Report) noteTiers(objs []*code.Object) {
	for _, o := range objs {
		in := o.Info()
		tier := in.Tier.String()
		if in.Fallback != "" {
			first, _, _ := strings.Cut(in.Fallback, "\n")
			tier += " (not native: " + first + ")"
		}
		for i := range r.Modules {
			if r.Modules[i].Name == in.Name {
				r.Modules[i].Tier = tier
			}
		}
	}
}
