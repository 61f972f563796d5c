package release

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// BuildOptions tells Build what to build.
type BuildOptions struct {
	Project string // the project's root, holding gex.toml and go.mod
	Name    string // the release; "" for the default one
	Env     string // the environment; "" for the default one
	// Upgrade also writes the relup, from UpFrom or else the newest older
	// release already built in the release root.
	Upgrade bool
	UpFrom  string
	// DryRun prints what would be built, and the relup, writing nothing.
	DryRun bool
	// Repack, a version, builds nothing: it validates that release's relup,
	// edited by hand, and packs its tarball again (see Repack).
	Repack string
	Out    io.Writer // progress and the plan
}

// BuildResult is what Build made.
type BuildResult struct {
	Root     string // _build/<env>/rel/<name>
	Manifest *Manifest
	Plan     *Plan // nil without Upgrade
	Took     time.Duration
}

// Build builds a release of a project: _build/<env>/rel/<name>/ with
// bin/<name>, a node binary built for the project by the go command (a
// generated main package carrying the interpreter symbols of every
// package its modules import beyond the standard library and Gex), and
// releases/<vsn>/ with the manifest, the module sources, their native
// versions (plugins built by the same go command and from the same
// package versions as bin/<name>, and with an upgrade for the binary of
// the release upgraded from too), the relup when asked, and the tarball
// with its digest. A module that cannot be built natively runs
// interpreted; the output and the manifest say why.
func Build(o BuildOptions) (*BuildResult, error) {
	start := time.Now()
	cfg, err := ReadConfig(o.Project)
	if err != nil {
		return nil, err
	}
	rc, env, err := cfg.Release(o.Name, o.Env)
	if err != nil {
		return nil, err
	}
	if o.Repack != "" {
		root := filepath.Join(o.Project, "_build", env, "rel", rc.Name)
		return &BuildResult{Root: root}, Repack(root, rc.Name, o.Repack, o.Out)
	}
	fmt.Fprintf(o.Out, "Building release %s:%s using environment %s\n", rc.Name, rc.Version, env)
	m, srcs, err := NewManifest(o.Project, rc, env)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(o.Project, "_build", env, "rel", rc.Name)
	res := &BuildResult{Root: root, Manifest: m}
	var from *Manifest
	if o.Upgrade {
		if from, err = upFrom(root, rc.Name, rc.Version, o.UpFrom); err != nil {
			return nil, err
		}
	}
	bin := filepath.Join(root, "bin", rc.Name)
	if o.DryRun {
		if from != nil {
			symbols := m.Binary.Symbols
			m.Binary = from.Binary // unknown until built: assume the same but for the symbols
			m.Binary.Symbols = symbols
			res.Plan = GeneratePlan(from, m)
			fmt.Fprintf(o.Out, "Upgrade from %s:\n", from.Version)
			o.Out.Write(res.Plan.Format())
		}
		fmt.Fprintf(o.Out, "Dry run: nothing written; the release would be %s\n", root)
		return res, nil
	}
	if err := buildBinary(o.Project, env, rc.Name, m.Binary.Symbols, rc.Strip != nil && *rc.Strip, bin); err != nil {
		return nil, err
	}
	if m.Binary, err = builtBinary(bin, m.Binary.Symbols); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "gexrelease-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := buildNative(o.Project, m, srcs, nativeHosts(root, bin, m, from, tmp, o.Out), o.Out); err != nil {
		return nil, err
	}
	if from != nil {
		res.Plan = GeneratePlan(from, m)
	}
	if err := Assemble(root, m, srcs, res.Plan, bin); err != nil {
		return nil, err
	}
	res.Took = time.Since(start)
	rel, _ := filepath.Rel(o.Project, root)
	fmt.Fprintf(o.Out, "Release %s %s built in %s (%v):\n  bin/%s\n  releases/%s/%s\n", rc.Name, rc.Version, rel,
		res.Took.Round(time.Millisecond), rc.Name, rc.Version, ManifestFile(rc.Name))
	if res.Plan != nil {
		fmt.Fprintf(o.Out, "  releases/%s/%s\n", rc.Version, RelupFile)
	}
	fmt.Fprintf(o.Out, "  releases/%s/%s (and .sha256)\n", rc.Version, TarballFile(rc.Name))
	return res, nil
}

