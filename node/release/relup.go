package release

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// RelupFile is the name of a release's upgrade plan in releases/<vsn>/.
const RelupFile = "relup"

// Plan is a relup: how to move a running node to release Vsn from older
// versions (Up) and back to them (Down). It is a text file people read
// and may edit; Format writes it, ParsePlan reads it back, and Check
// validates a step against the two releases before it runs.
type Plan struct {
	Release string
	Vsn     string
	Up      []*Step // one per version upgraded from
	Down    []*Step // one per version downgraded to
}

// Step is the instructions for one from (up) or to (down) version.
type Step struct {
	Vsn    string // the other release's version
	Up     bool
	Line   int
	Instrs []Instr
}

// Instr is one instruction of a step. The operations, OTP's relup ones
// where there is one:
//
//	add_module M VSN        compile module M, new in the release, and load it
//	delete_module M         unload module M, gone from the release
//	load_object_code M VSN  compile M's version VSN, before anything changes
//	point_of_no_return      in OTP, where failure means a restart; in Gex the
//	                        step stays all or nothing, and this marks where the
//	                        suspended processes' code is switched
//	suspend M               suspend the processes running module M
//	load M                  make the compiled version of M current
//	code_change up M OLD    run the new CodeChange(OLD, state, nil) on them
//	code_change down M TO   run the running CodeChange("down:"+TO, state, nil)
//	                        before the old code is loaded back
//	resume M                resume them
//	start_child SUP ID      start child ID of supervisor SUP from the new spec
//	stop_child SUP ID       stop child ID of SUP and forget its spec
//	change_child SUP ID     stop child ID and start it again from the new spec
//	start_tree SUP          start the new release's top-level supervisor SUP,
//	                        its whole tree, as a boot does
//	stop_tree SUP           stop the top-level supervisor SUP, its whole tree
//	restart_new_binary WHY  the release needs another node binary: no hot upgrade
type Instr struct {
	Op   string
	Args []string
	Line int
}

// Operations.
const (
	OpAddModule      = "add_module"
	OpDeleteModule   = "delete_module"
	OpLoadObjectCode = "load_object_code"
	OpPointOfNoRet   = "point_of_no_return"
	OpSuspend        = "suspend"
	OpLoad           = "load"
	OpCodeChange     = "code_change"
	OpResume         = "resume"
	OpStartChild     = "start_child"
	OpStopChild      = "stop_child"
	OpChangeChild    = "change_child"
	OpStartTree      = "start_tree"
	OpStopTree       = "stop_tree"
	OpRestartBinary  = "restart_new_binary"
)

// arity is how many arguments each operation takes; -1: the rest of the
// line, at least one word.
var arity = map[string]int{
	OpAddModule: 2, OpDeleteModule: 1, OpLoadObjectCode: 2, OpPointOfNoRet: 0,
	OpSuspend: 1, OpLoad: 1, OpCodeChange: 3, OpResume: 1,
	OpStartChild: 2, OpStopChild: 2, OpChangeChild: 2, OpStartTree: 1, OpStopTree: 1,
	OpRestartBinary: -1,
}

func (in Instr) String() string {
	if in.Op == OpRestartBinary {
		return in.Op + " " + strings.Join(in.Args, " ")
	}
	return strings.TrimSpace(in.Op + " " + strings.Join(in.Args, " "))
}

// DownPrefix starts the oldVsn a downgrade gives CodeChange: the version
// being left is asked to turn its state into the shape of version TO with
// CodeChange("down:TO", state, nil), as OTP's code_change({down, Vsn}).
const DownPrefix = "down:"

// GeneratePlan makes the relup of release to, upgrading from release from
// and downgrading back to it.
func GeneratePlan(from, to *Manifest) *Plan {
	return &Plan{Release: to.Name, Vsn: to.Version,
		Up:   []*Step{step(from, to, true)},
		Down: []*Step{step(to, from, false)},
	}
}

// step is the instructions that take a node running release a to b. up
// tells which of the two is the newer one, for the order of code_change.
func step(a, b *Manifest, up bool) *Step {
	s := &Step{Up: up}
	if up {
		s.Vsn = a.Version
	} else {
		s.Vsn = b.Version
	}
	add := func(op string, args ...string) { s.Instrs = append(s.Instrs, Instr{Op: op, Args: args}) }
	if why := binaryChange(a.Binary, b.Binary); why != "" {
		add(OpRestartBinary, why)
	}
	var changed, reloaded []Module // b's versions
	for _, mb := range b.Modules {
		ma, ok := a.Module(mb.Name)
		switch {
		case !ok:
			add(OpAddModule, mb.Name, mb.Vsn)
		case ma.Vsn != mb.Vsn:
			changed = append(changed, mb)
		case ma.SHA256 != mb.SHA256:
			reloaded = append(reloaded, mb)
		}
	}
	for _, m := range slices.Concat(changed, reloaded) {
		add(OpLoadObjectCode, m.Name, m.Vsn)
	}
	if len(changed)+len(reloaded) > 0 {
		add(OpPointOfNoRet)
	}
	for _, m := range changed {
		add(OpSuspend, m.Name)
	}
	for _, m := range changed {
		old, _ := a.Module(m.Name)
		if up {
			add(OpLoad, m.Name)
			add(OpCodeChange, "up", m.Name, old.Vsn)
		} else {
			add(OpCodeChange, "down", m.Name, m.Vsn)
			add(OpLoad, m.Name)
		}
	}
	for _, m := range reloaded {
		add(OpLoad, m.Name)
	}
	for _, m := range changed {
		add(OpResume, m.Name)
	}
	for _, ma := range a.Modules {
		if _, ok := b.Module(ma.Name); !ok {
			add(OpDeleteModule, ma.Name)
		}
	}
	for _, c := range specChanges(a.Start, b.Start) {
		if c.id == "" {
			add(c.op, c.sup)
		} else {
			add(c.op, c.sup, c.id)
		}
	}
	return s
}

