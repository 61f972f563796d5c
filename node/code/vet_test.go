package code_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestModuleSourceIsVetted proves that module source is ordinary Go that the
// toolchain checks: a module that calls node.Call with the wrong arguments
// fails go vet with the type checker's message, and the same module written
// correctly passes. The module is a package of its own inside this Go module
// (a directory go vet ./... skips, named on the command line instead).
func TestModuleSourceIsVetted(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	dir, err := os.MkdirTemp(".", "_vet")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	vet := func(call string) (string, error) {
		src := "package counter\n\nimport \"github.com/gexdev/gex/node\"\n\n" +
			"// Get asks the Counter server for its count.\n" +
			"func Get() (any, error) {\n\treturn " + call + "\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "counter.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(gobin, "vet", "./"+filepath.Base(dir)).CombinedOutput()
		return string(out), err
	}
	if out, err := vet(`node.Call(node.Name("Counter"), "get")`); err != nil {
		t.Fatalf("go vet refused a correct module: %v\n%s", err, out)
	}
	out, err := vet(`node.Call("get")`)
	if err == nil {
		t.Fatal("go vet passed a module that calls node.Call with one argument")
	}
	if !strings.Contains(out, "counter.go:7:") || !strings.Contains(out, "not enough arguments in call to node.Call") {
		t.Fatalf("go vet's report does not name the bad call:\n%s", out)
	}
}

// TestREADMEModuleVets checks that the module shown in README.md compiles
// as it stands: the indented block that starts with a package clause.
func TestREADMEModuleVets(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, ok := indentedBlock(string(readme), "    package ")
	if !ok {
		t.Fatal("README.md shows no module source")
	}
	dir, err := os.MkdirTemp(".", "_vet")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "module.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gobin, "vet", "./"+filepath.Base(dir)).CombinedOutput(); err != nil {
		t.Fatalf("README's module does not pass go vet: %v\n%s\n%s", err, out, src)
	}
}

// indentedBlock returns the Markdown code block (lines indented by four
// spaces, blank lines inside) whose first line starts with prefix, unindented.
func indentedBlock(md, prefix string) (string, bool) {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		var b strings.Builder
		for _, l := range lines[i:] {
			if l != "" && !strings.HasPrefix(l, "    ") {
				break
			}
			b.WriteString(strings.TrimPrefix(l, "    ") + "\n")
		}
		return b.String(), true
	}
	return "", false
}
