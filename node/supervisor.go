package node

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// A supervisor is a GenServer that traps exits, as OTP's supervisor is: it
// starts its children in order, restarts them by its strategy when they
// exit, gives up and exits when they restart too often, and stops them in
// reverse order when it stops — so a tree of supervisors shuts down leaves
// first, which Node.Stop relies on.
//
// Children are started on the supervisor's goroutine: StartLink and
// SpawnLink called by a ChildSpec's Start link the child to the supervisor.
// The state belongs to that goroutine like any GenServer's, so the
// management functions (StartChild, WhichChildren, ...) are calls.

// Strategy is what a supervisor restarts when a child exits.
type Strategy uint8

const (
	// OneForOne restarts only the child that exited.
	OneForOne Strategy = iota
	// OneForAll stops every other child, newest first, then starts them all
	// again in order: for children that cannot work without each other.
	OneForAll
	// RestForOne stops the children started after the one that exited,
	// newest first, then starts it and them again in order: for children
	// that depend on those started before them.
	RestForOne
)

func (s Strategy) String() string {
	switch s {
	case OneForOne:
		return "one_for_one"
	case OneForAll:
		return "one_for_all"
	case RestForOne:
		return "rest_for_one"
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// RestartType is when a child is restarted after it exits.
type RestartType uint8

const (
	// Permanent children are always restarted.
	Permanent RestartType = iota
	// Transient children are restarted only after an abnormal exit: one
	// whose reason is not normal, shutdown or {shutdown, _} (see IsNormal).
	Transient
	// Temporary children are never restarted; the supervisor forgets them
	// when they exit or are terminated.
	Temporary
)

func (r RestartType) String() string {
	switch r {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Temporary:
		return "temporary"
	}
	return fmt.Sprintf("RestartType(%d)", uint8(r))
}

// ChildType tells workers from supervisors. It changes the default
// shutdown and is what CountChildren counts.
type ChildType uint8

const (
	Worker     ChildType = iota // stops within 5 s by default
	Supervisor                  // a child supervisor: waited for as long as it takes by default
)

func (t ChildType) String() string {
	switch t {
	case Worker:
		return "worker"
	case Supervisor:
		return "supervisor"
	}
	return fmt.Sprintf("ChildType(%d)", uint8(t))
}

// Special values of ChildSpec.Shutdown.
const (
	// BrutalKill kills the child at once: its Terminate does not run.
	BrutalKill time.Duration = math.MinInt64
	// Infinity waits for the child however long it takes to stop; it is the
	// default for child supervisors, which need the time to stop their own
	// children. Like every other negative timeout of the node, it means no
	// limit.
	Infinity time.Duration = -1
)

// Defaults, as Elixir's Supervisor has them.
const (
	defaultMaxRestarts = 3
	defaultPeriod      = 5 * time.Second
	defaultShutdown    = 5 * time.Second
)

// SupervisorSpec describes a supervisor.
type SupervisorSpec struct {
	Strategy Strategy
	// MaxRestarts is how many restarts the supervisor makes within Period
	// before it gives up: it stops its children and exits with a
	// *MaxRestartsError. 0 means 3; a negative value allows no restart.
	MaxRestarts int
	// Period is the window MaxRestarts counts in. 0 means 5 s.
	Period time.Duration
	// Children are started in order when the supervisor starts.
	Children []ChildSpec
}

// ChildSpec describes a child of a supervisor.
type ChildSpec struct {
	// ID names the child within its supervisor.
	ID string
	// Start starts the child and returns its PID. It runs on the
	// supervisor's goroutine, so StartLink and SpawnLink inside it link the
	// child to the supervisor; a child it returns unlinked is linked by the
	// supervisor. A zero PID with a nil error means "ignore": the spec is
	// kept with no process (a Temporary one is dropped).
	//
	// A closure belongs to the code that built it, which is right for
	// compiled code; a module's child specs name their start with MFA.
	Start func() (PID, error)
	// MFA, used when Start is nil, names the start as OTP's {M, F, A}: an
	// exported function of a module, returning (node.PID, error) or
	// node.PID, found in the module's current version at every start and
	// restart, so a child restarted after a reload or a purge runs current
	// code. It runs as Start does.
	MFA MFA
	// Restart says when the child is restarted. Default Permanent.
	Restart RestartType
	// Shutdown is how long the child gets to stop (its Terminate to run)
	// before it is killed. 0 means 5 s for a worker and Infinity for a
	// supervisor; BrutalKill kills it at once.
	Shutdown time.Duration
	// Type is Worker (the default) or Supervisor.
	Type ChildType
	// Modules are the modules the child runs, for release upgrades.
	// Default: the module of the process Start returns.
	Modules []string
}

// start starts the child its spec describes.
func (cs ChildSpec) start(n *Node) (PID, error) {
	if cs.Start != nil {
		return cs.Start()
	}
	return n.apply(cs.MFA)
}

// ChildInfo describes a child, as which_children does.
type ChildInfo struct {
	ID      string
	PID     PID // zero while the child is not running
	Type    ChildType
	Modules []string
}

// ChildCounts is what CountChildren reports. Supervisors and Workers count
// specs, running or not.
type ChildCounts struct {
	Specs, Active, Supervisors, Workers int
}

// ChildError reports a failed operation on a supervisor's child. It unwraps
// to ErrChildExists, ErrNoChild, ErrChildRunning, ErrBadSpec or the error
// the child's Start returned.
type ChildError struct {
	Op  string // "start", "start_child", "terminate_child", ...
	ID  string
	PID PID // the running child, for ErrChildExists and ErrChildRunning
	Err error
}

func (e *ChildError) Error() string {
	if !e.PID.IsZero() {
		return fmt.Sprintf("supervisor %s %q: %v (%v)", e.Op, e.ID, e.Err, e.PID)
	}
	return fmt.Sprintf("supervisor %s %q: %v", e.Op, e.ID, e.Err)
}

func (e *ChildError) Unwrap() error { return e.Err }

// MaxRestartsError is the exit reason of a supervisor that gave up: its
// children restarted more than MaxRestarts times within Period. It unwraps
// to ErrMaxRestarts and to the last exit reason, where that is an error.
type MaxRestartsError struct {
	Child       string // the child whose exit was one too many
	Reason      any    // why it exited, or why its restart failed
	MaxRestarts int
	Period      time.Duration
}

func (e *MaxRestartsError) Error() string {
	return fmt.Sprintf("supervisor %v: more than %d restarts in %v; child %q last exited: %s",
		ErrMaxRestarts, e.MaxRestarts, e.Period, e.Child, formatReason(e.Reason))
}

func (e *MaxRestartsError) Unwrap() []error {
	errs := []error{ErrMaxRestarts}
	if err, ok := e.Reason.(error); ok {
		errs = append(errs, err)
	}
	return errs
}

// StartSupervisor starts a supervisor, linked to the calling process when
// there is one, and returns once all its children have started. If one
// fails to start, those started are stopped and the error returned: an
// *InitError wrapping a *ChildError. opts are those of StartLink (Named).
func (n *Node) StartSupervisor(spec SupervisorSpec, opts ...StartOption) (PID, error) {
	s, err := newSupervisor(n, spec)
	if err != nil {
		return PID{}, err
	}
	return n.StartLink(supervisorModule{}, s, opts...)
}

// StartChild adds a child to the supervisor sup and starts it. It fails
// with ErrChildExists if sup has a child with that ID, running or not, and
// with the start's error if the child does not start (the spec is not
// kept). It waits as long as the child's start takes.
func (n *Node) StartChild(sup Dest, spec ChildSpec) (PID, error) {
	return n.childCall(sup, "start_child", startChildReq{spec: spec})
}

// TerminateChild stops the child id of sup as the supervisor would, with
// its Shutdown, and keeps its spec for RestartChild (a Temporary child's
// spec is dropped). Terminating a child that is not running does nothing.
func (n *Node) TerminateChild(sup Dest, id string) error {
	_, err := n.childCall(sup, "terminate_child", terminateChildReq{id: id})
	return err
}

// RestartChild starts again a child of sup that is not running, from its
// spec. It fails with ErrChildRunning if the child runs.
func (n *Node) RestartChild(sup Dest, id string) (PID, error) {
	return n.childCall(sup, "restart_child", restartChildReq{id: id})
}

// DeleteChild drops the spec of a child of sup that is not running. It
// fails with ErrChildRunning if the child runs: TerminateChild it first.
func (n *Node) DeleteChild(sup Dest, id string) error {
	_, err := n.childCall(sup, "delete_child", deleteChildReq{id: id})
	return err
}

// WhichChildren describes the children of sup in start order.
func (n *Node) WhichChildren(sup Dest) ([]ChildInfo, error) {
	v, err := n.supervisorRequest(sup, "which_children", whichChildrenReq{}, n.timeout)
	if err != nil {
		return nil, err
	}
	return v.([]ChildInfo), nil
}

// CountChildren counts the children of sup.
func (n *Node) CountChildren(sup Dest) (ChildCounts, error) {
	v, err := n.supervisorRequest(sup, "count_children", countChildrenReq{}, n.timeout)
	if err != nil {
		return ChildCounts{}, err
	}
	return v.(ChildCounts), nil
}

// Requests a supervisor serves. Their types are unexported so that only
// the functions above make them.
type (
	startChildReq     struct{ spec ChildSpec }
	terminateChildReq struct{ id string }
	restartChildReq   struct{ id string }
	deleteChildReq    struct{ id string }
	whichChildrenReq  struct{}
	countChildrenReq  struct{}

	// retryRestart is what a supervisor casts itself when a restart
	// failed, so that other messages are served between attempts.
	retryRestart struct {
		id     string
		reason any
	}

	childReply struct {
		pid PID
		err error
	}
)

// childCall makes a request that starts or stops children. Those wait as
// long as the children take, as OTP's supervisor calls do; Shutdown bounds
// each stop.
func (n *Node) childCall(sup Dest, op string, req any) (PID, error) {
	v, err := n.supervisorRequest(sup, op, req, Infinity)
	if err != nil {
		return PID{}, err
	}
	r := v.(childReply)
	return r.pid, r.err
}

// supervisorRequest calls sup after checking it is a supervisor: another
// GenServer would crash on a request it does not know.
func (n *Node) supervisorRequest(sup Dest, op string, req any, d time.Duration) (any, error) {
	p := n.resolve(sup)
	if p == nil {
		return nil, &CallError{Op: op, Dest: sup, Err: ErrNoProc}
	}
	if !p.isSupervisor() {
		return nil, &CallError{Op: op, Dest: sup, Err: ErrNotSupervisor}
	}
	return n.request(sup, envelope{kind: kindCall, msg: req}, d, op)
}

func (p *process) isSupervisor() bool {
	if p.kind != serverProc || p.srv == nil {
		return false
	}
	_, ok := p.srv.mod.(supervisorModule)
	return ok
}

// supervisorModule is the supervisor's callback module. It is compiled and
// never replaced; a supervisor's behaviour is in its spec.
type supervisorModule struct{}

func (supervisorModule) Name() string          { return "supervisor" }
func (supervisorModule) Callbacks() *Callbacks { return &supervisorCallbacks }

var supervisorCallbacks = Callbacks{
	Init:         supervisorInit,
	HandleCall:   supervisorCall,
	HandleCast:   supervisorCast,
	HandleInfo:   supervisorInfo,
	Terminate:    supervisorTerminate,
	FormatStatus: supervisorStatus,
}

// supervisor is a supervisor's state.
type supervisor struct {
	n        *Node
	self     *process
	strategy Strategy
	max      int
	period   time.Duration
	children []*child    // in start order
	restarts []time.Time // restarts within the period, oldest first
}

type child struct {
	spec       ChildSpec
	pid        PID      // zero while not running
	modules    []string // of the running process, when the spec names none
	restarting bool     // a failed restart will be tried again
}

func newSupervisor(n *Node, spec SupervisorSpec) (*supervisor, error) {
	if spec.Strategy > RestForOne {
		return nil, fmt.Errorf("supervisor: %w: unknown strategy %v", ErrBadSpec, spec.Strategy)
	}
	s := &supervisor{n: n, strategy: spec.Strategy, max: spec.MaxRestarts, period: spec.Period}
	if s.max == 0 {
		s.max = defaultMaxRestarts
	}
	if s.period <= 0 {
		s.period = defaultPeriod
	}
	for _, cs := range spec.Children {
		if err := s.check(cs, "start"); err != nil {
			return nil, err
		}
		s.children = append(s.children, &child{spec: cs})
	}
	return s, nil
}

// check vets a spec before it joins the supervisor's children.
func (s *supervisor) check(cs ChildSpec, op string) error {
	bad := func(why string) error {
		return &ChildError{Op: op, ID: cs.ID, Err: fmt.Errorf("%w: %s", ErrBadSpec, why)}
	}
	switch {
	case cs.ID == "":
		return bad("empty ID")
	case cs.Start == nil && (cs.MFA.Module == "" || cs.MFA.Func == ""):
		return bad("neither a Start function nor an MFA")
	case cs.Restart > Temporary:
		return bad("unknown restart type " + cs.Restart.String())
	case cs.Type > Supervisor:
		return bad("unknown child type " + cs.Type.String())
	}
	if c := s.byID(cs.ID); c != nil {
		return &ChildError{Op: op, ID: cs.ID, PID: c.pid, Err: ErrChildExists}
	}
	return nil
}

func supervisorInit(arg any) (any, error) {
	s := arg.(*supervisor)
	s.self = s.n.current()
	if s.self == nil {
		return nil, ErrNotProcess
	}
	s.self.setTrapExit(true)
	if c, err := s.startGroup(s.children); err != nil {
		s.stopGroup(s.children)
		return nil, &ChildError{Op: "start", ID: c.spec.ID, Err: err}
	}
	return s, nil
}

func supervisorCall(req any, _ From, state any) Result {
	s := state.(*supervisor)
	var r childReply
	switch q := req.(type) {
	case startChildReq:
		r.pid, r.err = s.startChild(q.spec)
	case terminateChildReq:
		r.err = s.terminateChild(q.id)
	case restartChildReq:
		r.pid, r.err = s.restartChild(q.id)
	case deleteChildReq:
		r.err = s.deleteChild(q.id)
	case whichChildrenReq:
		return Reply(s.which(), s)
	case countChildrenReq:
		return Reply(s.count(), s)
	default:
		return Reply(fmt.Errorf("supervisor: unexpected call %v", req), s)
	}
	return Reply(r, s)
}

func supervisorCast(msg any, state any) Result {
	s := state.(*supervisor)
	if r, ok := msg.(retryRestart); ok {
		return s.retry(r)
	}
	s.unexpected("cast", msg)
	return NoReply(s)
}

func supervisorInfo(msg any, state any) Result {
	s := state.(*supervisor)
	if sig, ok := msg.(ExitSignal); ok {
		return s.childExited(sig.From, sig.Reason)
	}
	s.unexpected("message", msg)
	return NoReply(s)
}

// supervisorTerminate stops the children newest first, each with its
// Shutdown, so a supervision tree stops leaves first.
func supervisorTerminate(_ any, state any) {
	s := state.(*supervisor)
	s.stopGroup(s.children)
}

// supervisorStatus shows the children, not the supervisor's internals.
func supervisorStatus(st Status) any {
	if s, ok := st.State.(*supervisor); ok {
		return s.which()
	}
	return st.State
}

func (s *supervisor) unexpected(kind string, msg any) {
	s.n.log.Warn("supervisor got unexpected "+kind, "pid", s.self.pid.String(), "msg", fmt.Sprint(msg))
}

// childExited handles the exit of a linked process: a child's exit is
// restarted as its restart type and the strategy say. Exits of processes
// that are no longer children (stopped or replaced meanwhile) are stale.
func (s *supervisor) childExited(pid PID, reason any) Result {
	c := s.byPID(pid)
	if pid.IsZero() || c == nil {
		return NoReply(s)
	}
	c.pid = PID{}
	switch {
	case c.spec.Restart == Temporary:
		s.remove(c)
		return NoReply(s)
	case c.spec.Restart == Transient && IsNormal(reason):
		return NoReply(s)
	case s.n.stopping.Load():
		// The node is shutting everything down; a restart would only race it.
		return NoReply(s)
	}
	return s.restart(c, reason)
}

// retry tries again a restart that failed, unless the child was restarted,
// stopped or deleted meanwhile.
func (s *supervisor) retry(r retryRestart) Result {
	c := s.byID(r.id)
	if c == nil || !c.restarting || s.n.stopping.Load() {
		return NoReply(s)
	}
	return s.restart(c, r.reason)
}

// restart counts a restart of c and carries it out as the strategy says.
// A start that fails is tried again later, each attempt counting, so a
// child that cannot start ends the supervisor once the intensity is spent.
func (s *supervisor) restart(c *child, reason any) Result {
	if !s.addRestart(time.Now()) {
		return StopWith(&MaxRestartsError{Child: c.spec.ID, Reason: reason, MaxRestarts: max(s.max, 0), Period: s.period}, s)
	}
	s.stopGroup(s.group(c))
	failed, err := s.startGroup(s.group(c))
	if err != nil {
		failed.restarting = true
		s.n.log.Error("supervisor could not restart child; trying again",
			"pid", s.self.pid.String(), "child", failed.spec.ID, "error", err)
		s.self.deliver(envelope{kind: kindCast, msg: retryRestart{id: failed.spec.ID, reason: err}})
	}
	return NoReply(s)
}

// group returns the children the strategy restarts with c, in start order.
func (s *supervisor) group(c *child) []*child {
	switch s.strategy {
	case OneForAll:
		return slices.Clone(s.children)
	case RestForOne:
		return slices.Clone(s.children[slices.Index(s.children, c):])
	}
	return []*child{c}
}

// addRestart records a restart at now and reports whether it is within
// the supervisor's intensity: at most max restarts in the last period.
func (s *supervisor) addRestart(now time.Time) bool {
	cut := now.Add(-s.period)
	kept := s.restarts[:0]
	for _, t := range s.restarts {
		if !t.Before(cut) {
			kept = append(kept, t)
		}
	}
	s.restarts = append(kept, now)
	return len(s.restarts) <= s.max
}

// startGroup starts the children of group in order and stops at the first
// that fails, returning it with its error.
func (s *supervisor) startGroup(group []*child) (*child, error) {
	for _, c := range slices.Clone(group) {
		if err := s.start(c); err != nil {
			return c, err
		}
	}
	return nil, nil
}

// start runs c's Start on the supervisor's goroutine and adopts what it
// returns. A panic in Start is a failed start.
func (s *supervisor) start(c *child) error {
	var pid PID
	var err error
	if pe := s.self.protect(func() { pid, err = c.spec.start(s.n) }); pe != nil {
		err = pe
	}
	if err != nil {
		return err
	}
	c.pid, c.restarting, c.modules = pid, false, nil
	if pid.IsZero() {
		if c.spec.Restart == Temporary {
			s.remove(c)
		}
		return nil
	}
	s.adopt(c)
	return nil
}

// adopt makes sure the supervisor hears of c's exit: Start should have
// linked it, but may have started it unlinked.
func (s *supervisor) adopt(c *child) {
	q := s.n.lookup(c.pid)
	if q != nil {
		q.mu.Lock()
		if len(c.spec.Modules) == 0 && q.module != "" {
			c.modules = []string{q.module}
		}
		q.mu.Unlock()
	}
	if s.linked(c.pid) {
		return
	}
	if q != nil {
		link(s.self, q) // signals the supervisor if q died meanwhile
		return
	}
	// c exited already. If it was linked, its exit signal is on its way and
	// this one, arriving second, is stale; if not, none would come. Either
	// way the supervisor learns of it, as Erlang's link to a dead process
	// reports noproc.
	s.self.signal(c.pid, ErrNoProc, false)
}

func (s *supervisor) linked(pid PID) bool {
	s.self.mu.Lock()
	defer s.self.mu.Unlock()
	_, ok := s.self.links[pid]
	return ok
}

// stopGroup stops the running children of group, newest first, and forgets
// the Temporary ones, as OTP's terminate_children does.
func (s *supervisor) stopGroup(group []*child) {
	group = slices.Clone(group)
	for i := len(group) - 1; i >= 0; i-- {
		c := group[i]
		s.stop(c)
		if c.spec.Restart == Temporary {
			s.remove(c)
		}
	}
}

// stop stops c as its Shutdown says. The child is unlinked first so its
// exit is not taken for a crash to restart.
func (s *supervisor) stop(c *child) {
	pid := c.pid
	c.pid, c.restarting = PID{}, false
	if pid.IsZero() {
		return
	}
	s.n.unlink(s.self, pid)
	q := s.n.lookup(pid)
	if q == nil {
		return
	}
	d := c.shutdown()
	if d == BrutalKill {
		q.kill(Killed)
		return
	}
	s.n.shutdownProc(s.self.pid, q, Shutdown, d)
	if q.exitReason() == Killed && d >= 0 {
		s.n.log.Warn("supervisor killed child that did not stop in time",
			"pid", s.self.pid.String(), "child", c.spec.ID, "child_pid", pid.String(), "shutdown", d)
	}
}

// shutdown is the child's Shutdown with its default: Infinity (any
// negative value but BrutalKill) for supervisors, 5 s for workers.
func (c *child) shutdown() time.Duration {
	switch d := c.spec.Shutdown; {
	case d == BrutalKill:
		return BrutalKill
	case d < 0:
		return Infinity
	case d > 0:
		return d
	case c.spec.Type == Supervisor:
		return Infinity
	}
	return defaultShutdown
}

func (p *process) exitReason() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reason
}

func (s *supervisor) startChild(spec ChildSpec) (PID, error) {
	if err := s.check(spec, "start_child"); err != nil {
		return PID{}, err
	}
	c := &child{spec: spec}
	s.children = append(s.children, c)
	if err := s.start(c); err != nil {
		s.remove(c)
		return PID{}, &ChildError{Op: "start_child", ID: spec.ID, Err: err}
	}
	return c.pid, nil
}

func (s *supervisor) terminateChild(id string) error {
	c := s.byID(id)
	if c == nil {
		return &ChildError{Op: "terminate_child", ID: id, Err: ErrNoChild}
	}
	s.stop(c)
	if c.spec.Restart == Temporary {
		s.remove(c)
	}
	return nil
}

func (s *supervisor) restartChild(id string) (PID, error) {
	c := s.byID(id)
	switch {
	case c == nil:
		return PID{}, &ChildError{Op: "restart_child", ID: id, Err: ErrNoChild}
	case !c.pid.IsZero():
		return PID{}, &ChildError{Op: "restart_child", ID: id, PID: c.pid, Err: ErrChildRunning}
	}
	if err := s.start(c); err != nil {
		return PID{}, &ChildError{Op: "restart_child", ID: id, Err: err}
	}
	return c.pid, nil
}

func (s *supervisor) deleteChild(id string) error {
	c := s.byID(id)
	switch {
	case c == nil:
		return &ChildError{Op: "delete_child", ID: id, Err: ErrNoChild}
	case !c.pid.IsZero():
		return &ChildError{Op: "delete_child", ID: id, PID: c.pid, Err: ErrChildRunning}
	}
	s.remove(c)
	return nil
}

func (s *supervisor) which() []ChildInfo {
	out := make([]ChildInfo, len(s.children))
	for i, c := range s.children {
		mods := c.spec.Modules
		if len(mods) == 0 {
			mods = c.modules
		}
		out[i] = ChildInfo{ID: c.spec.ID, PID: c.pid, Type: c.spec.Type, Modules: slices.Clone(mods)}
	}
	return out
}

func (s *supervisor) count() ChildCounts {
	cc := ChildCounts{Specs: len(s.children)}
	for _, c := range s.children {
		if !c.pid.IsZero() {
			cc.Active++
		}
		if c.spec.Type == Supervisor {
			cc.Supervisors++
		} else {
			cc.Workers++
		}
	}
	return cc
}

func (s *supervisor) byID(id string) *child {
	for _, c := range s.children {
		if c.spec.ID == id {
			return c
		}
	}
	return nil
}

func (s *supervisor) byPID(pid PID) *child {
	for _, c := range s.children {
		if c.pid == pid {
			return c
		}
	}
	return nil
}

func (s *supervisor) remove(c *child) {
	if i := slices.Index(s.children, c); i >= 0 {
		s.children = slices.Delete(s.children, i, i+1)
	}
}
