package release

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// TestBuildNative: a release's modules are built natively for the binary
// given; one that cannot be (it names a type of another module that Go
// source cannot name) is recorded, with why, in the manifest and the
// output, and a node running the release loads the plugins it finds for
// its own binary and runs the other module interpreted, saying why.
func TestBuildNative(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	exe, err := os.Executable() // the host: plugins load into this test binary
	if err != nil {
		t.Fatal(err)
	}
	gex, _ := filepath.Abs("../..")
	lib := t.TempDir()
	files := map[string]string{
		"point/point.go": "package point\n\ntype point struct{ X, Y int }\n\nfunc Make(x, y int) point { return point{x, y} }\n",
		"user/user.go":   "package user\n\nimport \"point\"\n\nfunc X() int { return point.Make(3, 4).X }\n",
	}
	m := &Manifest{Name: "two", Version: "0.1.0"}
	var srcs []*code.Source
	for _, mod := range []string{"point", "user"} {
		file := filepath.Join(lib, mod, mod+".go")
		os.MkdirAll(filepath.Dir(file), 0o755)
		if err := os.WriteFile(file, []byte(files[mod+"/"+mod+".go"]), 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := code.ReadSource(filepath.Dir(file))
		if err != nil {
			t.Fatal(err)
		}
		desc, err := describe(src)
		if err != nil {
			t.Fatal(err)
		}
		m.Modules, srcs = append(m.Modules, desc), append(srcs, src)
	}
	var out bytes.Buffer
	if err := buildNative(gex, m, srcs, []nativeHost{{bin: exe, label: "the test binary"}}, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "native builds need cgo") {
		t.Skipf("no native builds here:\n%s", &out)
	}
	if !regexp.MustCompile(`(?m)^  point +native \(.*\n  user +interpreted: native build of module user: .*undefined: point\.Make`).MatchString(out.String()) {
		t.Fatalf("buildNative said:\n%s", &out)
	}
	if p, u := m.Modules[0].Native, m.Modules[1].Native; len(p) != 1 || p[0].File == "" || p[0].Err != "" ||
		len(u) != 1 || u[0].File != "" || !strings.Contains(u[0].Err, "undefined: point.Make") {
		t.Fatalf("native objects: point %+v, user %+v", p, u)
	}

	root := t.TempDir()
	if err := Assemble(root, m, srcs, nil, ""); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	n, err := node.Start(node.Options{Name: "native@localhost", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	vdir := filepath.Join(root, "releases", "0.1.0")
	cs := code.New(n, code.Options{Path: []string{filepath.Join(vdir, ModulesDir)}, Plugins: Plugins(root, "two")})
	rsrcs, err := m.Sources(vdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range rsrcs {
		if _, err := cs.LoadSource(src); err != nil {
			t.Fatal(err)
		}
	}
	if in, _ := cs.Info("point"); in.Tier != code.Native || in.Mapped == 0 {
		t.Errorf("point runs %v, %d bytes mapped", in.Tier, in.Mapped)
	}
	in, _ := cs.Info("user")
	if in.Tier != code.Interpreted || !strings.Contains(in.Fallback, "user was not built natively for the test binary") {
		t.Errorf("user runs %v, fallback %q", in.Tier, in.Fallback)
	}
	if !strings.Contains(log.String(), "module loaded interpreted") {
		t.Errorf("the fallback was not logged:\n%s", &log)
	}
	f, err := cs.Func("user", "X")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.(func() int)(); got != 3 {
		t.Errorf("user.X() = %d", got)
	}

	// A source from elsewhere is not the release's business.
	if file, err := Plugins(root, "two")(srcs[0]); file != "" || err != nil {
		t.Errorf("a source outside the release: %q, %v", file, err)
	}
}
