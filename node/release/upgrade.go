package release

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// Options tunes an upgrade or a downgrade.
type Options struct {
	// Check rehearses: every module is compiled and every CodeChange runs
	// on a copy of its process's state; nothing on the node changes.
	Check bool
	// NoPermanent leaves the permanent version as it is, so that a
	// restart boots the release that ran before.
	NoPermanent bool
}

// Upgrade moves the node to release vsn, placed in releases/<vsn>/ (its
// tarball, or unpacked), with the up step of that release's relup from
// the running version. It is all or nothing: on any failure every process
// keeps its old code and state, the node runs the old release, and the
// error wraps ErrAborted or tells what was refused before anything
// started. The report tells what was done, or would have been, per module
// and process.
func (h *Handler) Upgrade(vsn string, opts Options) (*Report, error) { return h.move(vsn, opts, true) }

// Downgrade moves the node back to release vsn, unpacked in
// releases/<vsn>/, with the down step of the running release's relup.
func (h *Handler) Downgrade(vsn string, opts Options) (*Report, error) {
	return h.move(vsn, opts, false)
}

// move takes the node to release vsn: up with the step of vsn's relup
// from the running release, or down with the step of the running
// release's relup to vsn, as OTP keeps both in the newer release's relup.
func (h *Handler) move(vsn string, opts Options, up bool) (*Report, error) {
	if !h.busy.TryLock() {
		return nil, ErrBusy
	}
	defer h.busy.Unlock()
	start := time.Now()
	from := h.Current()
	if vsn == from.Version {
		return nil, fmt.Errorf("%w: release %s %s is the one running", ErrNoRelease, h.name, vsn)
	}
	to, edited, err := h.unpack(vsn)
	if err != nil {
		return nil, err
	}
	newer, hint := from.Version, ""
	if up {
		newer, hint = vsn, " (node release --upgrade writes one)"
	}
	file := filepath.Join(h.dir(newer), RelupFile)
	plan, err := ReadPlan(file)
	if err != nil {
		return nil, fmt.Errorf("%w: release %s %s: %w%s", ErrBadPlan, h.name, newer, err, hint)
	}
	var step *Step
	var ok bool
	if up {
		if step, ok = plan.StepUp(from.Version); !ok {
			return nil, fmt.Errorf("%w: %s upgrades from %s; the node runs %s", ErrWrongFrom, file, steps(plan.Up), from.Version)
		}
	} else if step, ok = plan.StepDown(vsn); !ok {
		return nil, fmt.Errorf("%w: %s downgrades to %s, not %s", ErrWrongFrom, file, steps(plan.Down), vsn)
	}
	rep, err := h.run(start, file, step, from, to, opts)
	if rep != nil && up {
		rep.Edited = edited // the relup and files of vsn, which an upgrade runs
	}
	return rep, err
}

func steps(ss []*Step) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Vsn)
	}
	if len(out) == 0 {
		return "no version"
	}
	return fmt.Sprint(out)
}

// run validates step, which takes the node from release from to release
// to, and runs it; start is when the request came, for the report.
func (h *Handler) run(start time.Time, file string, step *Step, from, to *Manifest, opts Options) (*Report, error) {
	if err := step.Check(file, from, to); err != nil {
		return nil, err
	}
	if why := step.Restart(); why != "" {
		return nil, fmt.Errorf("%w: %s -> %s: %s (upgrade --restart %s restarts the node on it)", ErrRestartNeeded, from.Version, to.Version, why, to.Version)
	}
	srcs, err := to.Sources(h.dir(to.Version))
	if err != nil {
		return nil, err
	}
	x := &execution{h: h, step: step, from: from, to: to, opts: opts,
		rep: &Report{Release: h.name, From: from.Version, To: to.Version, Up: step.Up, Check: opts.Check}}
	err = x.run(srcs)
	x.rep.Took = time.Since(start)
	if err != nil {
		return x.rep, err
	}
	if opts.Check {
		return x.rep, nil
	}
	h.mu.Lock()
	h.old = append(slices.DeleteFunc(h.old, func(v string) bool { return v == to.Version }), from.Version)
	h.current = to
	h.mu.Unlock()
	if err := addHistory(h.root, to.Version); err != nil {
		return x.rep, err
	}
	if !opts.NoPermanent {
		if err := h.setPermanent(to.Version); err != nil {
			return x.rep, fmt.Errorf("release %s %s runs, but it could not be made permanent: %w", h.name, to.Version, err)
		}
		x.rep.Permanent = true
	}
	return x.rep, nil
}

