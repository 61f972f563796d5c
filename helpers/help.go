package helpers

import (
	"fmt"
	"strings"
)

// topic is one entry of the console's help.
type topic struct {
	name     string // what h takes: "r", ":sys.get_state"
	synopsis string // how it is typed
	doc      string
}

// topics is the console's help, in the order h lists it. Read only.
var topics = []topic{
	{"c", `c "kv.go"`, "Compiles and loads the module in a file or directory. Loading a module already loaded makes the loaded version old, and warns. Go form: c(\"kv.go\")."},
	{"r", "r KV", "Recompiles and reloads a module from the source it was loaded from. Its GenServers handle their next message with the new code and the state they have; suspend them and use :sys.change_code to migrate the state. Go form: r(\"KV\")."},
	{"l", "l KV", "Loads a module from the code path. Go form: l(\"KV\")."},
	{"recompile", "recompile", "Reloads every loaded module whose source changed on disk."},
	{"exports", "exports KV", "Lists a module's exported functions, constants and types."},
	{"i", "i pid", "Shows information about a value: a process for a PID or registered name, a module for a module name (i KV), else its type. Without an argument, about the last result."},
	{"h", "h r", "Shows help: on a helper, a :sys or :code call, a module (h kv) or one of its functions (h kv.Put)."},
	{"v", "v(-2)", "Returns a result of an earlier line: v(-1) is the last (also plain v), v(3) the result of line 3."},
	{"pid", `pid("0.117.0")`, "Returns the PID written 0.117.0, <0.117.0> or #PID<0.117.0>."},
	{"self", "self()", "Returns the PID of the session's mailbox; send it messages and show them with flush."},
	{"flush", "flush", "Shows and removes the messages in the session's mailbox."},
	{"processes", "processes", "Lists the node's processes: PID, registered name, module and version, status, message queue length and memory."},
	{"runtime_info", "runtime_info", "Shows facts about the node and the Go runtime."},
	{"ls", `ls "dir"`, "Lists a directory, the session's working directory by default."},
	{"pwd", "pwd", "Shows the session's working directory."},
	{"cd", `cd "dir"`, "Changes the session's working directory (not the node's)."},
	{"clear", "clear", "Clears the screen."},

	{":sys.get_state", ":sys.get_state pid", "Returns a GenServer's state. Go form: sys.GetState(pid)."},
	{":sys.replace_state", ":sys.replace_state pid, func(state any) any { ... }", "Replaces a GenServer's state with what the function returns, and returns it. Go form: sys.ReplaceState(pid, f)."},
	{":sys.get_status", ":sys.get_status pid", "Returns a GenServer's status: module, version, state, queue. Go form: sys.GetStatus(pid)."},
	{":sys.suspend", ":sys.suspend pid", "Suspends a process: it answers only system messages and keeps the others queued, in order. Go form: sys.Suspend(pid)."},
	{":sys.resume", ":sys.resume pid", "Resumes a suspended process. Go form: sys.Resume(pid)."},
	{":sys.change_code", `:sys.change_code pid, DemoServer, "1", nil`, "Runs the module's current CodeChange(oldVsn, state, extra) on a suspended process's state. If it fails the process keeps its old state. Go form: sys.ChangeCode(pid, \"demoserver\", \"1\", nil)."},
	{":sys.trace", ":sys.trace pid, true", "Turns tracing of a process's messages on or off; trace lines go to this console. Go form: sys.Trace(pid, true)."},
	{":sys.log", ":sys.log pid, true", "Turns logging of a process's last events on or off. Go form: sys.Log(pid, true, 10)."},
	{":sys.statistics", ":sys.statistics pid", "Returns a process's message counters. Go form: sys.Statistics(pid)."},
	{":code.load_file", ":code.load_file KV", "Loads a module from the code path."},
	{":code.purge", ":code.purge KV", "Drops a module's old code, killing the processes that still run it."},
	{":code.soft_purge", ":code.soft_purge KV", "Drops a module's old code unless processes still run it."},
	{":code.delete", ":code.delete KV", "Makes a module's current code old: the module is no longer loaded."},
	{":code.is_loaded", ":code.is_loaded KV", "Reports whether a module is loaded."},
	{":code.which", ":code.which KV", "Returns the source a module was or would be loaded from."},
	{":code.all_loaded", ":code.all_loaded", "Lists the loaded modules with their versions."},
	{":code.modified_modules", ":code.modified_modules", "Lists the loaded modules whose source changed on disk."},
}

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
	for _, t := range topics {
		s := "Helpers"
		if strings.HasPrefix(t.name, ":") {
			s = "Erlang-style calls"
		}
		if s != section {
			e.printf("%s:\n", s)
			section = s
		}
		e.printf("%s\n", entry(t.synopsis, firstSentence(t.doc)))
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
	for _, t := range topics {
		if t.name == name || t.name == ":"+name {
			e.printf("%s\n\n%s\n", t.synopsis, wrap(t.doc, 72, "  "))
			return nil
		}
	}
	if mod, fn, ok := strings.Cut(name, "."); ok {
		return e.helpFunc(mod, fn)
	}
	if e.Code != nil && e.Code.IsLoaded(name) {
		if err := e.moduleInfo(name); err != nil {
			return err
		}
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

// Topics returns the names h has help for, for completion.
func Topics() []string {
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = t.name
	}
	return names
}
