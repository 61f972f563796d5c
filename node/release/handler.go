package release

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// Handler is a live node's release handler (OTP's release_handler): it
// knows which release the node runs, and upgrades and downgrades it
// without a restart. The release root holds releases/<vsn>/ for each
// version, and releases/permanent names the version a restart boots.
type Handler struct {
	root, name string
	n          *node.Node
	cs         *code.Server
	start      starter

	busy sync.Mutex // held by a running upgrade or downgrade; TryLock refuses a second

	mu      sync.Mutex
	current *Manifest
	old     []string // versions the node ran before, oldest first
}

// PermanentFile names, in releases/, the version a restart boots.
const PermanentFile = "permanent"

// Boot loads release vsn of the release root into the node, unpacking its
// tarball if needed, starts its start spec, and returns its handler. The
// code server's path should be empty: every module comes from a release.
func Boot(root, name, vsn string, n *node.Node, cs *code.Server) (*Handler, error) {
	h := &Handler{root: root, name: name, n: n, cs: cs, start: starter{n: n, cs: cs}}
	m, err := h.unpacked(vsn)
	if err != nil {
		return nil, err
	}
	srcs, err := m.Sources(h.dir(vsn))
	if err != nil {
		return nil, err
	}
	// The release's modules are the code path, so that a module importing
	// another loads it first, whatever their order.
	cs.SetPath([]string{filepath.Join(h.dir(vsn), ModulesDir)})
	for _, src := range srcs {
		if cs.IsLoaded(src.Name) {
			continue // loaded already, imported by one before it
		}
		if _, err := cs.LoadSource(src); err != nil {
			return nil, fmt.Errorf("release %s %s: %w", name, vsn, err)
		}
	}
	if m.Start != nil {
		if _, err := h.start.startTree(m.Start); err != nil {
			return nil, fmt.Errorf("release %s %s: start: %w", name, vsn, err)
		}
	}
	h.current = m
	for _, v := range history(root) {
		if v != vsn {
			h.old = append(h.old, v)
		}
	}
	if err := addHistory(root, vsn); err != nil {
		return nil, err
	}
	if _, err := h.Permanent(); err != nil {
		if err := h.setPermanent(vsn); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Current returns the manifest of the running release.
func (h *Handler) Current() *Manifest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.current
}

func (h *Handler) dir(vsn string) string { return filepath.Join(h.root, "releases", vsn) }

// unpacked returns the manifest of release vsn, unpacking its tarball
// only if the release is not unpacked yet: a boot reads the tarball, which
// holds the binary, only the first time. The module sources are checked
// against the manifest's digests as they are read.
func (h *Handler) unpacked(vsn string) (*Manifest, error) {
	if !validVersion(vsn) {
		return nil, fmt.Errorf("%w: %q is not a version", ErrNoRelease, vsn)
	}
	if !exists(filepath.Join(h.dir(vsn), ManifestFile(h.name))) {
		m, _, err := h.unpack(vsn)
		return m, err
	}
	return h.readManifest(vsn)
}

// unpack returns the manifest of release vsn, verifying its tarball
// first when one is there and unpacking what of releases/<vsn>/ is
// missing: files already there win over the tarball's, so that a relup
// edited where it runs is the one used (edited names those that differ
// from the tarball's). The binary in bin/ is the one running.
func (h *Handler) unpack(vsn string) (m *Manifest, edited []string, err error) {
	if !validVersion(vsn) {
		return nil, nil, fmt.Errorf("%w: %q is not a version", ErrNoRelease, vsn)
	}
	dir := h.dir(vsn)
	tarball := filepath.Join(dir, TarballFile(h.name))
	manifest := filepath.Join(dir, ManifestFile(h.name))
	_, terr := os.Stat(tarball)
	_, merr := os.Stat(manifest)
	switch {
	case terr == nil:
		prefix := "releases/" + vsn + "/"
		if edited, err = UnpackMissing(tarball, h.root, prefix); err != nil {
			return nil, nil, err
		}
		for i := range edited {
			edited[i] = strings.TrimPrefix(edited[i], prefix)
		}
	case merr != nil:
		return nil, nil, fmt.Errorf("%w: release %s %s: no %s nor %s in %s (copy the release's tarball there)",
			ErrNoRelease, h.name, vsn, TarballFile(h.name), ManifestFile(h.name), dir)
	}
	m, err = h.readManifest(vsn)
	return m, edited, err
}

func (h *Handler) readManifest(vsn string) (*Manifest, error) {
	manifest := filepath.Join(h.dir(vsn), ManifestFile(h.name))
	m, err := ReadManifest(manifest)
	if err != nil {
		return nil, err
	}
	if m.Name != h.name || m.Version != vsn {
		return nil, fmt.Errorf("%w: %s is release %s %s, not %s %s", ErrBadManifest, manifest, m.Name, m.Version, h.name, vsn)
	}
	return m, nil
}

// Permanent returns the version a restart boots.
func (h *Handler) Permanent() (string, error) { return ReadPermanent(h.root) }

// ReadPermanent returns the permanent version of the release root.
func ReadPermanent(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "releases", PermanentFile))
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(b))
	if !validVersion(v) {
		return "", fmt.Errorf("%w: releases/%s holds %q", ErrBadManifest, PermanentFile, v)
	}
	return v, nil
}

func (h *Handler) setPermanent(vsn string) error {
	file := filepath.Join(h.root, "releases", PermanentFile)
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(vsn+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// ReleaseInfo is one release in the root, as bin/NAME releases lists it.
type ReleaseInfo struct {
	Version string
	Status  string // current, permanent, old, unpacked, tarball (placed, not unpacked)
}

// Releases lists the releases of the root, oldest version first.
func (h *Handler) Releases() ([]ReleaseInfo, error) {
	entries, err := os.ReadDir(filepath.Join(h.root, "releases"))
	if err != nil {
		return nil, err
	}
	perm, _ := h.Permanent()
	h.mu.Lock()
	cur, old := h.current.Version, slices.Clone(h.old)
	h.mu.Unlock()
	var out []ReleaseInfo
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		v := e.Name()
		var status []string
		if v == cur {
			status = append(status, "current")
		}
		if v == perm {
			status = append(status, "permanent")
		}
		if len(status) == 0 {
			switch {
			case slices.Contains(old, v):
				status = append(status, "old")
			case exists(filepath.Join(h.dir(v), ManifestFile(h.name))):
				status = append(status, "unpacked")
			case exists(filepath.Join(h.dir(v), TarballFile(h.name))):
				status = append(status, "tarball")
			default:
				continue
			}
		}
		out = append(out, ReleaseInfo{Version: v, Status: strings.Join(status, ", ")})
	}
	slices.SortFunc(out, func(a, b ReleaseInfo) int { return CompareVersions(a.Version, b.Version) })
	return out, nil
}

func exists(file string) bool {
	_, err := os.Stat(file)
	return !errors.Is(err, fs.ErrNotExist)
}

// CompareVersions orders versions as 0.2.0 < 0.10.0: dot-separated
// numbers compared as numbers, anything else as text.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(len(as), len(bs)) {
		x, y := as[i], bs[i]
		if len(x) != len(y) && isDigits(x) && isDigits(y) {
			return len(x) - len(y)
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// suspendTimeout is the manifest's, default 5 s.
func (m *Manifest) suspendTimeout() time.Duration {
	if d, err := time.ParseDuration(m.SuspendTimeout); err == nil && d > 0 {
		return d
	}
	return 5 * time.Second
}
