package watch

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// Editors save through temporary files, backups and renames, and inotify
// watches one directory, not a tree. The watcher watches every directory
// under the code path, adds the directories created since, and notes the
// paths of module files that changed; what they belong to is worked out
// when the burst of events is over (reload.go).

// moduleFile reports whether a file named name can be part of a module:
// a Go file that go build would compile. Tests, hidden and underscore
// files (vim's .kv.go.swp, emacs's .#kv.go) and editors' other files
// (kv.go~, #kv.go#, 4913, kv.go___jb_tmp___, sed's sedXXXXXX) are not.
func moduleFile(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") &&
		!strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_")
}

// skipDir reports whether a directory named name holds no modules, as go
// build skips it: hidden (.git), underscore and testdata directories.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata"
}

// addTree watches root and the directories under it. With mark, the
// module files found are noted as changed: they were written before the
// watch began, in a directory just created or moved in.
func (w *Watcher) addTree(root string, mark bool) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // gone since it was listed
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return w.fsw.Add(path)
		}
		if mark && moduleFile(d.Name()) {
			w.dirty[path] = true
		}
		return nil
	})
}

// note takes one file system event and reports whether it may change a
// module: the debounce restarts only for those.
func (w *Watcher) note(ev fsnotify.Event) bool {
	base := filepath.Base(ev.Name)
	if ev.Has(fsnotify.Create) && !skipDir(base) {
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			if err := w.addTree(ev.Name, true); err != nil {
				w.warn("cannot watch "+ev.Name, err)
			}
			return true
		}
	}
	if !moduleFile(base) {
		return false
	}
	w.dirty[ev.Name] = true
	return true
}
