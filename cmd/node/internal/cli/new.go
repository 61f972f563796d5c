package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gexdev/gex/node/release"
)

var newCmd = &command{
	usage:   "new NAME [--gex DIR]",
	summary: "Make a Gex project NAME that builds and releases as it stands.",
	help: `New makes the directory NAME holding a Gex project, as mix new does: a Go
module (go.mod), a gex.toml with release NAME 0.1.0, one GenServer module
in lib/NAME/, and a test that loads it into a node and calls it. Then:

	cd NAME && go test ./... && node release && _build/dev/rel/NAME/bin/NAME start

The project requires github.com/gexdev/gex at this node command's version;
--gex DIR (or $GEX_SRC) points it at a Gex source tree instead, with a
replace directive, as a development build of node needs.
`,
}

func init() { newCmd.run = runNew }

func runNew(e *env, args []string) int {
	fs := newCmd.flags(e, "new")
	gex := fs.String("gex", "", "a Gex source `DIR` to build against (default $GEX_SRC)")
	operands, status, ok := newCmd.parse(e, fs, args)
	if !ok {
		return status
	}
	if len(operands) != 1 {
		fmt.Fprintf(e.stderr, "node new: want one project name\nRun 'node new --help' for usage.\n")
		return exitUsage
	}
	dir := operands[0]
	name := filepath.Base(dir)
	if !goIdent(name) {
		fmt.Fprintf(e.stderr, "node new: %q: a project name is a lower-case Go package name (letters, digits, _)\n", name)
		return exitUsage
	}
	if _, err := os.Stat(dir); err == nil {
		fmt.Fprintf(e.stderr, "node new: %s exists\n", dir)
		return exitFail
	}
	src := *gex
	if src == "" {
		src = e.getenv("GEX_SRC")
	}
	if src == "" && release.GexVersion() == "devel" {
		fmt.Fprintf(e.stderr, "node new: this node command is a development build: give --gex DIR, the Gex source tree, or set GEX_SRC\n")
		return exitUsage
	}
	if err := writeProject(dir, name, src); err != nil {
		os.RemoveAll(dir)
		fmt.Fprintf(e.stderr, "node new: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "created %s: a Gex project with release %s 0.1.0 and module %s\n\n\tcd %s\n\tgo test ./...\n\tnode release\n\t_build/dev/rel/%s/bin/%s console\n",
		dir, name, name, dir, name, name)
	return exitOK
}

func goIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func writeProject(dir, name, gexSrc string) error {
	gomod := fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire github.com/gexdev/gex %s\n", name, requiredGex(gexSrc))
	if gexSrc != "" {
		abs, err := filepath.Abs(gexSrc)
		if err != nil {
			return err
		}
		gomod += fmt.Sprintf("\nreplace github.com/gexdev/gex => %s\n", abs)
	}
	start := `[release.start]
id = "` + name + `_sup"

[[release.start.children]]
id = "` + name + `"
module = "` + name + `"
function = "StartLink"
args = []
`
	files := map[string]string{
		"go.mod":                               gomod,
		"gex.toml":                             configTemplate(name, `"lib/`+name+`"`, start),
		filepath.Join("lib", name, name+".go"): moduleTemplate(name),
		name + "_test.go":                      testTemplate(name),
		".gitignore":                           "/_build/\n",
	}
	for file, text := range files {
		path := filepath.Join(dir, file)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if gexSrc != "" {
		// The project's requirements are Gex's: its go.sum holds their sums.
		if sum, err := os.ReadFile(filepath.Join(gexSrc, "go.sum")); err == nil {
			os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
		}
	}
	cmd := exec.Command("go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod tidy: %v\n%s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// requiredGex is the version of Gex a new project requires.
func requiredGex(gexSrc string) string {
	if gexSrc != "" || release.GexVersion() == "devel" {
		return "v0.0.0"
	}
	return release.GexVersion()
}

func moduleTemplate(name string) string {
	return strings.ReplaceAll(`// Package NAME is a Gex module: a GenServer that greets, counting
// greetings. The node runs it from source; edit it, bump Vsn, and
// node release --upgrade plans the hot upgrade.
package NAME

import (
	"fmt"

	"github.com/gexdev/gex/node"
)

// Vsn is the module's version: an upgrade that changes it migrates the
// state of the running servers with CodeChange.
const Vsn = "1"

// StartLink starts the server, registered as "NAME".
func StartLink() (node.PID, error) {
	return node.StartLink("NAME", 0, node.Named("NAME"))
}

// Hello greets who and says how many greetings came before.
func Hello(who string) (any, error) {
	return node.Call(node.Name("NAME"), who)
}

// Init starts counting at arg.
func Init(arg any) (any, error) { return arg, nil }

// HandleCall greets and counts.
func HandleCall(req any, from node.From, state any) node.Result {
	n := state.(int)
	return node.Reply(fmt.Sprintf("hello, %v (greeting %d)", req, n+1), n+1)
}

// CodeChange keeps the count across versions.
func CodeChange(oldVsn string, state any, extra any) (any, error) { return state, nil }
`, "NAME", name)
}

func testTemplate(name string) string {
	return strings.ReplaceAll(`package NAME_test

import (
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// TestHello loads module NAME into a node, as the release does, and
// calls it.
func TestHello(t *testing.T) {
	n, err := node.Start(node.Options{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	cs := code.New(n, code.Options{Path: []string{"lib"}})
	if _, err := cs.Load("NAME"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.StartServer("NAME", 0, node.Named("NAME")); err != nil {
		t.Fatal(err)
	}
	got, err := n.Call(node.Name("NAME"), "gex")
	if err != nil || got != "hello, gex (greeting 1)" {
		t.Fatalf("Hello: %v %v", got, err)
	}
}
`, "NAME", name)
}
