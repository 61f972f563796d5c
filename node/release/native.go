package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/native"
)

// NativeDir is where a release's plugins are, relative to its version
// directory: a directory per binary they load into, named by HostDir.
const NativeDir = "native"

// NativeObject is a module's native version for one node binary: a
// plugin built by the toolchain and from the package versions that built
// that binary, which is the only one it loads into (golang/go#27751). A
// release has one for its own bin/<name> and, built with --upgrade, one
// for the binary of the release it upgrades from, which loads it hot.
type NativeObject struct {
	Host   string `json:"host"`             // the binary's Go build ID
	For    string `json:"for"`              // which binary: "bin/hotcode 0.2.0"
	File   string `json:"file,omitempty"`   // the plugin, relative to releases/<vsn>/
	SHA256 string `json:"sha256,omitempty"` // of the plugin file
	// Err says why the module has no plugin for that binary, and runs
	// interpreted there.
	Err string `json:"interpreted,omitempty"`

	built string // the plugin as built, for Assemble to copy
}

// HostDir names the directory of NativeDir holding the plugins for the
// binary whose Go build ID is id.
func HostDir(id string) string { return digest([]byte(id))[:12] }

// NativeFor returns the module's native object for the binary whose Go
// build ID is host, or false.
func (mod Module) NativeFor(host string) (NativeObject, bool) {
	i := slices.IndexFunc(mod.Native, func(o NativeObject) bool { return o.Host == host })
	if i < 0 {
		return NativeObject{}, false
	}
	return mod.Native[i], true
}

// nativeHost is a binary a release builds plugins for.
type nativeHost struct {
	bin   string // the binary's file
	label string // for NativeObject.For
}

