package release

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func manifest(vsn string, start *ChildSpec, mods ...Module) *Manifest {
	return &Manifest{Name: "hotcode", Version: vsn, Modules: mods, Start: start, Binary: Binary{Gex: "devel", Go: "go1", OS: "linux", Arch: "amd64"}}
}

func TestGeneratePlan(t *testing.T) {
	from := manifest("0.1.0", startSpec,
		Module{Name: "demoserver", Vsn: "1", SHA256: "a"},
		Module{Name: "util", Vsn: "u", SHA256: "u1"},
		Module{Name: "gone", Vsn: "1", SHA256: "g"})
	spec2 := &ChildSpec{ID: "hotcode_sup", Children: []ChildSpec{
		{ID: "clerk", Module: "demoserver", Function: "StartLink"}}}
	to := manifest("0.2.0", spec2,
		Module{Name: "demoserver", Vsn: "2", SHA256: "b"},
		Module{Name: "util", Vsn: "u", SHA256: "u2"},
		Module{Name: "fresh", Vsn: "1", SHA256: "f"})
	plan := GeneratePlan(from, to)
	text := string(plan.Format())
	want := `release hotcode 0.2.0

up from 0.1.0
  add_module fresh 1
  load_object_code demoserver 2
  load_object_code util u
  point_of_no_return
  suspend demoserver
  load demoserver
  code_change up demoserver 1
  load util
  resume demoserver
  delete_module gone
  stop_child hotcode_sup boss
  start_child hotcode_sup clerk

down to 0.1.0
  add_module gone 1
  load_object_code demoserver 1
  load_object_code util u
  point_of_no_return
  suspend demoserver
  code_change down demoserver 1
  load demoserver
  load util
  resume demoserver
  delete_module fresh
  stop_child hotcode_sup clerk
  start_child hotcode_sup boss
`
	if !strings.HasSuffix(text, want) {
		t.Fatalf("plan:\n%s\nwant it to end with:\n%s", text, want)
	}
	back, err := ParsePlan("relup", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Format()) != text {
		t.Fatalf("round trip:\n%s", back.Format())
	}
	up, _ := back.StepUp("0.1.0")
	if err := up.Check("relup", from, to); err != nil {
		t.Fatal(err)
	}
	down, _ := back.StepDown("0.1.0")
	if err := down.Check("relup", to, from); err != nil {
		t.Fatal(err)
	}
}

func TestPlanSameVsnLoadsOnly(t *testing.T) {
	from := manifest("1", nil, Module{Name: "kv", Vsn: "1", SHA256: "a"})
	to := manifest("2", nil, Module{Name: "kv", Vsn: "1", SHA256: "b"})
	up := GeneratePlan(from, to).Up[0]
	var ops []string
	for _, in := range up.Instrs {
		ops = append(ops, in.String())
	}
	if got := strings.Join(ops, "; "); got != "load_object_code kv 1; point_of_no_return; load kv" {
		t.Fatalf("same vsn: %s", got)
	}
}

func TestPlanNewBinary(t *testing.T) {
	from := manifest("1", nil, Module{Name: "kv", Vsn: "1", SHA256: "a"})
	to := manifest("2", nil, Module{Name: "kv", Vsn: "1", SHA256: "a"})
	to.Binary.Go = "go2"
	to.Binary.Symbols = []string{"github.com/google/uuid"}
	up := GeneratePlan(from, to).Up[0]
	why := up.Restart()
	if !strings.Contains(why, "Go go1 -> go2") || !strings.Contains(why, "interpreter symbols [] -> [github.com/google/uuid]") {
		t.Fatalf("restart reason %q", why)
	}
	h := &Handler{}
	_, err := h.run(time.Now(), "relup", up, from, to, Options{})
	if !errors.Is(err, ErrRestartNeeded) {
		t.Fatalf("run: %v", err)
	}
}

