package release

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Repack packs release vsn of the release root again, after a hand edit
// of its releases/<vsn>/ (its relup, most often): the relup is validated
// against the releases it names that are in the root, and the tarball and
// its .sha256 are written anew from the tree as it stands. Only the newest
// release built can be repacked: bin/<name>, which the tarball carries,
// is that one's binary.
func Repack(root, name, vsn string, out io.Writer) error {
	dir := filepath.Join(root, "releases", vsn)
	m, err := ReadManifest(filepath.Join(dir, ManifestFile(name)))
	if err != nil {
		return err
	}
	placed, err := Placed(root, name)
	if err != nil {
		return err
	}
	if newest := placed[len(placed)-1]; newest != vsn {
		return fmt.Errorf("%w: release %s %s: only the newest release built, %s, can be repacked (bin/%s is its binary)", ErrNoRelease, name, vsn, newest, name)
	}
	if err := checkRelup(root, name, m); err != nil {
		return err
	}
	paths := []string{filepath.Join("releases", vsn)}
	if exists(filepath.Join(root, "bin", name)) {
		paths = append(paths, filepath.Join("bin", name))
	}
	// The old tarball and digest are set aside while the tree is packed,
	// so that the new tarball does not hold them, and put back on failure.
	tarball := filepath.Join(dir, TarballFile(name))
	old := filepath.Join(root, TarballFile(name)+".old")
	for _, f := range []string{"", ".sha256"} {
		if err := os.Rename(tarball+f, old+f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	tmp := filepath.Join(root, TarballFile(name)+".tmp")
	if err := Pack(tmp, root, paths); err != nil {
		os.Rename(old, tarball)
		os.Rename(old+".sha256", tarball+".sha256")
		return err
	}
	os.Remove(old)
	os.Remove(old + ".sha256")
	if err := errors.Join(os.Rename(tmp, tarball), os.Rename(tmp+".sha256", tarball+".sha256")); err != nil {
		return err
	}
	fmt.Fprintf(out, "Release %s %s repacked: releases/%s/%s (and .sha256)\n", name, vsn, vsn, TarballFile(name))
	return nil
}

// checkRelup validates the relup of release m, if it has one: every step
// against the release it leads from or to, where that one is in root.
func checkRelup(root, name string, m *Manifest) error {
	file := filepath.Join(root, "releases", m.Version, RelupFile)
	if !exists(file) {
		return nil
	}
	plan, err := ReadPlan(file)
	if err != nil {
		return err
	}
	for _, s := range append(append([]*Step(nil), plan.Up...), plan.Down...) {
		other, err := ReadManifest(filepath.Join(root, "releases", s.Vsn, ManifestFile(name)))
		if err != nil {
			continue // not built here: checked where it runs
		}
		from, to := other, m
		if !s.Up {
			from, to = m, other
		}
		if err := s.Check(file, from, to); err != nil {
			return err
		}
	}
	return nil
}