// upFrom returns the manifest of the release to upgrade from: vsn, or the
// newest release in root older than to.
func upFrom(root, name, to, vsn string) (*Manifest, error) {
	if vsn == "" {
		entries, _ := os.ReadDir(filepath.Join(root, "releases"))
		for _, e := range entries {
			v := e.Name()
			if e.IsDir() && CompareVersions(v, to) < 0 && exists(filepath.Join(root, "releases", v, ManifestFile(name))) &&
				(vsn == "" || CompareVersions(v, vsn) > 0) {
				vsn = v
			}
		}
		if vsn == "" {
			return nil, fmt.Errorf("%w: --upgrade needs an older release of %s built in %s to upgrade from (build it first, or give --upfrom)", ErrNoRelease, name, root)
		}
	}
	if vsn == to {
		return nil, fmt.Errorf("--upfrom %s: that is the version being built; bump the version in %s", vsn, ConfigFile)
	}
	return ReadManifest(filepath.Join(root, "releases", vsn, ManifestFile(name)))
}

// builtBinary describes the binary built: the Gex and Go versions and
// the platform it was built for, and the digest of every compiled module
// it carries, as the go command recorded them in it.
func builtBinary(bin string, symbols []string) (Binary, error) {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return Binary{}, err
	}
	b := Binary{Gex: "devel", Go: bi.GoVersion, Symbols: symbols}
	for _, st := range bi.Settings {
		switch st.Key {
		case "GOOS":
			b.OS = st.Value
		case "GOARCH":
			b.Arch = st.Value
		}
	}
	var deps []string
	for _, d := range bi.Deps {
		if d.Path == "github.com/gexdev/gex" {
			if d.Replace == nil && d.Version != "(devel)" {
				b.Gex = d.Version
			}
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		deps = append(deps, d.Path+"@"+d.Version+" "+d.Sum)
	}
	slices.Sort(deps)
	b.Deps = digest([]byte(strings.Join(deps, "\n")))
	return b, nil
}

// buildBinary generates the release's main package in
// _build/<env>/gen/<name>/ and builds it into bin.
func buildBinary(project, env, name string, symbols []string, strip bool, bin string) error {
	gen := filepath.Join(project, "_build", env, "gen", name)
	if err := os.RemoveAll(gen); err != nil {
		return err
	}
	if err := os.MkdirAll(gen, 0o755); err != nil {
		return err
	}
	main := fmt.Sprintf(`// Code generated by node release; DO NOT EDIT.

// The node binary of release %[1]s.
package main

import (
	"os"
	"reflect"

	"github.com/gexdev/gex/cmd/node/relmain"
)

// Symbols are the compiled packages the release's modules import, for the
// interpreter; the files beside this one, made by yaegi extract, fill it.
var Symbols = map[string]map[string]reflect.Value{}

func main() { os.Exit(relmain.Run(%[1]q, Symbols, os.Args[1:])) }
`, name)
	if err := os.WriteFile(filepath.Join(gen, "main.go"), []byte(main), 0o644); err != nil {
		return err
	}
	if len(symbols) > 0 {
		if _, err := goCmd(project, append([]string{"list"}, symbols...)...); err != nil {
			return fmt.Errorf("the modules import %s: %w", strings.Join(symbols, " "), err)
		}
		args := append([]string{"run", "github.com/traefik/yaegi/cmd/yaegi", "extract", "-name", "main"}, symbols...)
		if _, err := goCmd(gen, args...); err != nil {
			return fmt.Errorf("extracting the interpreter symbols of %s: %w", strings.Join(symbols, " "), err)
		}
		for _, ip := range symbols { // yaegi extract reports a failure but exits 0
			file := strings.NewReplacer("/", "-", ".", "_", "~", "_").Replace(ip) + ".go"
			if !exists(filepath.Join(gen, file)) {
				return fmt.Errorf("yaegi extract made no symbols for %s", ip)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(gen, "*.go"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return err
	}
	args := []string{"build", "-o", bin}
	if strip {
		args = append(args, "-ldflags=-s -w")
	}
	args = append(args, files...)
	_, err = goCmd(project, args...)
	return err
}

// goCmd runs the go command in dir and returns its output.
func goCmd(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	// -mod=mod: the main package imports Gex's release main, and the
	// extracted symbols packages, which the project's own packages may not
	// import directly, so go.mod and go.sum may need their requirements
	// added; go/build's go list inside yaegi extract needs it too.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
