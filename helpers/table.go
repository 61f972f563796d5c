package helpers

import (
	"strings"

	"github.com/gexdev/gex/node"
)

// Param is what an argument of a helper's IEx form takes, which decides
// how the console reads a bare identifier passed for it.
type Param int

const (
	// ParamValue is any Go expression.
	ParamValue Param = iota
	// ParamDest is a process: a PID-valued expression, or a bare name
	// that is not a session variable, read as a registered name (KV).
	ParamDest
	// ParamModule is a module: a bare name that is not a session
	// variable (KV, DemoServer) is read as its text; anything else is a
	// Go expression, usually a string.
	ParamModule
	// ParamPath is a file or directory: a string expression.
	ParamPath
	// ParamTopic is a help topic, written bare: r, :sys.get_state, kv.Put.
	ParamTopic
	// ParamWord is one of a helper's words, written bare or quoted:
	// migrate in watch migrate.
	ParamWord
)

// A Helper is one entry of the console's catalogue: a helper such as r,
// an Erlang-style call such as :sys.get_state, or a name bound for Go
// code such as sys.
//
// The console derives everything it knows of helpers from Table: which
// IEx forms parse and with how many arguments (Params, Optional,
// Variadic), the names bound in the session's Go (Func, under Name, for
// entries that are not calls), what Tab completes (the names), and what
// h shows (Synopsis, Doc). Adding a helper is adding an entry.
type Helper struct {
	// Name is what the user types: "r", or ":sys.get_state" for a call.
	Name string
	// Synopsis is how the helper is typed, as help and usage errors show
	// it. It must itself parse as the helper's IEx form.
	Synopsis string
	// Doc is the help text; its first sentence is the summary h lists.
	Doc string

	// Params are the arguments of the IEx form, in order; Optional of
	// the last may be left out, and with Variadic the last repeats.
	Params   []Param
	Optional int
	Variadic bool
	// GoOnly marks a name that has no IEx form: it is typed as Go, as
	// self() and sys.GetState(pid) are.
	GoOnly bool

	// Func returns the helper's Go function for an Env: its signature
	// is the Go form's, and the IEx form's arguments are converted to its
	// parameter types. A last result of type error is the helper's
	// failure. Func returns nil where e cannot provide the helper (the
	// :code calls without a code server).
	Func func(e *Env) any
}

// IsCall reports whether h is an Erlang-style call, :module.function.
func (h *Helper) IsCall() bool { return strings.HasPrefix(h.Name, ":") }

// Accepts reports whether h's IEx form takes n arguments.
func (h *Helper) Accepts(n int) bool {
	min := len(h.Params) - h.Optional
	if h.Variadic {
		return n >= min
	}
	return n >= min && n <= len(h.Params)
}

// Param returns the kind of the i'th argument of h's IEx form.
func (h *Helper) Param(i int) Param {
	if i >= len(h.Params) {
		return h.Params[len(h.Params)-1] // variadic
	}
	return h.Params[i]
}

func params(ps ...Param) []Param { return ps }