// execution is one run of a step.
type execution struct {
	h        *Handler
	step     *Step
	from, to *Manifest
	opts     Options
	rep      *Report
	loading  *code.Loading
	objects  map[string]*code.Object
}

// ops returns the arguments of the step's instructions of operation op.
func (x *execution) ops(op string) [][]string {
	var out [][]string
	for _, in := range x.step.Instrs {
		if in.Op == op {
			out = append(out, in.Args)
		}
	}
	return out
}

func (x *execution) run(srcs []*code.Source) error {
	if err := x.compile(srcs); err != nil {
		return err
	}
	batch, procs := x.affected()
	if x.opts.Check {
		defer x.loading.Discard()
		return x.rehearse(procs)
	}
	suspendStart := time.Now()
	if err := x.migrate(batch); err != nil {
		batch.AbortResume()
		x.loading.Discard()
		x.rep.Suspended = time.Since(suspendStart)
		x.rep.failProcs(procs, err)
		return fmt.Errorf("%w: %w", ErrAborted, err)
	}
	if err := x.loading.Switch(false); err != nil { // prepared above: not out of order
		batch.AbortResume()
		x.loading.Discard()
		return fmt.Errorf("%w: %w", ErrAborted, err)
	}
	batch.CommitResume()
	loaded, _ := x.loading.Commit()
	x.h.cs.SetPath([]string{filepath.Join(x.h.dir(x.to.Version), ModulesDir)})
	x.rep.Suspended = time.Since(suspendStart)
	x.rep.okProcs(procs)
	for _, lr := range loaded {
		x.rep.noteKilled(lr)
	}
	x.finish()
	return nil
}

// compile compiles every module the step loads or adds, before anything
// changes.
func (x *execution) compile(srcs []*code.Source) error {
	bySrc := map[string]*code.Source{}
	for _, s := range srcs {
		bySrc[s.Name] = s
	}
	var list []*code.Source
	for _, op := range []string{OpAddModule, OpLoadObjectCode} {
		for _, a := range x.ops(op) {
			list = append(list, bySrc[a[0]])
			old, _ := x.from.Module(a[0])
			action := "loaded"
			switch {
			case op == OpAddModule:
				action = "added"
			case old.Vsn != a[1]:
				action = "code changed"
			}
			x.rep.Modules = append(x.rep.Modules, ModuleReport{Name: a[0], FromVsn: old.Vsn, ToVsn: a[1], Action: action})
		}
	}
	for _, a := range x.ops(OpDeleteModule) {
		old, _ := x.from.Module(a[0])
		x.rep.Modules = append(x.rep.Modules, ModuleReport{Name: a[0], FromVsn: old.Vsn, Action: "deleted"})
	}
	l, err := x.h.cs.PrepareLoading(list)
	if err != nil {
		for i := range x.rep.Modules {
			x.rep.Modules[i].Err = "not loaded: the upgrade was aborted"
		}
		return fmt.Errorf("%w: compile: %w", ErrAborted, err)
	}
	x.loading = l
	x.rep.noteTiers(l.Objects())
	x.objects = map[string]*code.Object{}
	for _, o := range l.Objects() {
		x.objects[o.Info().Name] = o
	}
	return nil
}

// affected returns, as a batch not suspended yet, the processes running
// the modules the step suspends, and their reports to fill in.
func (x *execution) affected() (*node.Batch, []ProcReport) {
	mods := map[string]bool{}
	for _, a := range x.ops(OpSuspend) {
		mods[node.ModuleKey(a[0])] = true
	}
	if len(mods) == 0 {
		return x.h.n.NewBatch(nil, x.from.suspendTimeout()), nil
	}
	seen := map[string]bool{} // by the module name as processes spell it: most spell it alike
	match := func(m string) bool {
		ok, known := seen[m]
		if !known {
			ok = mods[node.ModuleKey(m)]
			seen[m] = ok
		}
		return ok
	}
	b := x.h.n.BatchOf(match, x.from.suspendTimeout())
	procs := make([]ProcReport, 0, b.Len())
	for sv := range b.Servers() {
		procs = append(procs, ProcReport{PID: sv.PID, Name: sv.Name, Module: sv.Module})
	}
	return b, procs
}