func TestPlanErrors(t *testing.T) {
	from := manifest("0.1.0", startSpec, Module{Name: "demoserver", Vsn: "1", SHA256: "a"})
	to := manifest("0.2.0", startSpec, Module{Name: "demoserver", Vsn: "2", SHA256: "b"})
	good := string(GeneratePlan(from, to).Format())
	tests := []struct {
		old, new string
		want     string
	}{
		{"  resume demoserver\n", "  resume\n", "resume wants 1 arguments, has 0"},
		{"  suspend demoserver\n", "  suspnd demoserver\n", `unknown instruction "suspnd"`},
		{"  suspend demoserver\n", "", "code_change demoserver while its processes are not suspended"},
		{"  load_object_code demoserver 2\n", "  load_object_code demoserver 3\n", "module demoserver is vsn 2 in release 0.2.0, not 3"},
		{"  load demoserver\n  code_change up demoserver 1\n", "  code_change up demoserver 1\n  load demoserver\n", "code_change up demoserver before load demoserver"},
		{"  code_change up demoserver 1\n", "  code_change sideways demoserver 1\n", `code_change up|down MODULE VSN, not "sideways"`},
		{"  resume demoserver\n", "", "suspend demoserver without resume demoserver"},
		{"up from 0.1.0\n", "up 0.1.0\n", "want: up from VSN"},
		{"  load demoserver\n", "", "code_change up demoserver before load demoserver"},
		{"release hotcode 0.2.0\n", "", "before the release line"},
		{"  point_of_no_return\n", "  point_of_no_return\n  start_child hotcode_sup nobody\n", "supervisor hotcode_sup has no child nobody"},
	}
	for _, tt := range tests {
		if !strings.Contains(good, tt.old) {
			t.Fatalf("plan lacks %q", tt.old)
		}
		text := strings.Replace(good, tt.old, tt.new, 1)
		line := 1 + strings.Count(good[:strings.Index(good, tt.old)], "\n")
		p, err := ParsePlan("relup", []byte(text))
		if err == nil {
			up, ok := p.StepUp("0.1.0")
			if !ok {
				t.Fatalf("%q: no up step", tt.new)
			}
			err = up.Check("relup", from, to)
		}
		var pe *PlanError
		if !errors.As(err, &pe) || !errors.Is(err, ErrBadPlan) {
			t.Errorf("edit %q -> %q: %v, want a PlanError", tt.old, tt.new, err)
			continue
		}
		mustContain(t, err, tt.want)
		if pe.Line < line-4 || pe.Line > line+2 {
			t.Errorf("edit %q: error at line %d, the edit is at %d: %v", tt.old, pe.Line, line, err)
		}
	}
}

// TestPlanSpecReadBack: a start spec read back from a manifest (JSON
// numbers) is the same as the one fresh from gex.toml (TOML integers).
func TestPlanSpecReadBack(t *testing.T) {
	c, err := ParseConfig("gex.toml", []byte(sampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	r, _, _ := c.Release("hotcode", "")
	fresh := manifest("0.2.0", r.Start)
	old := manifest("0.1.0", r.Start)
	file := t.TempDir() + "/hot.rel"
	writeFile(t, file, string(old.Marshal()))
	back, err := ReadManifest(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range GeneratePlan(back, fresh).Up[0].Instrs {
		t.Errorf("an unchanged spec gave %s", in)
	}
}

// TestPlanIntArgsReadBack: children whose args hold integers, as
// examples/octochat's listener (args = [4040, "octochat_connections"]) and
// examples/hotcode's account (money = 100), are unchanged both ways
// between a manifest read back and the same gex.toml, and so is an integer
// a float64 cannot hold. A changed integer is still a changed child.
func TestPlanIntArgsReadBack(t *testing.T) {
	spec := func(port int) string {
		return fmt.Sprintf(`
[[release]]
name = "octochat"
version = "0.1.0"
modules = ["lib/chat"]

[release.start]
id = "octochat_sup"
strategy = "one_for_one"

[[release.start.children]]
id = "listener"
module = "chat"
function = "Listen"
args = [%d, "octochat_connections"]

[[release.start.children]]
id = "account"
module = "demoserver"
function = "StartLink"
args = [{ name = "blackode", money = 100, big = 9007199254740993 }]
`, port)
	}
	start := func(text string) *ChildSpec {
		c, err := ParseConfig("gex.toml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		r, _, _ := c.Release("octochat", "")
		return r.Start
	}
	file := t.TempDir() + "/octochat.rel"
	writeFile(t, file, string(manifest("0.1.0", start(spec(4040))).Marshal()))
	back, err := ReadManifest(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := back.Start.Children[0].Args[0].(float64); !ok {
		t.Fatalf("read back, the port is %T: the test no longer compares float64 with int64", back.Start.Children[0].Args[0])
	}
	plan := GeneratePlan(back, manifest("0.2.0", start(spec(4040))))
	for _, st := range append(plan.Up, plan.Down...) {
		for _, in := range st.Instrs {
			t.Errorf("an unchanged spec gave %s", in)
		}
	}
	plan = GeneratePlan(back, manifest("0.2.0", start(spec(4041))))
	want := Instr{Op: OpChangeChild, Args: []string{"octochat_sup", "listener"}}
	for _, st := range append(plan.Up, plan.Down...) {
		if len(st.Instrs) != 1 || st.Instrs[0].String() != want.String() {
			t.Errorf("port 4040 -> 4041 gave %v, want %s alone", st.Instrs, want)
		}
	}
}