// Table returns the console's catalogue of helpers, in the order h lists
// them. Each call returns a new slice, which the caller may extend.
func Table() []Helper {
	return []Helper{
		{Name: "c", Synopsis: `c "kv.go"`, Params: params(ParamPath), Variadic: true,
			Doc:  "Compiles and loads the module in a file or directory. Loading a module already loaded makes the loaded version old, and warns. Go form: c(\"kv.go\").",
			Func: func(e *Env) any { return e.C }},
		{Name: "r", Synopsis: "r KV", Params: params(ParamModule), Variadic: true,
			Doc:  "Recompiles and reloads a module from the source it was loaded from. Its GenServers handle their next message with the new code and the state they have; suspend them and use :sys.change_code to migrate the state. Go form: r(\"KV\").",
			Func: func(e *Env) any { return e.R }},
		{Name: "l", Synopsis: "l KV", Params: params(ParamModule),
			Doc:  "Loads a module from the code path. Go form: l(\"KV\").",
			Func: func(e *Env) any { return e.L }},
		{Name: "recompile", Synopsis: "recompile",
			Doc:  "Reloads every loaded module whose source changed on disk.",
			Func: func(e *Env) any { return e.Recompile }},
		{Name: "watch", Synopsis: "watch migrate", Params: params(ParamWord), Optional: 1,
			Doc:  "Reloads modules as they are saved under the code path, as r does, and shows in every session what each reload did: plain watch says which GenServers now run on old state, with the commands that migrate them; watch migrate migrates them, all or none. A save that would kill the processes left on a version two saves old is held, and watch force loads it, killing them. If a watcher runs, says where and in which mode. Go form: watch(\"migrate\").",
			Func: func(e *Env) any { return e.Watch }},
		{Name: "unwatch", Synopsis: "unwatch",
			Doc:  "Stops reloading modules on save, whichever session started it; what was loaded stays loaded.",
			Func: func(e *Env) any { return e.Unwatch }},
		{Name: "exports", Synopsis: "exports KV", Params: params(ParamModule),
			Doc:  "Lists a module's exported functions, constants and types.",
			Func: func(e *Env) any { return e.Exports }},
		{Name: "i", Synopsis: "i pid", Params: params(ParamModule), Optional: 1,
			Doc:  "Shows information about a value: a process for a PID or registered name, a module for a module name (i KV), else its type. Without an argument, about the last result.",
			Func: func(e *Env) any { return e.iForm }},
		{Name: "h", Synopsis: "h r", Params: params(ParamTopic), Optional: 1,
			Doc:  "Shows help: on a helper, a :sys or :code call, a module (h kv) or one of its functions (h kv.Put), with their doc comments.",
			Func: func(e *Env) any { return e.H }},
		{Name: "v", Synopsis: "v(-2)", Params: params(ParamValue), Optional: 1,
			Doc:  "Returns a result of an earlier line: v(-1) is the last (also plain v), v(3) the result of line 3.",
			Func: func(e *Env) any { return e.V }},
		{Name: "pid", Synopsis: `pid("0.117.0")`, Params: params(ParamValue),
			Doc:  "Returns the PID written 0.117.0, <0.117.0> or #PID<0.117.0>; anything else fails the evaluation.",
			Func: func(e *Env) any { return e.Pid }},
		{Name: "self", Synopsis: "self()", GoOnly: true,
			Doc:  "Returns the PID of the session's mailbox; send it messages and show them with flush.",
			Func: func(e *Env) any { return e.Self }},
		{Name: "flush", Synopsis: "flush",
			Doc:  "Shows and removes the messages in the session's mailbox, and says :ok.",
			Func: func(e *Env) any { return e.Flush }},
		{Name: "processes", Synopsis: "processes",
			Doc:  "Lists the node's processes: PID, registered name, module and version, status, message queue length and memory.",
			Func: func(e *Env) any { return e.Processes }},
		{Name: "runtime_info", Synopsis: "runtime_info",
			Doc:  "Shows facts about the node and the Go runtime.",
			Func: func(e *Env) any { return e.RuntimeInfo }},
		{Name: "ls", Synopsis: `ls "dir"`, Params: params(ParamPath), Optional: 1,
			Doc:  "Lists a directory, the session's working directory by default.",
			Func: func(e *Env) any { return e.Ls }},
		{Name: "pwd", Synopsis: "pwd",
			Doc:  "Shows the session's working directory.",
			Func: func(e *Env) any { return e.Pwd }},
		{Name: "cd", Synopsis: `cd "dir"`, Params: params(ParamPath),
			Doc:  "Changes the session's working directory (not the node's).",
			Func: func(e *Env) any { return e.Cd }},
		{Name: "clear", Synopsis: "clear",
			Doc:  "Clears the screen.",
			Func: func(e *Env) any { return e.Clear }},

		{Name: "printable_limit", Synopsis: "printable_limit 100", Params: params(ParamValue), Optional: 1,
			Doc:  "Sets how many bytes of a string or byte slice a result shows before \"...\" (4096 unless set; 0 restores that, -1 shows strings whole), as IEx.configure(inspect: [printable_limit: 100]) does, and returns it. Without an argument, returns the limit. Go form: printable_limit(100).",
			Func: func(e *Env) any { return e.PrintableLimit }},

		{Name: "sys", Synopsis: "sys.GetState(pid)", GoOnly: true,
			Doc:  "The node's system calls, the Go form of the :sys calls: sys.GetState, sys.ReplaceState, sys.GetStatus, sys.Suspend, sys.Resume, sys.ChangeCode, sys.Trace, sys.Log, sys.Statistics.",
			Func: func(e *Env) any { return e.sys() }},
		{Name: "code", Synopsis: `code.IsLoaded("kv")`, GoOnly: true,
			Doc: "The node's code server, the Go form of the :code calls.",
			Func: func(e *Env) any {
				if e.Code == nil {
					return nil
				}
				return e.Code
			}},

		{Name: ":sys.get_state", Synopsis: ":sys.get_state pid", Params: params(ParamDest),
			Doc:  "Returns a GenServer's state. Go form: sys.GetState(pid).",
			Func: func(e *Env) any { return e.sys().GetState }},
		{Name: ":sys.replace_state", Synopsis: ":sys.replace_state pid, func(state any) any { ... }", Params: params(ParamDest, ParamValue),
			Doc:  "Replaces a GenServer's state with what the function returns, and returns it. Go form: sys.ReplaceState(pid, f).",
			Func: func(e *Env) any { return e.sys().ReplaceState }},
		{Name: ":sys.get_status", Synopsis: ":sys.get_status pid", Params: params(ParamDest),
			Doc:  "Returns a GenServer's status: module, version, state, queue. Go form: sys.GetStatus(pid).",
			Func: func(e *Env) any { return e.sys().GetStatus }},
		{Name: ":sys.suspend", Synopsis: ":sys.suspend pid", Params: params(ParamDest),
			Doc:  "Suspends a process: it answers only system messages and keeps the others queued, in order. Go form: sys.Suspend(pid).",
			Func: func(e *Env) any { return e.sys().Suspend }},
		{Name: ":sys.resume", Synopsis: ":sys.resume pid", Params: params(ParamDest),
			Doc:  "Resumes a suspended process. Go form: sys.Resume(pid).",
			Func: func(e *Env) any { return e.sys().Resume }},
		{Name: ":sys.change_code", Synopsis: `:sys.change_code pid, DemoServer, "1", nil`, Params: params(ParamDest, ParamModule, ParamValue, ParamValue),
			Doc: "Runs the module's current CodeChange(oldVsn, state, extra) on a suspended process's state. If it fails the process keeps its old state. Go form: sys.ChangeCode(pid, \"demoserver\", \"1\", nil).",
			Func: func(e *Env) any {
				return func(d node.Dest, module, oldVsn string, extra any) error {
					return e.sys().ChangeCode(d, e.moduleName(module), oldVsn, extra)
				}
			}},
		{Name: ":sys.trace", Synopsis: ":sys.trace pid, true", Params: params(ParamDest, ParamValue),
			Doc:  "Turns tracing of a process's messages on or off; trace lines go to this console. Go form: sys.Trace(pid, true).",
			Func: func(e *Env) any { return e.sys().Trace }},
		{Name: ":sys.log", Synopsis: ":sys.log pid, true", Params: params(ParamDest, ParamValue),
			Doc: "Turns logging of a process's last events on or off. Go form: sys.Log(pid, true, 10).",
			Func: func(e *Env) any {
				return func(d node.Dest, on bool) error { return e.sys().Log(d, on, 10) }
			}},
		{Name: ":sys.statistics", Synopsis: ":sys.statistics pid", Params: params(ParamDest),
			Doc:  "Returns a process's message counters. Go form: sys.Statistics(pid).",
			Func: func(e *Env) any { return e.sys().Statistics }},
		{Name: ":code.load_file", Synopsis: ":code.load_file KV", Params: params(ParamModule),
			Doc:  "Loads a module from the code path, and answers :module and its name, as Erlang's {module, kv}.",
			Func: withCode(func(e *Env) any { return e.LoadFile })},
		{Name: ":code.purge", Synopsis: ":code.purge KV", Params: params(ParamModule),
			Doc:  "Drops a module's old code, killing the processes that still run it.",
			Func: withCode(func(e *Env) any { return e.Purge })},
		{Name: ":code.soft_purge", Synopsis: ":code.soft_purge KV", Params: params(ParamModule),
			Doc:  "Drops a module's old code unless processes still run it.",
			Func: withCode(func(e *Env) any { return e.SoftPurge })},
		{Name: ":code.delete", Synopsis: ":code.delete KV", Params: params(ParamModule),
			Doc:  "Makes a module's current code old: the module is no longer loaded.",
			Func: withCode(func(e *Env) any { return e.Delete })},
		{Name: ":code.is_loaded", Synopsis: ":code.is_loaded KV", Params: params(ParamModule),
			Doc:  "Reports whether a module is loaded.",
			Func: withCode(func(e *Env) any { return e.Code.IsLoaded })},
		{Name: ":code.which", Synopsis: ":code.which KV", Params: params(ParamModule),
			Doc:  "Returns the source a module was or would be loaded from, and the tier it runs: native or interpreted.",
			Func: withCode(func(e *Env) any { return e.Which })},
		{Name: ":code.all_loaded", Synopsis: ":code.all_loaded",
			Doc:  "Lists the loaded modules with their versions and the tier each runs.",
			Func: withCode(func(e *Env) any { return e.AllLoaded })},
		{Name: ":code.modified_modules", Synopsis: ":code.modified_modules",
			Doc:  "Lists the loaded modules whose source changed on disk.",
			Func: withCode(func(e *Env) any { return e.Code.ModifiedModules })},
	}
}

// withCode makes f's helper unavailable without a code server.
func withCode(f func(e *Env) any) func(e *Env) any {
	return func(e *Env) any {
		if e.Code == nil {
			return nil
		}
		return f(e)
	}
}

// sys returns the node's system calls, tracing to the session's output.
func (e *Env) sys() node.System { return e.Node.Sys().WithOutput(e.out()) }

// moduleName returns the code server's name for a module written as the
// user wrote it (DemoServer for demoserver), or the name unchanged.
func (e *Env) moduleName(name string) string {
	if e.Code == nil {
		return name
	}
	if in, err := e.Code.Info(name); err == nil {
		return in.Name
	}
	return name
}
