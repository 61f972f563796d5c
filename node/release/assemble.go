package release

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/gexdev/gex/node/code"
)

// Assemble writes release m into the release root: releases/<vsn>/ with
// the manifest, the relup (if plan is not nil), the module sources, the
// native versions Build made (in NativeDir), and the tarball of it all with its .sha256. binary, if not "", is the node
// binary for bin/<name>, which the tarball carries too.
func Assemble(root string, m *Manifest, srcs []*code.Source, plan *Plan, binary string) error {
	dir := filepath.Join(root, "releases", m.Version)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for _, src := range srcs {
		mdir := filepath.Join(dir, ModulesDir, src.Name)
		if err := os.MkdirAll(mdir, 0o755); err != nil {
			return err
		}
		for _, f := range src.Files {
			if err := os.WriteFile(filepath.Join(mdir, filepath.Base(f.Name)), f.Data, 0o644); err != nil {
				return err
			}
		}
	}
	for _, mod := range m.Modules {
		for _, obj := range mod.Native {
			if obj.built == "" {
				continue
			}
			dst := filepath.Join(dir, filepath.FromSlash(obj.File))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if err := copyFile(obj.built, dst, 0o644); err != nil {
				return err
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile(m.Name)), m.Marshal(), 0o644); err != nil {
		return err
	}
	paths := []string{filepath.Join("releases", m.Version)}
	if plan != nil {
		if err := os.WriteFile(filepath.Join(dir, RelupFile), plan.Format(), 0o644); err != nil {
			return err
		}
	}
	if binary != "" {
		bin := filepath.Join(root, "bin", m.Name)
		if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
			return err
		}
		if binary != bin {
			if err := copyFile(binary, bin, 0o755); err != nil {
				return err
			}
		}
		paths = append(paths, filepath.Join("bin", m.Name))
	}
	tmp := filepath.Join(root, TarballFile(m.Name)+".tmp")
	if err := Pack(tmp, root, paths); err != nil {
		return err
	}
	tarball := filepath.Join(dir, TarballFile(m.Name))
	return errors.Join(os.Rename(tmp, tarball), os.Rename(tmp+".sha256", tarball+".sha256"))
}

func copyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
