package release

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"

	"go/parser"
	"go/token"

	"github.com/gexdev/gex/node/code"
)

// Manifest is a release's .rel: what it is made of and what it starts. It
// is written as indented JSON, to be read by people as well.
type Manifest struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Env     string   `json:"env"`
	Node    string   `json:"node"`
	Modules []Module `json:"modules"`
	// Start is the supervision tree started at boot; nil starts nothing.
	Start *ChildSpec `json:"start,omitempty"`
	// SuspendTimeout bounds each process's answer to suspend, as "5s".
	SuspendTimeout string `json:"suspend_timeout,omitempty"`
	Binary         Binary `json:"binary"`
}

// Module is one module of a release.
type Module struct {
	Name   string   `json:"name"`   // package name
	Vsn    string   `json:"vsn"`    // const Vsn, or the MD5 of its source
	SHA256 string   `json:"sha256"` // of its files' names and contents
	Files  []string `json:"files"`  // base names, in releases/<vsn>/modules/<name>/
	// Native are the module's native versions, one per node binary they
	// load into, or why it has none for a binary and runs interpreted on
	// it; empty for a release built without them.
	Native []NativeObject `json:"native,omitempty"`
}

// Binary is what a release needs of the node binary that runs it. Two
// releases whose Binary differ cannot be upgraded hot: the new one needs
// its own binary (OTP's restart_new_emulator).
type Binary struct {
	Gex  string `json:"gex"` // Gex's module version
	Go   string `json:"go"`  // runtime.Version()
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// Symbols are the import paths, beyond the standard library and Gex's
	// own, whose interpreter symbols the binary carries for the modules.
	Symbols []string `json:"symbols,omitempty"`
	// Deps is the SHA-256 of the compiled modules the binary is built
	// from, with their versions and sums, as its build info lists them.
	Deps string `json:"deps,omitempty"`
}

// ManifestFile is the name of a release's manifest in releases/<vsn>/.
func ManifestFile(name string) string { return name + ".rel" }

// ModulesDir is where a release's module sources are, relative to its
// version directory.
const ModulesDir = "modules"

// NewManifest reads the modules of release r of the project in dir and
// describes them.
func NewManifest(dir string, r *ReleaseConfig, env string) (*Manifest, []*code.Source, error) {
	m := &Manifest{Name: r.Name, Version: r.Version, Env: env, Node: r.Node, Start: r.Start,
		SuspendTimeout: r.SuspendTimeout, Binary: ThisBinary()}
	var srcs []*code.Source
	symbols := map[string]bool{}
	for _, md := range r.Modules {
		src, err := code.ReadSource(filepath.Join(dir, md))
		if err != nil {
			return nil, nil, fmt.Errorf("release %s: module %s: %w", r.Name, md, err)
		}
		mod, err := describe(src)
		if err != nil {
			return nil, nil, err
		}
		if slices.ContainsFunc(m.Modules, func(o Module) bool { return o.Name == mod.Name }) {
			return nil, nil, fmt.Errorf("release %s: module %s listed twice", r.Name, mod.Name)
		}
		m.Modules = append(m.Modules, mod)
		srcs = append(srcs, src)
		for _, ip := range imports(src) {
			symbols[ip] = true
		}
	}
	for _, mod := range m.Modules { // imports of modules of the release are not compiled symbols
		for ip := range symbols {
			if path.Base(ip) == mod.Name {
				delete(symbols, ip)
			}
		}
	}
	for ip := range symbols {
		m.Binary.Symbols = append(m.Binary.Symbols, ip)
	}
	slices.Sort(m.Binary.Symbols)
	return m, srcs, nil
}

func describe(src *code.Source) (Module, error) {
	vsn, err := src.Vsn()
	if err != nil {
		return Module{}, err
	}
	mod := Module{Name: src.Name, Vsn: vsn, SHA256: sourceDigest(src)}
	for _, f := range src.Files {
		mod.Files = append(mod.Files, filepath.Base(f.Name))
	}
	return mod, nil
}

// sourceDigest is the SHA-256 of a module's file names and contents.
func sourceDigest(src *code.Source) string {
	h := sha256.New()
	for _, f := range src.Files {
		h.Write([]byte(filepath.Base(f.Name)))
		h.Write([]byte{0})
		h.Write(f.Data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// imports lists the import paths of src that are neither the standard
// library nor Gex's own packages.
func imports(src *code.Source) []string {
	var out []string
	fset := token.NewFileSet()
	for _, f := range src.Files {
		af, err := parser.ParseFile(fset, f.Name, f.Data, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, is := range af.Imports {
			ip, _ := strconv.Unquote(is.Path.Value)
			if isStd(ip) || ip == "github.com/gexdev/gex/node" || ip == "github.com/gexdev/gex/node/migrate" {
				continue
			}
			out = append(out, ip)
		}
	}
	return out
}

// isStd reports whether ip is a standard library path: its first element
// has no dot, as cmd/go decides.
func isStd(ip string) bool {
	first, _, _ := cutSlash(ip)
	return !slices.Contains([]byte(first), '.')
}

func cutSlash(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// ThisBinary describes the running binary, without the symbols and deps
// only its build knows.
func ThisBinary() Binary {
	return Binary{Gex: GexVersion(), Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
}

// GexVersion is Gex's module version as the toolchain recorded it.
func GexVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if bi.Main.Path == "github.com/gexdev/gex" {
		if bi.Main.Version == "" || bi.Main.Version == "(devel)" {
			return "devel"
		}
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/gexdev/gex" {
			if d.Replace != nil || d.Version == "(devel)" {
				return "devel"
			}
			return d.Version
		}
	}
	return "devel"
}

// Module returns the module called name, or false.
func (m *Manifest) Module(name string) (Module, bool) {
	i := slices.IndexFunc(m.Modules, func(o Module) bool { return o.Name == name })
	if i < 0 {
		return Module{}, false
	}
	return m.Modules[i], true
}

// Marshal returns the manifest as indented JSON.
func (m *Manifest) Marshal() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

// ReadManifest reads a manifest file.
func ReadManifest(file string) (*Manifest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadManifest, file, err)
	}
	if m.Name == "" || !validVersion(m.Version) {
		return nil, fmt.Errorf("%w: %s: no name or version", ErrBadManifest, file)
	}
	return &m, nil
}

// Sources reads the module sources of the release whose version directory
// is dir, checking each against the manifest's SHA-256.
func (m *Manifest) Sources(dir string) ([]*code.Source, error) {
	var srcs []*code.Source
	for _, mod := range m.Modules {
		mdir := filepath.Join(dir, ModulesDir, mod.Name)
		var files []code.File
		for _, f := range mod.Files {
			data, err := os.ReadFile(filepath.Join(mdir, f))
			if err != nil {
				return nil, fmt.Errorf("release %s %s: module %s: %w", m.Name, m.Version, mod.Name, err)
			}
			files = append(files, code.File{Name: filepath.Join(mdir, f), Data: data})
		}
		src, err := code.NewSource(mdir, files...)
		if err != nil {
			return nil, err
		}
		if got := sourceDigest(src); got != mod.SHA256 {
			return nil, fmt.Errorf("%w: release %s %s: module %s: sha256 %s, the manifest says %s",
				ErrCorrupt, m.Name, m.Version, mod.Name, got, mod.SHA256)
		}
		srcs = append(srcs, src)
	}
	return srcs, nil
}
