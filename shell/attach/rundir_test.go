package attach

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunDirLocation(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := runDirFrom(getenv, 1000); got != "/tmp/gex-1000" {
		t.Errorf("no env: %q", got)
	}
	env["TMPDIR"] = "/var/tmp"
	if got := runDirFrom(getenv, 1000); got != "/var/tmp/gex-1000" {
		t.Errorf("TMPDIR: %q", got)
	}
	env["XDG_RUNTIME_DIR"] = "/run/user/1000"
	if got := runDirFrom(getenv, 1000); got != "/run/user/1000/gex" {
		t.Errorf("XDG_RUNTIME_DIR: %q", got)
	}
	env[RunDirEnv] = "/srv/gex"
	if got := runDirFrom(getenv, 1000); got != "/srv/gex" {
		t.Errorf("%s: %q", RunDirEnv, got)
	}
}

func TestRunDirEnsure(t *testing.T) {
	d := RunDir(filepath.Join(shortTempDir(t), "a", "gex"))
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	assertMode(t, string(d), 0o700)
	// A directory of ours someone loosened is tightened again.
	if err := os.Chmod(string(d), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	assertMode(t, string(d), 0o700)
}

func TestRunDirRefusesTraps(t *testing.T) {
	base := shortTempDir(t)
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	link := filepath.Join(base, "link")
	os.Symlink(base, link)
	for _, p := range []string{file, link} {
		if err := RunDir(p).Ensure(); err == nil {
			t.Errorf("%s: accepted", p)
		}
	}
	if os.Geteuid() != 0 {
		return
	}
	theirs := filepath.Join(base, "theirs")
	os.Mkdir(theirs, 0o700)
	if err := os.Chown(theirs, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	err := RunDir(theirs).Ensure()
	if !errors.Is(err, ErrUnsafeRunDir) || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("another user's directory: %v", err)
	}
}

func TestRunDirSocketMode(t *testing.T) {
	d := RunDir(filepath.Join(shortTempDir(t), "gex"))
	srv, err := ServeAttach(d, ServerOptions{Node: "kv@host"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	assertMode(t, string(d), 0o700)
	assertMode(t, d.Socket("kv@host"), 0o600)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", path, got, want)
	}
}

func TestRunDirNames(t *testing.T) {
	d := RunDir("/run/user/1000/gex")
	if got := d.Socket("kv@host"); got != "/run/user/1000/gex/kv@host.sock" {
		t.Errorf("Socket: %q", got)
	}
	if got := d.PIDFile("kv@host"); got != "/run/user/1000/gex/kv@host.pid" {
		t.Errorf("PIDFile: %q", got)
	}
	if got := d.LogFile("kv@host"); got != "/run/user/1000/gex/kv@host.log" {
		t.Errorf("LogFile: %q", got)
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a\x00b", strings.Repeat("n", 100)} {
		if d.CheckName(bad) == nil {
			t.Errorf("CheckName(%q) accepted", bad)
		}
	}
	if err := d.CheckName("kv@host"); err != nil {
		t.Error(err)
	}
}

func TestPIDFile(t *testing.T) {
	d := RunDir(shortTempDir(t))
	if _, err := d.ReadPID("kv"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no pid file: %v", err)
	}
	if err := d.WritePID("kv", 4242); err != nil {
		t.Fatal(err)
	}
	assertMode(t, d.PIDFile("kv"), 0o600)
	if pid, err := d.ReadPID("kv"); pid != 4242 || err != nil {
		t.Errorf("ReadPID = %d, %v", pid, err)
	}
	os.WriteFile(d.PIDFile("kv"), []byte("garbage"), 0o600)
	if _, err := d.ReadPID("kv"); err == nil {
		t.Error("garbage pid file accepted")
	}
	if err := d.RemovePID("kv"); err != nil {
		t.Fatal(err)
	}
	if err := d.RemovePID("kv"); err != nil {
		t.Errorf("removing a missing pid file: %v", err)
	}
}
