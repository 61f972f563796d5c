package release

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// Command is a control command a node's attach server runs for a client,
// as shell/attach registers them: output goes to out, and an error
// returned reaches the client with its message.
type Command func(ctx context.Context, args []string, out io.Writer) error

// Commands returns the handler's control commands, by name: upgrade,
// downgrade and releases, as bin/NAME runs them on the live node.
func (h *Handler) Commands() map[string]Command {
	return map[string]Command{
		"upgrade":   h.upgradeCommand,
		"downgrade": h.downgradeCommand,
		"releases":  h.releasesCommand,
	}
}

func (h *Handler) upgradeCommand(ctx context.Context, args []string, out io.Writer) error {
	return h.stepCommand("upgrade", h.Upgrade, args, out)
}

func (h *Handler) downgradeCommand(ctx context.Context, args []string, out io.Writer) error {
	return h.stepCommand("downgrade", h.Downgrade, args, out)
}

func (h *Handler) stepCommand(name string, do func(string, Options) (*Report, error), args []string, out io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts Options
	fs.BoolVar(&opts.Check, "check", false, "rehearse on copies of the states, changing nothing")
	fs.BoolVar(&opts.NoPermanent, "no-permanent", false, "do not make the new release permanent")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %v (usage: %s [--check] [--no-permanent] VSN)", name, err, name)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%s: want one version (usage: %s [--check] [--no-permanent] VSN)", name, name)
	}
	rep, err := do(fs.Arg(0), opts)
	if rep != nil {
		rep.Format(out)
	}
	return err
}

func (h *Handler) releasesCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 0 {
		return fmt.Errorf("releases: takes no arguments")
	}
	rels, err := h.Releases()
	if err != nil {
		return err
	}
	for _, r := range rels {
		fmt.Fprintf(out, "%s %-10s %s\n", h.name, r.Version, r.Status)
	}
	return nil
}
