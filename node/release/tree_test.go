package release

import (
	"strings"
	"testing"
)

// TestPlanTopLevelTree: a release that adds a top-level supervision tree
// starts it whole on the upgrade and stops it on the downgrade; one that
// replaces it stops the old tree and starts the new one.
func TestPlanTopLevelTree(t *testing.T) {
	mod := Module{Name: "demoserver", Vsn: "1", SHA256: "a"}
	from, to := manifest("0.1.0", nil, mod), manifest("0.2.0", startSpec, mod)
	plan := GeneratePlan(from, to)
	text := string(plan.Format())
	for _, want := range []string{"up from 0.1.0\n  start_tree hotcode_sup\n", "down to 0.1.0\n  stop_tree hotcode_sup\n"} {
		if !strings.Contains(text, want) {
			t.Fatalf("plan lacks %q:\n%s", want, text)
		}
	}
	back, err := ParsePlan("relup", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	up, _ := back.StepUp("0.1.0")
	if err := up.Check("relup", from, to); err != nil {
		t.Fatal(err)
	}
	down, _ := back.StepDown("0.1.0")
	if err := down.Check("relup", to, from); err != nil {
		t.Fatal(err)
	}
	// start_tree of a supervisor the release does not have is refused.
	if err := up.Check("relup", to, from); err == nil || !strings.Contains(err.Error(), "release 0.1.0 has no top-level supervisor hotcode_sup") {
		t.Fatalf("start_tree of a tree not in the release: %v", err)
	}

	other := &ChildSpec{ID: "other_sup", Children: startSpec.Children}
	ops := func(s *Step) string {
		var out []string
		for _, in := range s.Instrs {
			out = append(out, in.String())
		}
		return strings.Join(out, "; ")
	}
	swap := GeneratePlan(manifest("0.1.0", startSpec, mod), manifest("0.2.0", other, mod))
	if got := ops(swap.Up[0]); got != "stop_tree hotcode_sup; start_tree other_sup" {
		t.Fatalf("a replaced tree: %s", got)
	}
}

// TestUpgradeStartsNewTree: live, the new tree's children run after the
// upgrade and are gone after the downgrade.
func TestUpgradeStartsNewTree(t *testing.T) {
	p := newProject(t)
	m1 := p.release("0.1.0", nil, nil, map[string]string{"demoserver": demo("1", "")})
	p.release("0.2.0", m1, startSpec, map[string]string{"demoserver": demo("1", "")})
	h, n := p.boot("0.1.0")
	if _, ok := n.Whereis("hotcode_sup"); ok {
		t.Fatal("0.1.0 has no start spec, yet hotcode_sup runs")
	}
	rep, err := h.Upgrade("0.2.0", Options{})
	if err != nil {
		t.Fatalf("upgrade: %v\n%s", err, rep)
	}
	if !strings.Contains(rep.String(), "  start_tree hotcode_sup\n") {
		t.Fatalf("report:\n%s", rep)
	}
	sup, ok := n.Whereis("hotcode_sup")
	if !ok {
		t.Fatalf("after the upgrade hotcode_sup does not run:\n%s", rep)
	}
	kids, err := n.WhichChildren(sup)
	if err != nil || len(kids) != 1 || kids[0].ID != "boss" {
		t.Fatalf("hotcode_sup's children %v, %v", kids, err)
	}
	rep, err = h.Downgrade("0.1.0", Options{})
	if err != nil {
		t.Fatalf("downgrade: %v\n%s", err, rep)
	}
	if !strings.Contains(rep.String(), "  stop_tree hotcode_sup\n") {
		t.Fatalf("downgrade report:\n%s", rep)
	}
	if _, ok := n.Whereis("hotcode_sup"); ok {
		t.Fatal("after the downgrade hotcode_sup still runs")
	}
}
