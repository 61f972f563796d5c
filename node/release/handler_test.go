package release

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
)

var startSpec = &ChildSpec{ID: "hotcode_sup", Children: []ChildSpec{
	{ID: "boss", Module: "demoserver", Function: "StartLink", Args: []any{map[string]any{"name": "boss", "money": int64(100)}}},
}}

func TestUpgradeChain(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, startSpec, map[string]string{"demoserver": demo("1", "")})
	m2 := p.release("0.2.0", m1, startSpec, map[string]string{"demoserver": demo("2", up2)})
	p.release("0.3.0", m2, startSpec, map[string]string{"demoserver": demo("3", up3)})
	h, n := p.boot("0.1.0")

	pid := startDemo(t, h, map[string]any{"name": "blackode", "money": 300000})
	if got := addMoney(t, h, pid, 400000); got["money"] != 700000 {
		t.Fatalf("0.1.0 add: %v", got)
	}
	boss, ok := n.Whereis("hotcode_sup")
	if !ok {
		t.Fatal("the start spec's supervisor is not registered")
	}
	_ = boss

	rep, err := h.Upgrade("0.2.0", Options{})
	if err != nil {
		t.Fatalf("upgrade 0.2.0: %v\n%s", err, rep)
	}
	if got := getState(t, n, pid); got["salary"] != 700000 || got["money"] != nil {
		t.Fatalf("state after 0.2.0: %v", got)
	}
	if got := addMoney(t, h, pid, 50000); got["salary"] != 750000 {
		t.Fatalf("0.2.0 add: %v", got)
	}
	if len(rep.Procs) != 2 || rep.Procs[0].Outcome != "migrated" || !rep.Permanent {
		t.Fatalf("report:\n%s", rep)
	}
	text := rep.String()
	for _, want := range []string{"module demoserver", "code changed (vsn 1 -> 2)", "migrated", "suspended for", "0.2.0 is permanent"} {
		if !strings.Contains(text, want) {
			t.Fatalf("report lacks %q:\n%s", want, text)
		}
	}

	if rep, err := h.Upgrade("0.3.0", Options{NoPermanent: true}); err != nil {
		t.Fatalf("upgrade 0.3.0: %v\n%s", err, rep)
	}
	if got := getState(t, n, pid); got["v3"] != true || got["salary"] != 750000 {
		t.Fatalf("state after 0.3.0: %v", got)
	}
	if perm, _ := h.Permanent(); perm != "0.2.0" {
		t.Fatalf("permanent %s after --no-permanent, want 0.2.0", perm)
	}
	rels, _ := h.Releases()
	if got := fmt.Sprint(rels); got != "[{0.1.0 old} {0.2.0 permanent} {0.3.0 current}]" {
		t.Fatalf("releases %s", got)
	}

	if rep, err := h.Downgrade("0.2.0", Options{}); err != nil {
		t.Fatalf("downgrade 0.2.0: %v\n%s", err, rep)
	}
	if got := getState(t, n, pid); got["v3"] != nil || got["salary"] != 750000 {
		t.Fatalf("state after downgrade to 0.2.0: %v", got)
	}
	if rep, err := h.Downgrade("0.1.0", Options{}); err != nil {
		t.Fatalf("downgrade 0.1.0: %v\n%s", err, rep)
	}
	if got := addMoney(t, h, pid, 1); got["money"] != 750001 {
		t.Fatalf("0.1.0 again: %v", got)
	}
	if cur := h.Current().Version; cur != "0.1.0" {
		t.Fatalf("current %s", cur)
	}
}

func TestUpgradeStartsNewChildren(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, startSpec, map[string]string{"demoserver": demo("1", "")})
	spec2 := &ChildSpec{ID: "hotcode_sup", Children: []ChildSpec{startSpec.Children[0],
		{ID: "clerk", Module: "demoserver", Function: "StartLink", Args: []any{map[string]any{"name": "clerk", "salary": int64(5)}}}}}
	p.release("0.2.0", m1, spec2, map[string]string{"demoserver": demo("2", up2)})
	h, n := p.boot("0.1.0")
	if _, err := h.Upgrade("0.2.0", Options{}); err != nil {
		t.Fatal(err)
	}
	kids, err := n.WhichChildren(node.Name("hotcode_sup"))
	if err != nil || len(kids) != 2 || kids[1].ID != "clerk" || kids[1].PID.IsZero() {
		t.Fatalf("children after upgrade: %v %v", kids, err)
	}
	if got := getState(t, n, kids[1].PID); got["salary"] != 5 {
		t.Fatalf("clerk state %v", got)
	}
	if _, err := h.Downgrade("0.1.0", Options{}); err != nil {
		t.Fatal(err)
	}
	if kids, _ := n.WhichChildren(node.Name("hotcode_sup")); len(kids) != 1 {
		t.Fatalf("children after downgrade: %v", kids)
	}
}

