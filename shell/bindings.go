package shell

import (
	"errors"
	"reflect"

	"github.com/gexdev/gex/node"
)

// bindings returns the names the session's Go sees without an import:
// the helpers in their Go form (r("KV"), v(-2), pid("0.117.0")), sys for
// system calls (sys.GetState(pid)), code for the code server, and the
// evaluator's tuple function. User variables of the same names shadow
// them.
func (s *Session) bindings() map[string]reflect.Value {
	e := s.env
	b := map[string]any{
		"c":            e.C,
		"r":            e.R,
		"l":            e.L,
		"i":            s.inspect,
		"h":            e.H,
		"v":            s.v,
		"pid":          e.Pid,
		"self":         e.Self,
		"flush":        e.Flush,
		"ls":           e.Ls,
		"pwd":          e.Pwd,
		"cd":           e.Cd,
		"clear":        e.Clear,
		"exports":      e.Exports,
		"recompile":    e.Recompile,
		"runtime_info": e.RuntimeInfo,
		"processes":    e.Processes,
		"sys":          s.sys(),
		tupleName:      func(vs ...any) []any { return vs },
	}
	if s.code != nil {
		b["code"] = s.code
	}
	m := make(map[string]reflect.Value, len(b))
	for name, v := range b {
		m[name] = reflect.ValueOf(v)
	}
	return m
}

// sys returns the node's system calls, tracing to the session's output.
func (s *Session) sys() node.System { return s.node.Sys().WithOutput(s.out) }

// v returns an earlier result: v() or v(-1) the last, v(-2) the one
// before, v(3) that of line 3.
func (s *Session) v(n ...int) (any, error) {
	if len(n) > 1 {
		return nil, errors.New("v takes one line number")
	}
	if len(n) == 0 {
		return s.hist.get(-1)
	}
	return s.hist.get(n[0])
}

// inspect is i: of the last result when given nothing.
func (s *Session) inspect(x ...any) error {
	if len(x) == 0 {
		last, err := s.hist.get(-1)
		if err != nil {
			return err
		}
		x = []any{last}
	}
	for _, v := range x {
		if err := s.env.I(v); err != nil {
			return err
		}
	}
	return nil
}

// callTable returns the functions behind the Erlang-style :sys and :code
// calls. They return what Erlang's do where Go has a match; calls that
// return only an error show :ok when it is nil, as Erlang's return ok.
func (s *Session) callTable() map[string]reflect.Value {
	t := map[string]any{
		"sys.get_state":     func(d node.Dest) (any, error) { return s.sys().GetState(d) },
		"sys.replace_state": func(d node.Dest, f func(any) any) (any, error) { return s.sys().ReplaceState(d, f) },
		"sys.get_status":    func(d node.Dest) (node.Status, error) { return s.sys().GetStatus(d) },
		"sys.suspend":       func(d node.Dest) error { return s.sys().Suspend(d) },
		"sys.resume":        func(d node.Dest) error { return s.sys().Resume(d) },
		"sys.change_code": func(d node.Dest, module, oldVsn string, extra any) error {
			return s.sys().ChangeCode(d, s.moduleName(module), oldVsn, extra)
		},
		"sys.trace":      func(d node.Dest, on bool) error { return s.sys().Trace(d, on) },
		"sys.log":        func(d node.Dest, on bool) error { return s.sys().Log(d, on, 10) },
		"sys.statistics": func(d node.Dest) (node.Stats, error) { return s.sys().Statistics(d) },
	}
	if s.code != nil {
		cs := s.code
		t["code.load_file"] = s.env.LoadFile
		t["code.purge"] = s.env.Purge
		t["code.soft_purge"] = s.env.SoftPurge
		t["code.delete"] = s.env.Delete
		t["code.is_loaded"] = cs.IsLoaded
		t["code.which"] = func(m string) (string, error) {
			p, err := cs.Which(m)
			return s.env.Rel(p), err
		}
		t["code.all_loaded"] = func() map[string]string {
			m := map[string]string{}
			for _, in := range cs.AllLoaded() {
				m[in.Name] = in.Vsn
			}
			return m
		}
		t["code.modified_modules"] = cs.ModifiedModules
	}
	m := make(map[string]reflect.Value, len(t))
	for name, f := range t {
		m[name] = reflect.ValueOf(f)
	}
	return m
}

// moduleName returns the code server's name for a module written as the
// user wrote it (DemoServer for demoserver), or the name unchanged.
func (s *Session) moduleName(name string) string {
	if s.code == nil {
		return name
	}
	if in, err := s.code.Info(name); err == nil {
		return in.Name
	}
	return name
}