// binaryChange says why a release b cannot run on a's binary, or "".
func binaryChange(a, b Binary) string {
	var why []string
	if a.Gex != b.Gex {
		why = append(why, fmt.Sprintf("Gex %s -> %s", a.Gex, b.Gex))
	}
	if a.Go != b.Go {
		why = append(why, fmt.Sprintf("Go %s -> %s", a.Go, b.Go))
	}
	if a.OS != b.OS || a.Arch != b.Arch {
		why = append(why, fmt.Sprintf("platform %s/%s -> %s/%s", a.OS, a.Arch, b.OS, b.Arch))
	}
	if !slices.Equal(a.Symbols, b.Symbols) {
		why = append(why, fmt.Sprintf("interpreter symbols [%s] -> [%s]",
			strings.Join(a.Symbols, " "), strings.Join(b.Symbols, " ")))
	}
	if a.Deps != b.Deps {
		why = append(why, "the compiled packages changed (their versions or sums differ)")
	}
	return strings.Join(why, "; ")
}

type specChange struct{ op, sup, id string }

// specChanges compares two start specs supervisor by supervisor: children
// stopped (in a only), changed, and started (in b only), in that order. A
// new supervisor is started whole by its parent's start_child; a new
// top-level one, which has no parent, by start_tree, and a top-level one
// gone is stopped by stop_tree.
func specChanges(a, b *ChildSpec) []specChange {
	as, bs := supervisors(a), supervisors(b)
	var stops, changes, starts []specChange
	if len(as) > 0 && (len(bs) == 0 || as[0].ID != bs[0].ID) {
		stops = append(stops, specChange{OpStopTree, as[0].ID, ""})
		as = nil // its children go with it
	}
	if len(bs) > 0 && (len(as) == 0 || as[0].ID != bs[0].ID) {
		starts = append(starts, specChange{OpStartTree, bs[0].ID, ""})
		bs = nil // started whole
	}
	for _, sb := range bs {
		sa := find(as, sb.ID)
		if sa == nil {
			continue // started whole by its parent
		}
		for _, cb := range sb.Children {
			ca := child(sa, cb.ID)
			switch {
			case ca == nil:
				starts = append(starts, specChange{OpStartChild, sb.ID, cb.ID})
			case !sameSpec(ca, &cb):
				if ca.IsSupervisor() && cb.IsSupervisor() && sameOwn(ca, &cb) {
					continue // only its children changed: they are handled as its own
				}
				changes = append(changes, specChange{OpChangeChild, sb.ID, cb.ID})
			}
		}
		for _, ca := range sa.Children {
			if child(sb, ca.ID) == nil {
				stops = append(stops, specChange{OpStopChild, sa.ID, ca.ID})
			}
		}
	}
	return slices.Concat(stops, changes, starts)
}

// sameOwn reports whether two supervisor specs differ in their children
// alone.
func sameOwn(a, b *ChildSpec) bool {
	x, y := *a, *b
	x.Children, y.Children = nil, nil
	return sameSpec(&x, &y)
}

// sameSpec compares specs in the form a manifest holds them: one read back
// from JSON holds float64 where one fresh from gex.toml holds int64, so
// both go through JSON and back before they are compared (an integer
// beyond 2^53 is the float64 it reads back as, on both sides).
func sameSpec(a, b *ChildSpec) bool {
	return bytes.Equal(manifestForm(a), manifestForm(b))
}

// manifestForm returns c as a manifest written and read back gives it,
// encoded.
func manifestForm(c *ChildSpec) []byte {
	x, _ := json.Marshal(c)
	var back ChildSpec
	if json.Unmarshal(x, &back) != nil {
		return x
	}
	y, _ := json.Marshal(&back)
	return y
}

// supervisors lists the supervisor specs of a tree, parents first.
func supervisors(c *ChildSpec) []*ChildSpec {
	if c == nil || !c.IsSupervisor() {
		return nil
	}
	out := []*ChildSpec{c}
	for i := range c.Children {
		out = append(out, supervisors(&c.Children[i])...)
	}
	return out
}

func find(sups []*ChildSpec, id string) *ChildSpec {
	for _, s := range sups {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func child(sup *ChildSpec, id string) *ChildSpec {
	for i := range sup.Children {
		if sup.Children[i].ID == id {
			return &sup.Children[i]
		}
	}
	return nil
}
