package release

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// HistoryFile lists, in releases/, every version a node of the root has
// run, one a line: a release placed but never run is newer news than the
// permanent one.
const HistoryFile = "history"

// BootChoice is the release a node of the root boots, and the one to fall
// back to if that fails.
type BootChoice struct {
	Vsn      string
	Fallback string // "" if none
	Why      string // how Vsn was chosen, for the node's log
}

// ChooseBoot picks the release to boot: the newest release placed in
// releases/ (unpacked or as a tarball) that is newer than the permanent
// one and has never run here — the seeds' "stop and start again will
// upgrade to the latest release" — falling back to the permanent one;
// else the permanent one; else the newest.
func ChooseBoot(root, name string) (BootChoice, error) {
	placed, err := Placed(root, name)
	if err != nil {
		return BootChoice{}, err
	}
	if len(placed) == 0 {
		return BootChoice{}, fmt.Errorf("%w: no release of %s in %s", ErrNoRelease, name, filepath.Join(root, "releases"))
	}
	newest := placed[len(placed)-1]
	perm, err := ReadPermanent(root)
	if err != nil {
		return BootChoice{Vsn: newest, Why: "the newest release (none is permanent yet)"}, nil
	}
	ran := history(root)
	if CompareVersions(newest, perm) > 0 && !slices.Contains(ran, newest) {
		return BootChoice{Vsn: newest, Fallback: perm, Why: fmt.Sprintf("the newest release, placed since %s became permanent", perm)}, nil
	}
	return BootChoice{Vsn: perm, Why: "the permanent release"}, nil
}

// Placed lists the versions in releases/ with a manifest or a tarball,
// oldest first.
func Placed(root, name string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "releases"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoRelease, err)
	}
	var out []string
	for _, e := range entries {
		dir := filepath.Join(root, "releases", e.Name())
		if e.IsDir() && validVersion(e.Name()) &&
			(exists(filepath.Join(dir, ManifestFile(name))) || exists(filepath.Join(dir, TarballFile(name)))) {
			out = append(out, e.Name())
		}
	}
	slices.SortFunc(out, CompareVersions)
	return out, nil
}

// ReadBootManifest returns the manifest of the release ChooseBoot picks,
// or, if that one is still a tarball, of the newest release unpacked:
// what the commands that reach a node need (its name). It unpacks nothing.
func ReadBootManifest(root, name string) (*Manifest, error) {
	c, err := ChooseBoot(root, name)
	if err != nil {
		return nil, err
	}
	placed, _ := Placed(root, name)
	slices.Reverse(placed)
	var firstErr error
	for _, v := range slices.Concat([]string{c.Vsn, c.Fallback}, placed) {
		file := filepath.Join(root, "releases", v, ManifestFile(name))
		if v == "" || !exists(file) {
			continue
		}
		m, err := ReadManifest(file)
		if err == nil {
			return m, nil
		}
		firstErr = cmp.Or(firstErr, err)
	}
	return nil, cmp.Or(firstErr, fmt.Errorf("%w: no release of %s in %s is unpacked", ErrNoRelease, name, filepath.Join(root, "releases")))
}

func history(root string) []string {
	b, _ := os.ReadFile(filepath.Join(root, "releases", HistoryFile))
	return strings.Fields(string(b))
}

// addHistory records that vsn ran.
func addHistory(root, vsn string) error {
	if slices.Contains(history(root), vsn) {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(root, "releases", HistoryFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, vsn)
	return errors.Join(err, f.Close())
}

// PlaceForRestart readies release vsn, placed in releases/<vsn>/ as a
// tarball, for a restart onto it: the tarball is verified and unpacked
// whole, its binary in bin/ included, for a release that cannot be loaded
// hot (restart_new_binary). The next boot picks it, as the newest release
// never run.
func PlaceForRestart(root, name, vsn string) (*Manifest, error) {
	if !validVersion(vsn) {
		return nil, fmt.Errorf("%w: %q is not a version", ErrNoRelease, vsn)
	}
	tarball := filepath.Join(root, "releases", vsn, TarballFile(name))
	if !exists(tarball) {
		return nil, fmt.Errorf("%w: no %s in %s (copy the release's tarball there)", ErrNoRelease, TarballFile(name), filepath.Dir(tarball))
	}
	if err := Unpack(tarball, root, ""); err != nil {
		return nil, err
	}
	return ReadManifest(filepath.Join(root, "releases", vsn, ManifestFile(name)))
}

// SetPermanent makes vsn the release a restart of root boots.
func SetPermanent(root, vsn string) error {
	h := &Handler{root: root}
	return h.setPermanent(vsn)
}
