package release

import (
	"errors"
	"testing"
)

const sampleConfig = `
default_release = "hotcode"

[[release]]
name = "hotcode2"
version = "2"
modules = ["lib/demoserver"]

[[release]]
name = "hotcode"
version = "0.1.0"
modules = ["lib/demoserver"]
node = "hot"

[release.start]
id = "hotcode_sup"
strategy = "one_for_one"

[[release.start.children]]
id = "boss"
module = "demoserver"
function = "StartLink"
args = [{ name = "blackode", money = 300000 }]

[environment.prod]
node = "hotcode@prod"
suspend_timeout = "2s"
`

func TestConfig(t *testing.T) {
	c, err := ParseConfig("gex.toml", []byte(sampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	r, env, err := c.Release("", "")
	if err != nil || r.Name != "hotcode" || env != "dev" || r.Node != "hot" {
		t.Fatalf("default release: %+v %s %v", r, env, err)
	}
	if r.Start == nil || len(r.Start.Children) != 1 || r.Start.Children[0].Args[0].(map[string]any)["money"] != int64(300000) {
		t.Fatalf("start spec %+v", r.Start)
	}
	r, env, err = c.Release("hotcode", "prod")
	if err != nil || r.Node != "hotcode@prod" || r.SuspendTimeout != "2s" || env != "prod" {
		t.Fatalf("prod: %+v %v", r, err)
	}
	r, _, err = c.Release("hotcode2", "")
	if err != nil || r.Node != "hotcode2" || r.Version != "2" {
		t.Fatalf("hotcode2: %+v %v", r, err)
	}
	if _, _, err := c.Release("nope", ""); !errors.Is(err, ErrNoRelease) {
		t.Fatalf("unknown release: %v", err)
	}
	if _, _, err := c.Release("", "staging"); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("unknown env: %v", err)
	}
}

func TestBadConfig(t *testing.T) {
	tests := []struct{ text, want string }{
		{`x = 1`, "unknown keys: x"},
		{`default_release = "a"`, "no [[release]]"},
		{"[[release]]\nname = \"a b\"\nversion = \"1\"\nmodules = [\"m\"]", `name "a b"`},
		{"[[release]]\nname = \"a\"\nversion = \"../1\"\nmodules = [\"m\"]", `version "../1"`},
		{"[[release]]\nname = \"a\"\nversion = \"1\"", "no modules"},
		{"[[release]]\nname = \"a\"\nversion = \"1\"\nmodules = [\"m\"]\n[release.start]\nid = \"w\"\nmodule = \"m\"\nfunction = \"F\"", "must be a supervisor"},
		{"[[release]]\nname = \"a\"\nversion = \"1\"\nmodules = [\"m\"]\n[release.start]\nid = \"s\"\n[[release.start.children]]\nid = \"w\"\nmodule = \"m\"", "names both module and function"},
		{"[[release]]\nname = \"a\"\nversion = \"1\"\nmodules = [\"m\"]\n[release.start]\nid = \"s\"\nstrategy = \"all\"", `strategy "all"`},
		{"default_release = \"b\"\n[[release]]\nname = \"a\"\nversion = \"1\"\nmodules = [\"m\"]", `default_release "b"`},
		{"[[release]\n", "gex.toml"},
	}
	for _, tt := range tests {
		_, err := ParseConfig("gex.toml", []byte(tt.text))
		if !errors.Is(err, ErrBadConfig) {
			t.Errorf("%q: %v, want ErrBadConfig", tt.text, err)
			continue
		}
		mustContain(t, err, tt.want)
	}
}

func TestNoConfig(t *testing.T) {
	_, err := ReadConfig(t.TempDir())
	if !errors.Is(err, ErrNoConfig) {
		t.Fatal(err)
	}
	mustContain(t, err, "node release init writes a commented one")
}