// buildNative builds the plugin of every module of m for each binary of
// hosts, with the go command that builds bin/<name>, in the project's
// module, and records in m each plugin or why there is none. A module
// that cannot be native for a binary runs interpreted there; that is
// said in the manifest and in out, and is no error.
func buildNative(project string, m *Manifest, srcs []*code.Source, hosts []nativeHost, out io.Writer) error {
	n, err := node.Start(node.Options{Name: "gexrelease", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer n.Stop()
	var dirs []string // the code path: a module importing another compiles against its stubs
	for _, src := range srcs {
		if d := filepath.Dir(src.Path); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	// The packages beyond the standard library that the modules import
	// are the host module's, compiled into the plugins as into the
	// binary: known to the code server, so that it does not look for
	// them as modules.
	extra := map[string]map[string]reflect.Value{}
	for _, ip := range m.Binary.Symbols {
		extra[ip+"/"+path.Base(ip)] = nil
	}
	for _, h := range hosts {
		host, err := native.HostOf(h.bin)
		if err != nil {
			return fmt.Errorf("native builds for %s: %w", h.label, err)
		}
		if same := sameHost(m, host.ID, h.label); same != "" {
			fmt.Fprintf(out, "Native modules for %s: those for %s, the same binary (build %s)\n", h.label, same, HostDir(host.ID))
			continue
		}
		b := native.New(native.Options{ModuleDir: project, Host: &host, Env: []string{"GOFLAGS=-mod=mod"}})
		cs := code.New(n, code.Options{Path: dirs, Native: b, Symbols: extra})
		fmt.Fprintf(out, "Native modules for %s (build %s):\n", h.label, HostDir(host.ID))
		for i, src := range srcs {
			start := time.Now()
			obj := NativeObject{Host: host.ID, For: h.label}
			file, err := cs.BuildPlugin(context.Background(), src)
			if err == nil {
				obj.File = filepath.ToSlash(filepath.Join(NativeDir, HostDir(host.ID), src.Name+".so"))
				obj.SHA256, err = fileDigest(file)
				obj.built = file
			}
			if err != nil {
				obj = NativeObject{Host: host.ID, For: h.label, Err: err.Error()}
				fmt.Fprintf(out, "  %-16s interpreted: %s\n", src.Name, oneLine(err.Error()))
			} else {
				fmt.Fprintf(out, "  %-16s native (%v)\n", src.Name, time.Since(start).Round(time.Millisecond))
			}
			m.Modules[i].Native = append(m.Modules[i].Native, obj)
		}
	}
	return nil
}

// nativeHosts lists the binaries release m's plugins are built for: its
// own bin (the binary built) and, for an upgrade, the binary of the
// release from, which loads the new version hot; that one is read from
// from's tarball into tmp. Without it the upgrade's modules run
// interpreted, which out says.
func nativeHosts(root, bin string, m, from *Manifest, tmp string, out io.Writer) []nativeHost {
	hosts := []nativeHost{{bin: bin, label: fmt.Sprintf("bin/%s %s", m.Name, m.Version)}}
	if from == nil {
		return hosts
	}
	label := fmt.Sprintf("bin/%s %s (the upgrade from it)", m.Name, from.Version)
	tarball := filepath.Join(root, "releases", from.Version, TarballFile(m.Name))
	if err := Unpack(tarball, tmp, "bin/"); err != nil {
		fmt.Fprintf(out, "No native modules for %s: its binary is not at hand (%v); an upgrade from %s runs the modules it loads interpreted\n",
			label, err, from.Version)
		return hosts
	}
	return append(hosts, nativeHost{bin: filepath.Join(tmp, "bin", m.Name), label: label})
}

// sameHost adds label to the binaries the native objects of m built for
// host are for, and returns those it named before, or "" if none is.
func sameHost(m *Manifest, host, label string) string {
	same := ""
	for i := range m.Modules {
		for j := range m.Modules[i].Native {
			if o := &m.Modules[i].Native[j]; o.Host == host {
				same = o.For
				o.For += ", " + label
			}
		}
	}
	if first, _, _ := strings.Cut(same, ", "); first != "" {
		return first
	}
	return same
}

// oneLine is the first line of s, marked when there is more.
func oneLine(s string) string {
	if first, _, more := strings.Cut(s, "\n"); more {
		return first + " ..."
	}
	return s
}

func fileDigest(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Plugins returns, for the code server of a node running a release of
// root (code.Options.Plugins), the plugin of each module source read
// from releases/<vsn>/modules/ that was built for the running binary,
// checked against its release's manifest. A source with none, or whose
// plugin is not what the manifest says, gets the reason, and runs
// interpreted; a source from elsewhere (the console's c) is not its
// business.
func Plugins(root, name string) func(*code.Source) (string, error) {
	host := native.ThisHost().ID
	releases, _ := filepath.Abs(filepath.Join(root, "releases"))
	return func(src *code.Source) (string, error) {
		mdir, err := filepath.Abs(src.Path)
		if err != nil {
			return "", nil
		}
		vdir := filepath.Dir(filepath.Dir(mdir))
		if filepath.Dir(vdir) != releases || filepath.Base(filepath.Dir(mdir)) != ModulesDir {
			return "", nil
		}
		m, err := ReadManifest(filepath.Join(vdir, ManifestFile(name)))
		if err != nil {
			return "", err
		}
		mod, ok := m.Module(src.Name)
		if !ok {
			return "", fmt.Errorf("release %s %s has no module %s", m.Name, m.Version, src.Name)
		}
		if sourceDigest(src) != mod.SHA256 {
			return "", fmt.Errorf("the source of %s differs from release %s %s's (edited since?): its plugin is not for it", src.Name, m.Name, m.Version)
		}
		obj, ok := mod.NativeFor(host)
		switch {
		case !ok && len(mod.Native) == 0:
			return "", fmt.Errorf("release %s %s has no native versions (built without them)", m.Name, m.Version)
		case !ok:
			var fors []string
			for _, o := range mod.Native {
				fors = append(fors, fmt.Sprintf("%s (build %s)", o.For, HostDir(o.Host)))
			}
			return "", fmt.Errorf("release %s %s has no plugin of %s for this binary (build %s), only for %s",
				m.Name, m.Version, src.Name, HostDir(host), strings.Join(fors, ", "))
		case obj.Err != "":
			return "", fmt.Errorf("release %s %s: %s was not built natively for %s: %s", m.Name, m.Version, src.Name, obj.For, obj.Err)
		}
		file := filepath.Join(vdir, filepath.FromSlash(obj.File))
		got, err := fileDigest(file)
		if err != nil {
			return "", fmt.Errorf("release %s %s: %w", m.Name, m.Version, err)
		}
		if got != obj.SHA256 {
			return "", fmt.Errorf("%w: release %s %s: %s has sha256 %s, the manifest says %s",
				ErrCorrupt, m.Name, m.Version, obj.File, got, obj.SHA256)
		}
		return file, nil
	}
}
