package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gexdev/gex/node/release"
)

var releaseCmd = &command{
	usage:   "release [init] [NAME] [--env ENV] [--upgrade [--upfrom VSN]] [--dry-run] [--repack VSN] [--project DIR]",
	summary: "Build a release of the project: _build/ENV/rel/NAME/, its binary and tarball.",
	help: `Release builds release NAME (default: gex.toml's default_release, else
its first) of the project in DIR (default "."), a Go module with a gex.toml
at its root, in environment ENV (default dev; [environment.ENV] overrides
the release's settings), as distillery's mix release does:

	_build/ENV/rel/NAME/bin/NAME                 the node binary, built by go build
	_build/ENV/rel/NAME/releases/VSN/NAME.rel    the manifest: modules, Vsn, SHA-256, start spec
	_build/ENV/rel/NAME/releases/VSN/modules/    the module sources at this version
	_build/ENV/rel/NAME/releases/VSN/native/     the modules compiled natively, for bin/NAME
	_build/ENV/rel/NAME/releases/VSN/NAME.tar.gz the whole release, and its .sha256

The binary carries the interpreter symbols of every package the modules
import beyond the standard library and Gex (made by yaegi extract), so
the target machine needs no Go toolchain. Every module is also compiled
as native code (a Go plugin) by the same go command and from the same
package versions as bin/NAME, which loads it at boot; a module that
cannot be native runs interpreted, and the output and the manifest say
why. Native builds need a C compiler (cgo); the first one on a machine
takes some seconds, later ones under a second each. Copy the tarball
there, extract it into an empty directory, and run bin/NAME start.

With --upgrade it also writes releases/VSN/relup, the plan of the upgrade
from the newest older release built here (or --upfrom VSN) and of the
downgrade back: readable, editable, validated before it runs; the
modules are also compiled natively for the binary of that release, which
loads them hot. --dry-run
prints the plan and writes nothing.

To change the plan, edit releases/VSN/relup and run node release
--repack VSN: it validates the relup (a wrong line is refused with its
number) and packs the tarball and its .sha256 again, building nothing.
Where the release is deployed, a relup edited in releases/VSN/ is used
as it stands too: an upgrade unpacks only the files missing there, and
its report says "relup: edited by hand, validated".

node release init writes a commented gex.toml to start from.
`,
}

func init() { releaseCmd.run = runRelease }

func runRelease(e *env, args []string) int {
	fs := releaseCmd.flags(e, "release")
	envName := fs.String("env", "", "the `ENV`ironment to build in (default dev)")
	upgrade := fs.Bool("upgrade", false, "also write the relup from an older release")
	upfrom := fs.String("upfrom", "", "the `VSN` to upgrade from (default the newest older one built)")
	dryRun := fs.Bool("dry-run", false, "print what would be built, and the relup, writing nothing")
	repack := fs.String("repack", "", "validate release `VSN`'s edited relup and pack its tarball again, building nothing")
	project := fs.String("project", ".", "the project's `DIR`")
	operands, status, ok := releaseCmd.parse(e, fs, args)
	if !ok {
		return status
	}
	if len(operands) > 0 && operands[0] == "init" {
		return releaseInit(e, *project, operands[1:])
	}
	if len(operands) > 1 {
		fmt.Fprintf(e.stderr, "node release: one release name, not %d\n", len(operands))
		return exitUsage
	}
	if *repack != "" && (*upgrade || *dryRun) {
		fmt.Fprintf(e.stderr, "node release: --repack builds nothing: it goes without --upgrade and --dry-run\n")
		return exitUsage
	}
	if *upfrom != "" && !*upgrade {
		fmt.Fprintf(e.stderr, "node release: --upfrom goes with --upgrade\n")
		return exitUsage
	}
	name := ""
	if len(operands) == 1 {
		name = operands[0]
	}
	_, err := release.Build(release.BuildOptions{Project: *project, Name: name, Env: *envName,
		Upgrade: *upgrade, UpFrom: *upfrom, DryRun: *dryRun, Repack: *repack, Out: e.stdout})
	if errors.Is(err, release.ErrNoConfig) {
		fmt.Fprintf(e.stderr, "node release: %v\n", err)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "node release: %v\n", err)
		return exitFail
	}
	return exitOK
}

// releaseInit writes a commented gex.toml for the project in dir, listing
// the module directories found under lib/.
func releaseInit(e *env, dir string, operands []string) int {
	if len(operands) != 0 {
		fmt.Fprintf(e.stderr, "node release init: takes no arguments\n")
		return exitUsage
	}
	file := filepath.Join(dir, release.ConfigFile)
	if _, err := os.Stat(file); err == nil {
		fmt.Fprintf(e.stderr, "node release init: %s exists; edit it\n", file)
		return exitFail
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "node release init: %v\n", err)
		return exitFail
	}
	name := strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, filepath.Base(abs))
	var mods []string
	if entries, err := os.ReadDir(filepath.Join(dir, "lib")); err == nil {
		for _, ent := range entries {
			if ent.IsDir() {
				mods = append(mods, fmt.Sprintf("%q", "lib/"+ent.Name()))
			}
		}
	}
	if len(mods) == 0 {
		mods = []string{`"lib/` + name + `"`}
	}
	if err := os.WriteFile(file, []byte(configTemplate(name, strings.Join(mods, ", "), "")), 0o644); err != nil {
		fmt.Fprintf(e.stderr, "node release init: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "wrote %s: review it, then run node release\n", file)
	return exitOK
}

// configTemplate is a commented gex.toml: release name with modules
// (quoted, comma-separated) and, if start is not "", its start spec.
func configTemplate(name, modules, start string) string {
	if start == "" {
		start = `# What the release starts at boot: a supervision tree. Each worker names
# a module, a function and its arguments, as OTP's {M, F, A}, so that a
# restart reaches the module's current code.
#
# [release.start]
# id = "` + name + `_sup"
# strategy = "one_for_one"          # or one_for_all, rest_for_one
#
# [[release.start.children]]
# id = "worker"
# module = "mymodule"
# function = "StartLink"
# args = [{ name = "blackode", money = 300000 }]
# restart = "permanent"             # or transient, temporary
`
	}
	return `# The releases of this Gex project, as distillery's rel/config.exs.
# node release builds one into _build/<env>/rel/<name>/; see node help release.

# The release node release builds when given no name ("default": the first).
default_release = "default"

[[release]]
name = "` + name + `"
version = "0.1.0"                   # bump it for each release; node release --upgrade plans the step
modules = [` + modules + `]          # module directories, relative to this file
# node = "` + name + `"             # the node name; default the release name
# suspend_timeout = "5s"            # how long an upgrade waits for a process to suspend

` + start + `
# Settings an environment overrides: node release --env prod.
[environment.prod]
# node = "` + name + `@prod"
# strip = true                      # a smaller binary, without symbol tables
`
}