// migrate suspends the processes of every module the step suspends and
// computes their new states, one message each, with nothing switched yet:
// an upgrade runs the CodeChange of the new version, compiled but not
// loaded; a downgrade the running version's, as OTP's code_change({down,
// Vsn}) runs before the old code is loaded back.
func (x *execution) migrate(b *node.Batch) error {
	for _, a := range x.ops(OpSuspend) {
		cb, oldVsn := x.codeChangeOf(a[0])
		if cb == nil { // suspended and loaded, state kept
			cb = &node.Callbacks{Vsn: x.vsnAfter(a[0])}
		}
		if err := b.PrepareWith(cb, a[0], oldVsn, nil); err != nil {
			return err
		}
	}
	return nil
}

// vsnAfter is the version module mod has once the step is done.
func (x *execution) vsnAfter(mod string) string {
	m, _ := x.to.Module(mod)
	return m.Vsn
}

// rehearse runs each CodeChange the step would run on a copy of the state
// of each process, with nothing suspended or switched.
func (x *execution) rehearse(procs []ProcReport) error {
	sys := x.h.n.Sys()
	var errs []error
	for i := range procs {
		p := &procs[i]
		cb, oldVsn := x.codeChangeOf(p.Module)
		if cb == nil || cb.CodeChange == nil {
			p.Outcome = "would keep its state (no CodeChange)"
			continue
		}
		st, err := sys.GetState(p.PID)
		if err == nil {
			_, err = protect(func() (any, error) { return cb.CodeChange(oldVsn, deepCopy(st), nil) })
		}
		if err != nil {
			p.Outcome, p.Err = "would fail", err.Error()
			errs = append(errs, fmt.Errorf("%v (%s): %w", p.PID, p.Module, err))
			continue
		}
		p.Outcome = "would migrate"
	}
	x.rep.Procs = procs
	if len(errs) > 0 {
		return fmt.Errorf("%w: check: %w", ErrAborted, errors.Join(errs...))
	}
	return nil
}

// codeChangeOf returns the callbacks whose CodeChange the step runs for
// module mod, and the oldVsn it is given.
func (x *execution) codeChangeOf(mod string) (*node.Callbacks, string) {
	for _, a := range x.ops(OpCodeChange) {
		if a[1] != mod {
			continue
		}
		if a[0] == "up" {
			return x.objects[mod].Callbacks(), a[2]
		}
		m, err := x.h.cs.Module(mod)
		if err != nil {
			return nil, ""
		}
		cb := *m.Callbacks()
		cb.Vsn = a[2] // the state will be version a[2]'s
		return &cb, DownPrefix + a[2]
	}
	return nil, ""
}

func protect(f func() (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// finish deletes removed modules and applies the supervisor changes,
// after the switch: they cannot undo it, and their failures are reported.
func (x *execution) finish() {
	cs := x.h.cs
	for _, a := range x.ops(OpDeleteModule) {
		_, err := cs.Purge(a[0])
		if err == nil {
			err = cs.Delete(a[0])
		}
		x.rep.moduleErr(a[0], err)
	}
	for _, in := range x.step.Instrs {
		var err error
		sup, id := "", ""
		switch len(in.Args) {
		case 2:
			sup, id = in.Args[0], in.Args[1]
		case 1:
			sup = in.Args[0]
		}
		switch in.Op {
		case OpStopTree:
			err = x.h.n.StopServer(node.Name(sup), node.Shutdown)
		case OpStartTree:
			_, err = x.h.start.startTree(x.to.Start)
		case OpStopChild:
			err = x.stopChild(sup, id)
		case OpChangeChild:
			if err = x.stopChild(sup, id); err == nil {
				err = x.startChild(sup, id)
			}
		case OpStartChild:
			err = x.startChild(sup, id)
		default:
			continue
		}
		cr := ChildReport{Op: in.Op, Supervisor: sup, ID: id}
		if err != nil {
			cr.Err = err.Error()
		}
		x.rep.Children = append(x.rep.Children, cr)
	}
}

func (x *execution) startChild(sup, id string) error {
	spec, err := x.h.start.childSpec(specChild(x.to.Start, sup, id))
	if err == nil {
		_, err = x.h.n.StartChild(node.Name(sup), spec)
	}
	return err
}

func (x *execution) stopChild(sup, id string) error {
	n := x.h.n
	if err := n.TerminateChild(node.Name(sup), id); err != nil {
		return err
	}
	return n.DeleteChild(node.Name(sup), id)
}
