package watch

import (
	"fmt"
	"go/token"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gexdev/gex/node"
)

// Event is what one reload did: one per save, or per burst of saves
// coalesced. It is a value: subscribers may keep it.
type Event struct {
	Time    time.Time
	Outcome Outcome
	Modules []Module // the modules the save changed
	// Err is why nothing was loaded: the compile errors (each a
	// *code.CompileError, joined) for CompileFailed; for MigrateFailed,
	// the CodeChange failures (*node.CodeChangeError) or what stopped the
	// processes from being suspended.
	Err error
}

// Outcome is what became of the saved code.
type Outcome uint8

const (
	// Loaded: the new versions are current.
	Loaded Outcome = iota
	// CompileFailed: a module did not compile; the current versions keep
	// running, and so does every process.
	CompileFailed
	// MigrateFailed: in Migrate mode, a process could not be moved to the
	// new code; nothing was loaded, and every process is on its old code
	// and state.
	MigrateFailed
	// Held: loading would purge an old version that processes still run,
	// killing them; nothing was loaded. The load is retried once they have
	// ended, or forced by Watcher.Force.
	Held
)

var outcomeNames = [...]string{Loaded: "loaded", CompileFailed: "compile failed", MigrateFailed: "migrate failed", Held: "held"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// State is what happened to the state of a module's GenServers.
type State uint8

const (
	// NoServers: no GenServer runs the module.
	NoServers State = iota
	// StateKept: the version did not change (same Vsn); the servers go on
	// with their state, on the new code.
	StateKept
	// StateStale: the version changed; the servers run the new code with
	// the state of their old version until migrated by Module.Commands.
	StateStale
	// StateMigrated: every server's state went through the new version's
	// CodeChange (Migrate mode).
	StateMigrated
	// StateUntouched: nothing was loaded; the servers keep their code and
	// state.
	StateUntouched
)

var stateNames = [...]string{NoServers: "no servers", StateKept: "kept", StateStale: "stale",
	StateMigrated: "migrated", StateUntouched: "untouched"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// Module is what a reload did to one module.
type Module struct {
	Name   string // package name
	Path   string // the file or directory it is loaded from
	OldVsn string // the version current before the save
	Vsn    string // the version compiled from the save; "" if it did not compile

	Servers []Server   // the module's GenServers, as they were when the save was loaded
	Spawned []node.PID // processes spawned by the module's code, each running the version that spawned it
	State   State      // what happened to the servers' state

	Commands  []string   // StateStale: the console commands that migrate the servers, in order
	Lingering []node.PID // Held: the processes running the old version, which the load would kill
	PurgedVsn string     // the old version the load purged, "" if none
	Killed    []node.PID // processes of the purged version, killed (only a forced load kills)
	Failed    []node.PID // MigrateFailed: the servers whose CodeChange failed
}

// Server is a GenServer of a reloaded module.
type Server struct {
	PID  node.PID
	Name string // registered name, "" if none
	Vsn  string // the version its state is from
}

// Procs is how many processes run the module: its servers and the
// processes its code spawned.
func (m Module) Procs() int { return len(m.Servers) + len(m.Spawned) }

// Level is the log level of the event's line: info for a load, warning
// when nothing was loaded.
func (e Event) Level() slog.Level {
	if e.Outcome == Loaded {
		return slog.LevelInfo
	}
	return slog.LevelWarn
}

// String renders the event as the one line a console prints and the
// node's log records, without a newline.
func (e Event) String() string {
	var b strings.Builder
	b.WriteString("watch: ")
	switch e.Outcome {
	case Loaded:
		b.WriteString("reloaded ")
		for i, m := range e.Modules {
			if i > 0 {
				b.WriteString("; ")
			}
			m.loaded(&b)
		}
	case CompileFailed:
		b.WriteString("not reloaded, ")
		for i, m := range e.Modules {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", m.Name, vsn(m.OldVsn))
		}
		if len(e.Modules) == 1 {
			b.WriteString(" keeps running: ")
		} else {
			b.WriteString(" keep running: ")
		}
		b.WriteString(oneLine(e.Err))
	case MigrateFailed:
		changes(&b, e.Modules)
		b.WriteString(" not loaded: ")
		b.WriteString(oneLine(e.Err))
		procs := 0
		for _, m := range e.Modules {
			procs += m.Procs()
		}
		fmt.Fprintf(&b, "; every process (%d) keeps its old code and state", procs)
	case Held:
		changes(&b, e.Modules)
		b.WriteString(" held: loading would purge")
		n, sep := 0, " "
		for _, m := range e.Modules {
			if len(m.Lingering) > 0 {
				fmt.Fprintf(&b, "%s%s vsn %s, killing %s", sep, m.Name, vsn(m.PurgedVsn), pidList(m.Lingering))
				n, sep = n+len(m.Lingering), "; "
			}
		}
		if n == 1 {
			b.WriteString(", which still runs it; it loads once that ends, or force it")
		} else {
			b.WriteString(", which still run it; it loads once they end, or force it")
		}
	default:
		b.WriteString(e.Outcome.String())
	}
	return b.String()
}

// loaded writes what a load did to m.
func (m Module) loaded(b *strings.Builder) {
	if m.Vsn == m.OldVsn {
		fmt.Fprintf(b, "%s (vsn %s unchanged)", m.Name, vsn(m.Vsn))
	} else {
		fmt.Fprintf(b, "%s %s → %s", m.Name, vsn(m.OldVsn), vsn(m.Vsn))
	}
	switch m.State {
	case NoServers:
		if n := len(m.Spawned); n > 0 {
			fmt.Fprintf(b, ", %s spawned by its code, each on its version", count(n, "process runs", "processes run"))
		}
	case StateKept:
		fmt.Fprintf(b, ", %s it, state kept", count(m.Procs(), "process runs", "processes run"))
	case StateStale:
		stale := m.stale()
		if len(stale) == 0 || len(m.Commands) < 3 {
			b.WriteString(", its servers on old state") // not an event a watcher makes
			break
		}
		fmt.Fprintf(b, ", %s it on %s state; migrate: %s",
			count(len(stale), "process runs", "processes run"), oldState(stale), strings.Join(m.Commands[:3], "; "))
		if len(stale) > 1 {
			others := make([]node.PID, 0, len(stale)-1)
			for _, s := range stale[1:] {
				others = append(others, s.PID)
			}
			fmt.Fprintf(b, " (likewise %s)", pidList(others))
		}
	case StateMigrated:
		fmt.Fprintf(b, ", migrated the state of %s", count(len(m.Servers), "process", "processes"))
	}
	if len(m.Killed) > 0 {
		fmt.Fprintf(b, ", purged vsn %s killing %s", vsn(m.PurgedVsn), pidList(m.Killed))
	}
}

// stale returns the servers of m whose state is from another version
// than the one loaded.
func (m Module) stale() []Server {
	var out []Server
	for _, s := range m.Servers {
		if s.Vsn != m.Vsn {
			out = append(out, s)
		}
	}
	return out
}

// oldState names the version the state of servers is from.
func oldState(servers []Server) string {
	v := servers[0].Vsn
	for _, s := range servers[1:] {
		if s.Vsn != v {
			return "old"
		}
	}
	return "vsn " + vsn(v)
}

// changes writes "kv "0" → "1", cache "3" → "4"".
func changes(b *strings.Builder, mods []Module) {
	for i, m := range mods {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%s %s → %s", m.Name, vsn(m.OldVsn), vsn(m.Vsn))
	}
}

// migrateCommands returns the console commands that migrate the state of
// s, a server of module, as OTP's release handler would: suspend, run the
// current CodeChange from the version its state is from, resume.
func migrateCommands(module string, s Server) []string {
	d := fmt.Sprintf("pid(%q)", fmt.Sprintf("0.%d.0", s.PID.ID()))
	if s.Name != "" && token.IsIdentifier(s.Name) {
		d = s.Name // the console reads a bare name as a registered process
	}
	return []string{
		":sys.suspend " + d,
		fmt.Sprintf(":sys.change_code %s, %s, %q, nil", d, module, s.Vsn),
		":sys.resume " + d,
	}
}

// pidList writes pids space-separated, the first few of many.
func pidList(pids []node.PID) string {
	const shown = 5
	parts := make([]string, 0, shown+1)
	for i, p := range pids {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(pids)-shown))
			break
		}
		parts = append(parts, p.String())
	}
	return strings.Join(parts, " ")
}

// vsn shows a version quoted, a source hash (a module without const Vsn)
// cut to 8 digits: the line must stay one line. Commands keep it whole.
func vsn(v string) string {
	if len(v) == 32 && strings.Trim(v, "0123456789abcdef") == "" {
		return strconv.Quote(v[:8] + "…")
	}
	return strconv.Quote(v)
}

// oneLine is err's text on one line: joined errors separated by "; ".
func oneLine(err error) string {
	if err == nil {
		return "unknown error"
	}
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}

// count writes n with the singular or plural phrase.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
