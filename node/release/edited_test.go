package release

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestEditedRelupWins: with the tarball still in releases/<vsn>/, a relup
// edited there is the plan used, said in the report, and validated: a
// broken edit is refused with its line. The tarball is still verified.
func TestEditedRelupWins(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
	h, _ := p.boot("0.1.0")
	startDemo(t, h, map[string]any{"name": "blackode", "money": 1})

	rep, err := h.Upgrade("0.2.0", Options{Check: true})
	if err != nil {
		t.Fatalf("check: %v\n%s", err, rep)
	}
	if strings.Contains(rep.String(), "edited") {
		t.Fatalf("a relup as packed is reported edited:\n%s", rep)
	}

	relup := p.file("0.2.0", RelupFile)
	good, err := os.ReadFile(relup)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(good), "  suspend demoserver\n", "", 1)
	line := 1 + strings.Count(string(good)[:strings.Index(string(good), "  code_change up")], "\n") - 1
	writeFile(t, relup, broken)
	_, err = h.Upgrade("0.2.0", Options{Check: true})
	var pe *PlanError
	if !errors.As(err, &pe) || pe.Line != line || !strings.Contains(err.Error(), "code_change demoserver while its processes are not suspended") {
		t.Fatalf("a broken edit: %v, want a PlanError at line %d", err, line)
	}
	if b, _ := os.ReadFile(relup); string(b) != broken {
		t.Fatalf("the upgrade overwrote the edited relup:\n%s", b)
	}

	// A valid edit: a comment-free reordering is hard to make valid, so
	// the edit adds a blank line; the report says the plan was edited.
	writeFile(t, relup, strings.Replace(string(good), "up from", "\nup from", 1))
	rep, err = h.Upgrade("0.2.0", Options{Check: true})
	if err != nil {
		t.Fatalf("check with an edited relup: %v", err)
	}
	if !strings.Contains(rep.String(), "\n  relup: edited by hand, validated\n") {
		t.Fatalf("report does not tell of the edit:\n%s", rep)
	}

	// The tarball is still verified, edit or none.
	flipByte(t, p.file("0.2.0", TarballFile(p.name)), 100)
	if _, err := h.Upgrade("0.2.0", Options{Check: true}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a corrupt tarball beside an unpacked release: %v", err)
	}
}

// TestUnpackMissing writes only what is missing and names what differs.
func TestUnpackMissing(t *testing.T) {
	p := newProject(t)
	p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	tarball := p.file("0.1.0", TarballFile(p.name))
	rel := p.file("0.1.0", ManifestFile(p.name))
	want, _ := os.ReadFile(rel)
	os.Remove(rel)
	writeFile(t, p.file("0.1.0", RelupFile), "hand\n")
	edited, err := UnpackMissing(tarball, p.root, "releases/0.1.0/")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(rel); string(got) != string(want) {
		t.Fatalf("the missing manifest was not unpacked")
	}
	if b, _ := os.ReadFile(p.file("0.1.0", RelupFile)); string(b) != "hand\n" {
		t.Fatalf("the relup there was overwritten: %q", b)
	}
	if len(edited) != 0 { // 0.1.0 upgrades from nothing: no relup of its own to differ from
		t.Fatalf("edited %v", edited)
	}
}

// TestRepack: an edited relup is packed again, validated first; only the
// newest release, whose binary bin/ holds, is repacked.
func TestRepack(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
	var out strings.Builder
	if err := Repack(p.root, p.name, "0.1.0", &out); !errors.Is(err, ErrNoRelease) || !strings.Contains(err.Error(), "only the newest release built, 0.2.0") {
		t.Fatalf("repack of an older release: %v", err)
	}
	relup := p.file("0.2.0", RelupFile)
	good, _ := os.ReadFile(relup)
	writeFile(t, relup, strings.Replace(string(good), "  resume demoserver\n", "", 1))
	if err := Repack(p.root, p.name, "0.2.0", &out); !errors.Is(err, ErrBadPlan) {
		t.Fatalf("repack of a broken relup: %v", err)
	}
	writeFile(t, relup, string(good)+"\n")
	if err := Repack(p.root, p.name, "0.2.0", &out); err != nil {
		t.Fatal(err)
	}
	tarball := p.file("0.2.0", TarballFile(p.name))
	names, err := Verify(tarball)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".sha256") {
			t.Fatalf("the repacked tarball holds %s", n)
		}
	}
	os.Remove(relup)
	if _, err := UnpackMissing(tarball, p.root, "releases/0.2.0/"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(relup); string(b) != string(good)+"\n" {
		t.Fatalf("the repacked relup:\n%s", b)
	}
}
