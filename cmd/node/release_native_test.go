package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gexdev/gex/node/release"
)

// TestReleaseNative: node release ships every module natively, built for
// bin/hotcode, and the release runs it native with no toolchain in sight;
// an upgrade loads the new version native too, its state migrated; a
// corrupt plugin, a plugin for another binary and one that does not load
// fall back to the interpreter, each said.
func TestReleaseNative(t *testing.T) {
	r := newRelTest(t)
	out := r.node("release", "--env", "prod")
	if strings.Contains(out, "native builds need cgo") {
		t.Skipf("no native builds on this machine:\n%s", out)
	}
	if !regexp.MustCompile(`Native modules for bin/hotcode 0\.1\.0 \(build \w+\):\n  demoserver +native \(`).MatchString(out) {
		t.Fatalf("node release did not say demoserver is native:\n%s", out)
	}
	m := r.manifest(filepath.Join(r.rel("0.1.0"), "hotcode.rel"))
	mod, _ := m.Module("demoserver")
	if len(mod.Native) != 1 || mod.Native[0].File == "" || mod.Native[0].SHA256 == "" || mod.Native[0].Err != "" {
		t.Fatalf("the manifest's native objects of demoserver: %+v", mod.Native)
	}
	r.extract("0.1.0")
	if _, err := os.Stat(filepath.Join(r.remote, "releases", "0.1.0", mod.Native[0].File)); err != nil {
		t.Fatalf("the tarball lacks the plugin: %v", err)
	}
	r.mustBin("start")
	if got := r.mustBin("eval", ":code.which demoserver"); !strings.Contains(got, "releases/0.1.0/modules/demoserver (native)") {
		t.Fatalf(":code.which demoserver on 0.1.0: %s", got)
	}
	if got := r.mustBin("eval", "i demoserver"); !strings.Contains(got, "Tier\n  native\n") || !regexp.MustCompile(`Native code\n  [\d.]+ [KM]iB mapped`).MatchString(got) {
		t.Fatalf("i demoserver on 0.1.0:\n%s", got)
	}
	r.mustBin("eval", `pid, _ := demoserver.StartLink(map[string]any{"name": "blackode", "money": 300000}); node.Register("boss", pid)`)
	if got := r.mustBin("eval", addMoney(400000)); !strings.Contains(got, `"400000 added to blackode "`) {
		t.Fatalf("AddMoney on 0.1.0 said %q", got)
	}

	// 0.2.0's plugins are built for 0.1.0's binary, which loads them hot.
	copyOver(t, filepath.Join(r.project, "next"), r.project)
	out = r.node("release", "--env", "prod", "--upgrade")
	if !strings.Contains(out, "Native modules for bin/hotcode 0.1.0 (the upgrade from it)") {
		t.Fatalf("node release --upgrade did not build for 0.1.0's binary:\n%s", out)
	}
	r.place("0.2.0")
	out = r.mustBin("upgrade", "0.2.0")
	if !strings.Contains(out, "module demoserver       code changed (vsn 1 -> 2), native") {
		t.Fatalf("upgrade said:\n%s", out)
	}
	if got := r.mustBin("eval", ":code.all_loaded"); !strings.Contains(got, `"demoserver": "2 (native)"`) {
		t.Fatalf(":code.all_loaded after the upgrade: %s", got)
	}
	if got := r.mustBin("eval", `:sys.get_state "boss"`); !strings.Contains(got, `"salary": 700000`) || strings.Contains(got, "money") {
		t.Fatalf("state after the upgrade: %s", got)
	}
	if got := r.mustBin("eval", addMoney(50000)); !strings.Contains(got, `"salary": 750000`) {
		t.Fatalf("AddMoney on 0.2.0 said %q", got)
	}
	r.mustBin("stop")

	// Fallbacks, each on a fresh copy of 0.1.0: the module runs
	// interpreted, and i and the log say why.
	plugin := filepath.Join("releases", "0.1.0", filepath.FromSlash(mod.Native[0].File))
	manifest := filepath.Join("releases", "0.1.0", "hotcode.rel")
	for _, c := range []struct {
		name  string
		spoil func()
		why   string
	}{
		{"corrupt plugin", func() {
			b := []byte(readFile(t, filepath.Join(r.remote, plugin)))
			b[len(b)/2] ^= 0xff
			os.WriteFile(filepath.Join(r.remote, plugin), b, 0o644)
		}, "corrupt release tarball: release hotcode 0.1.0: " + mod.Native[0].File + " has sha256"},
		{"plugin for another binary", func() {
			m := r.manifest(filepath.Join(r.remote, manifest))
			m.Modules[0].Native[0].Host = "another binary's build ID"
			os.WriteFile(filepath.Join(r.remote, manifest), m.Marshal(), 0o644)
		}, "has no plugin of demoserver for this binary"},
		{"plugin that does not load", func() {
			os.WriteFile(filepath.Join(r.remote, plugin), []byte("not a plugin"), 0o644)
			m := r.manifest(filepath.Join(r.remote, manifest))
			m.Modules[0].Native[0].SHA256 = digestOf(t, filepath.Join(r.remote, plugin))
			os.WriteFile(filepath.Join(r.remote, manifest), m.Marshal(), 0o644)
		}, "plugin failed to load"},
	} {
		r.remote = t.TempDir()
		r.extract("0.1.0")
		c.spoil()
		out := r.mustBin("start")
		got := r.mustBin("eval", "i demoserver")
		if !strings.Contains(got, "Tier\n  interpreted (not native: ") || !strings.Contains(got, c.why) {
			t.Errorf("%s: i demoserver, without %q:\n%s", c.name, c.why, got)
		}
		if got := r.mustBin("eval", "demoserver.Vsn"); strings.TrimSpace(got) != `"1"` {
			t.Errorf("%s: demoserver.Vsn %q interpreted", c.name, got)
		}
		if m := regexp.MustCompile(`; log (\S+)`).FindStringSubmatch(out); m == nil || !strings.Contains(readFile(t, m[1]), "module loaded interpreted") {
			t.Errorf("%s: the log does not say the module runs interpreted (start said %q)", c.name, out)
		}
		r.mustBin("stop")
	}

	// An upgrade whose tarball has no plugin for the running binary loads
	// the new version interpreted, says so, and migrates the state.
	r.remote = t.TempDir()
	r.extract("0.1.0")
	r.mustBin("start")
	r.mustBin("eval", `pid, _ := demoserver.StartLink(map[string]any{"name": "blackode", "money": 300000}); node.Register("boss", pid)`)
	staging := t.TempDir()
	if _, _, status := r.run(staging, "tar", "-xzf", r.rel("0.2.0", "hotcode.tar.gz"), "-C", staging, "releases"); status != 0 {
		t.Fatal("tar failed")
	}
	m2 := r.manifest(filepath.Join(staging, "releases", "0.2.0", "hotcode.rel"))
	for i := range m2.Modules[0].Native {
		m2.Modules[0].Native[i].Host = "another binary's build ID"
	}
	os.WriteFile(filepath.Join(staging, "releases", "0.2.0", "hotcode.rel"), m2.Marshal(), 0o644)
	os.MkdirAll(filepath.Join(r.remote, "releases", "0.2.0"), 0o755)
	if err := release.Pack(filepath.Join(r.remote, "releases", "0.2.0", "hotcode.tar.gz"), staging, []string{"releases/0.2.0"}); err != nil {
		t.Fatal(err)
	}
	out = r.mustBin("upgrade", "0.2.0")
	if !strings.Contains(out, "code changed (vsn 1 -> 2), interpreted (not native: ") || !strings.Contains(out, "has no plugin of demoserver for this binary") {
		t.Fatalf("upgrade with no plugin for this binary said:\n%s", out)
	}
	if got := r.mustBin("eval", `:sys.get_state "boss"`); !strings.Contains(got, `"salary": 300000`) {
		t.Fatalf("state after the interpreted upgrade: %s", got)
	}
	r.mustBin("stop")
}

// extract unpacks release vsn's tarball into the remote, as tar -xzf.
func (r *relTest) extract(vsn string) {
	r.t.Helper()
	if _, _, status := r.run(r.remote, "tar", "-xzf", r.rel(vsn, "hotcode.tar.gz"), "-C", r.remote); status != 0 {
		r.t.Fatal("tar failed")
	}
}

// place copies release vsn's tarball and digest into the remote's
// releases/<vsn>/, as a user does before an upgrade.
func (r *relTest) place(vsn string) {
	r.t.Helper()
	dst := filepath.Join(r.remote, "releases", vsn)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		r.t.Fatal(err)
	}
	for _, f := range []string{"hotcode.tar.gz", "hotcode.tar.gz.sha256"} {
		b, err := os.ReadFile(r.rel(vsn, f))
		if err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

func digestOf(t *testing.T, file string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(readFile(t, file)))
	return hex.EncodeToString(sum[:])
}

func (r *relTest) manifest(file string) *release.Manifest {
	r.t.Helper()
	m, err := release.ReadManifest(file)
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}
