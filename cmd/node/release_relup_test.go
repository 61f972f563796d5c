package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// startSpec is a top-level supervision tree for gex.toml's first release.
const startSpec = `
[release.start]
id = "hotcode_sup"
strategy = "one_for_one"

[[release.start.children]]
id = "boss"
module = "demoserver"
function = "StartLink"
args = [{ name = "boss", money = 1 }]
`

// TestReleaseEditedRelup: a relup edited in _build is validated and
// packed again by node release --repack; one edited where the release is
// deployed is used as it stands, validated, not unpacked over. And a
// release that adds a top-level supervision tree starts it on the
// upgrade and stops it on the downgrade.
func TestReleaseEditedRelup(t *testing.T) {
	r := newRelTest(t)
	r.node("release", "--env", "prod")
	if _, _, status := r.run(r.remote, "tar", "-xzf", r.rel("0.1.0", "hotcode.tar.gz"), "-C", r.remote); status != 0 {
		t.Fatal("tar failed")
	}
	r.mustBin("start")

	copyOver(t, filepath.Join(r.project, "next"), r.project)
	gexToml := filepath.Join(r.project, "gex.toml")
	toml := strings.Replace(readFile(t, gexToml), "suspend_timeout = \"5s\"\n", "suspend_timeout = \"5s\"\n"+startSpec, 1)
	os.WriteFile(gexToml, []byte(toml), 0o644)
	if out := r.node("release", "--env", "prod", "--upgrade", "--dry-run"); !strings.Contains(out, "  start_tree hotcode_sup\n") || !strings.Contains(out, "  stop_tree hotcode_sup\n") {
		t.Fatalf("the plan does not start the new tree:\n%s", out)
	}
	r.node("release", "--env", "prod", "--upgrade")

	// In _build: a broken edit is refused with its line, a good one packed.
	relup := r.rel("0.2.0", "relup")
	good := readFile(t, relup)
	os.WriteFile(relup, []byte(strings.Replace(good, "  suspend demoserver\n", "", 1)), 0o644)
	out, errOut, status := r.run(r.project, nodeBinary(t), "release", "--env", "prod", "--repack", "0.2.0")
	if status != 1 || !regexp.MustCompile(`^node release: \S+/relup:\d+: code_change demoserver while its processes are not suspended`).MatchString(errOut) {
		t.Fatalf("repack of a broken relup: %d %q %q", status, out, errOut)
	}
	edited := strings.Replace(good, "\ndown to", "\n\ndown to", 1)
	os.WriteFile(relup, []byte(edited), 0o644)
	if out := r.node("release", "--env", "prod", "--repack", "0.2.0"); !strings.Contains(out, "Release hotcode 0.2.0 repacked") {
		t.Fatalf("repack said %q", out)
	}
	packed, _, _ := r.run(r.project, "tar", "-xzOf", r.rel("0.2.0", "hotcode.tar.gz"), "releases/0.2.0/relup")
	if packed != edited {
		t.Fatalf("the repacked tarball's relup:\n%s\nwant the edited one:\n%s", packed, edited)
	}

	dst := filepath.Join(r.remote, "releases", "0.2.0")
	os.MkdirAll(dst, 0o755)
	for _, f := range []string{"hotcode.tar.gz", "hotcode.tar.gz.sha256"} {
		os.WriteFile(filepath.Join(dst, f), []byte(readFile(t, r.rel("0.2.0", f))), 0o644)
	}
	if out := r.mustBin("upgrade", "--check", "0.2.0"); strings.Contains(out, "edited") {
		t.Fatalf("a relup as packed is reported edited:\n%s", out)
	}

	// Deployed: the unpacked relup wins over the tarball's.
	deployed := filepath.Join(dst, "relup")
	broken := strings.Replace(edited, "  suspend demoserver\n", "", 1)
	os.WriteFile(deployed, []byte(broken), 0o644)
	_, errOut, status = r.bin("upgrade", "--check", "0.2.0")
	if status != 1 || !regexp.MustCompile(`^hotcode upgrade: \S+/releases/0.2.0/relup:\d+: code_change demoserver while its processes are not suspended`).MatchString(errOut) {
		t.Fatalf("check with a broken deployed relup: %d %q", status, errOut)
	}
	if got := readFile(t, deployed); got != broken {
		t.Fatalf("the upgrade unpacked the tarball over the edited relup:\n%s", got)
	}
	os.WriteFile(deployed, []byte(edited+"\n"), 0o644)
	if out := r.mustBin("upgrade", "--check", "0.2.0"); !strings.Contains(out, "\n  relup: edited by hand, validated\n") {
		t.Fatalf("check with an edited relup:\n%s", out)
	}

	supRuns := `func() bool { _, ok := node.Whereis("hotcode_sup"); return ok }()`
	if out := r.mustBin("eval", supRuns); strings.TrimSpace(out) != "false" {
		t.Fatalf("hotcode_sup runs on 0.1.0: %q", out)
	}
	if out := r.mustBin("upgrade", "0.2.0"); !strings.Contains(out, "  start_tree hotcode_sup\n") {
		t.Fatalf("upgrade said:\n%s", out)
	}
	if out := r.mustBin("eval", supRuns); strings.TrimSpace(out) != "true" {
		t.Fatalf("hotcode_sup after the upgrade: %q", out)
	}
	if out := r.mustBin("downgrade", "0.1.0"); !strings.Contains(out, "  stop_tree hotcode_sup\n") {
		t.Fatalf("downgrade said:\n%s", out)
	}
	if out := r.mustBin("eval", supRuns); strings.TrimSpace(out) != "false" {
		t.Fatalf("hotcode_sup after the downgrade: %q", out)
	}
}
