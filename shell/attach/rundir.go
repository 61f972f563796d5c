package attach

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// RunDirEnv names the environment variable that overrides the runtime
// directory; tests and people running several setups side by side use it.
const RunDirEnv = "GEX_RUNTIME_DIR"

// maxSocketPath is the longest socket path every unix accepts (sun_path is
// 104 bytes on the BSDs and macOS, 108 on Linux, counting a NUL).
const maxSocketPath = 103

// RunDir is the directory where a user's nodes keep their sockets, pid files
// and logs: node kv@host has kv@host.sock, kv@host.pid and kv@host.log, and
// kv@host.lock, which the node holds locked while it serves the socket. It
// is the user's alone (mode 0700), which is what keeps other users from
// reaching the sockets.
type RunDir string

// DefaultRunDir returns the runtime directory of the current user: the
// first of $GEX_RUNTIME_DIR, $XDG_RUNTIME_DIR/gex, and $TMPDIR/gex-<uid>
// ($TMPDIR defaulting to /tmp), looked up with getenv (os.Getenv).
func DefaultRunDir(getenv func(string) string) RunDir {
	return runDirFrom(getenv, os.Geteuid())
}

func runDirFrom(getenv func(string) string, uid int) RunDir {
	if d := getenv(RunDirEnv); d != "" {
		return RunDir(d)
	}
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		return RunDir(filepath.Join(d, "gex"))
	}
	return RunDir(filepath.Join(cmp.Or(getenv("TMPDIR"), "/tmp"), "gex-"+strconv.Itoa(uid)))
}

// Ensure creates the directory if needed and checks that it is safe: a
// directory (not a symlink) owned by this user and closed to others. An
// existing directory of this user with a looser mode is tightened; one
// owned by anybody else is refused, since in a shared /tmp it may be a trap.
func (d RunDir) Ensure() error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(string(d))
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &RunDirError{Path: string(d), Problem: "is not a directory"}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && int(st.Uid) != os.Geteuid() {
		return &RunDirError{Path: string(d), Problem: fmt.Sprintf("is owned by uid %d, not %d", st.Uid, os.Geteuid())}
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return os.Chmod(string(d), 0o700)
	}
	return nil
}

// Socket returns the path of node's socket.
func (d RunDir) Socket(node string) string { return d.file(node, ".sock") }

// PIDFile returns the path of node's pid file.
func (d RunDir) PIDFile(node string) string { return d.file(node, ".pid") }

// LogFile returns the path of the log a daemon node writes.
func (d RunDir) LogFile(node string) string { return d.file(node, ".log") }

// LockFile returns the path of the file a node holds locked while it
// serves its socket.
func (d RunDir) LockFile(node string) string { return d.file(node, ".lock") }

// lock takes node's lock file, without waiting: of several processes that
// would serve one node's socket at once, one gets it, and the others
// ErrAlreadyRunning, however their checks of a stale socket interleave.
// The kernel releases the lock when the holder's process ends, so a node
// that died leaves nothing to clean up; unlock releases it too.
func (d RunDir) lock(node string) (*os.File, error) {
	path := d.LockFile(node)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w: another process serves node %s (it holds %s)", ErrAlreadyRunning, node, path)
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// A holder that unlocked has removed the file first: a lock on
		// the removed file is no lock, so take the one at path now.
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
		if err := cmp.Or(err1, err2); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
}

// unlock removes a lock file taken by lock, and then releases it.
func unlock(f *os.File) error {
	err := os.Remove(f.Name())
	return errors.Join(err, f.Close())
}

func (d RunDir) file(node, ext string) string {
	return filepath.Join(string(d), node+ext)
}

// CheckName reports whether node can name files in the directory, and
// whether its socket path fits the kernel's limit.
func (d RunDir) CheckName(node string) error {
	if node == "" || node == "." || node == ".." || strings.ContainsAny(node, "/\x00") {
		return fmt.Errorf("bad node name %q", node)
	}
	if p := d.Socket(node); len(p) > maxSocketPath {
		return fmt.Errorf("socket path %s is %d bytes, over the limit of %d: set %s to a shorter directory",
			p, len(p), maxSocketPath, RunDirEnv)
	}
	return nil
}

// WritePID records pid as node's process id, replacing the file atomically
// so a reader never sees half a number.
func (d RunDir) WritePID(node string, pid int) error {
	tmp, err := os.CreateTemp(string(d), node+".pid.*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(strconv.Itoa(pid) + "\n")
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), d.PIDFile(node))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// ReadPID returns the process id in node's pid file.
func (d RunDir) ReadPID(node string) (int, error) {
	b, err := os.ReadFile(d.PIDFile(node))
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: bad contents %q", d.PIDFile(node), b)
	}
	return pid, nil
}

// RemovePID removes node's pid file; a missing one is not an error.
func (d RunDir) RemovePID(node string) error {
	err := os.Remove(d.PIDFile(node))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