func TestCheckChangesNothing(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
	h, n := p.boot("0.1.0")
	pid := startDemo(t, h, map[string]any{"name": "a", "money": 1})
	rep, err := h.Upgrade("0.2.0", Options{Check: true})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if len(rep.Procs) != 1 || rep.Procs[0].Outcome != "would migrate" {
		t.Fatalf("check report:\n%s", rep)
	}
	assertUnchanged(t, h, n, pid, "0.1.0")
}

// assertUnchanged checks that the node still runs release vsn 0.1.0's
// DemoServer with its money, and answers.
func assertUnchanged(t *testing.T, h *Handler, n interface{}, pid any, vsn string) {
	t.Helper()
	if cur := h.Current().Version; cur != vsn {
		t.Fatalf("current %s, want %s", cur, vsn)
	}
	info, err := h.cs.Info("demoserver")
	if err != nil || info.Vsn != "1" {
		t.Fatalf("demoserver %+v %v, want vsn 1", info, err)
	}
}

func TestBadInputsChangeNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *project, m1 *Manifest) string // returns the version to upgrade to
		want  error
		text  string
	}{
		{"corrupt tarball", func(p *project, m1 *Manifest) string {
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
			flipByte(t, p.file("0.2.0", "hotcode.tar.gz"), 100)
			return "0.2.0"
		}, ErrCorrupt, "sha256"},
		{"truncated tarball", func(p *project, m1 *Manifest) string {
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
			truncate(t, p.file("0.2.0", "hotcode.tar.gz"))
			return "0.2.0"
		}, ErrCorrupt, "truncated"},
		{"digest mismatch", func(p *project, m1 *Manifest) string {
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
			writeFile(t, p.file("0.2.0", "hotcode.tar.gz.sha256"), strings.Repeat("ab", 32)+"  hotcode.tar.gz\n")
			return "0.2.0"
		}, ErrCorrupt, "says abab"},
		{"relup for another from-version", func(p *project, m1 *Manifest) string {
			m0 := *m1
			m0.Version = "0.0.9"
			m2 := p.release("0.2.0", &m0, nil, map[string]string{"demoserver": demo("2", up2)})
			_ = m2
			return "0.2.0"
		}, ErrWrongFrom, "upgrades from [0.0.9]; the node runs 0.1.0"},
		{"broken hand-edited relup", func(p *project, m1 *Manifest) string {
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
			editRelup(t, p, "  resume demoserver\n", "  resume\n")
			return "0.2.0"
		}, ErrBadPlan, "resume wants 1 arguments"},
		{"module that fails to compile", func(p *project, m1 *Manifest) string {
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2+"\nfunc Broken() int { return \"x\" }")})
			return "0.2.0"
		}, ErrAborted, "compile"},
		{"CodeChange returns an error", func(p *project, m1 *Manifest) string {
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", `
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	return nil, errors.New("no salary for you")
}`)})
			return "0.2.0"
		}, ErrAborted, "no salary for you"},
		{"CodeChange panics", func(p *project, m1 *Manifest) string {
			p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", `
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	var m map[string]int
	m["x"] = 1
	return state, nil
}`)})
			return "0.2.0"
		}, ErrAborted, "assignment to entry in nil map"},
		{"version not there", func(p *project, m1 *Manifest) string { return "9.9.9" }, ErrNoRelease, "copy the release's tarball there"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProject(t)
			m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
			to := tt.setup(p, m1)
			h, n := p.boot("0.1.0")
			pid := startDemo(t, h, map[string]any{"name": "a", "money": 10})
			_, err := h.Upgrade(to, Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("upgrade: %v, want %v", err, tt.want)
			}
			mustContain(t, err, tt.text)
			assertUnchanged(t, h, n, pid, "0.1.0")
			if got := addMoney(t, h, pid, 1); got["money"] != 11 {
				t.Fatalf("after the failed upgrade: %v", got)
			}
			if perm, _ := h.Permanent(); perm != "0.1.0" {
				t.Fatalf("permanent %s", perm)
			}
		})
	}
}

func TestSuspendTimeoutAborts(t *testing.T) {
	p := newProject(t)
	m1 := p.releaseWith("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")}, "100ms")
	p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
	h, n := p.boot("0.1.0")
	pid := startDemo(t, h, map[string]any{"name": "a", "money": 10})
	busy := startDemo(t, h, map[string]any{"name": "busy", "money": 0})
	done := make(chan error, 1)
	go func() { _, err := n.CallTimeout(busy, []any{"sleep", 1500}, 5*time.Second); done <- err }()
	time.Sleep(50 * time.Millisecond) // the busy server is in its HandleCall
	rep, err := h.Upgrade("0.2.0", Options{})
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("upgrade: %v", err)
	}
	mustContain(t, err, busy.String())
	if !strings.Contains(rep.String(), "did not answer suspend") {
		t.Fatalf("report:\n%s", rep)
	}
	assertUnchanged(t, h, n, pid, "0.1.0")
	if got := addMoney(t, h, pid, 1); got["money"] != 11 {
		t.Fatalf("after: %v", got)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := addMoney(t, h, busy, 1); got["money"] != 1 {
		t.Fatalf("busy after: %v", got)
	}
}

func TestSecondUpgradeRefused(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	p.release("0.2.0", m1, nil, map[string]string{"demoserver": demo("2", up2)})
	h, n := p.boot("0.1.0")
	pid := startDemo(t, h, map[string]any{"name": "a", "money": 10})
	h.busy.Lock() // an upgrade is running
	_, err := h.Upgrade("0.2.0", Options{})
	h.busy.Unlock()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("second upgrade: %v", err)
	}
	assertUnchanged(t, h, n, pid, "0.1.0")
}

func TestBootModulesImportingEachOther(t *testing.T) {
	p := newProject(t)
	p.release("0.1.0", nil, nil, map[string]string{
		"alpha": "package alpha\n\nimport \"beta\"\n\nfunc Hi() string { return \"alpha+\" + beta.Hi() }\n",
		"beta":  "package beta\n\nfunc Hi() string { return \"beta\" }\n",
	})
	h, _ := p.boot("0.1.0")
	f, err := h.cs.Func("alpha", "Hi")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.(func() string)(); got != "alpha+beta" {
		t.Fatalf("alpha.Hi() = %q", got)
	}
}

// TestUpgradeAddsAnImportedModule: 0.2.0 adds module bonus, which the
// changed demoserver imports. The upgrade compiles both as one set, so
// demoserver compiles against bonus though bonus is not loaded before the
// switch; the downgrade deletes bonus again.
func TestUpgradeAddsAnImportedModule(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	v2 := strings.Replace(demo("2", up2+"\nfunc Bonus() int { return bonus.Rate() }\n"), "import (", "import (\n\t\"bonus\"", 1)
	p.release("0.2.0", m1, nil, map[string]string{
		"demoserver": v2,
		"bonus":      "package bonus\n\nfunc Rate() int { return 7 }\n",
	})
	h, n := p.boot("0.1.0")
	pid := startDemo(t, h, map[string]any{"name": "blackode", "money": 10})

	rep, err := h.Upgrade("0.2.0", Options{})
	if err != nil {
		t.Fatalf("upgrade 0.2.0: %v\n%s", err, rep)
	}
	f, err := h.cs.Func("demoserver", "Bonus")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.(func() int)(); got != 7 {
		t.Fatalf("demoserver.Bonus() = %d after the upgrade, want 7", got)
	}
	if got := getState(t, n, pid); got["salary"] != 10 {
		t.Fatalf("state after 0.2.0: %v", got)
	}
	if !strings.Contains(rep.String(), "bonus") {
		t.Fatalf("report lacks the added module:\n%s", rep)
	}

	if rep, err := h.Downgrade("0.1.0", Options{}); err != nil {
		t.Fatalf("downgrade 0.1.0: %v\n%s", err, rep)
	}
	if h.cs.IsLoaded("bonus") {
		t.Fatal("bonus still loaded after the downgrade to 0.1.0")
	}
	if got := getState(t, n, pid); got["money"] != 10 {
		t.Fatalf("state after the downgrade: %v", got)
	}
}
