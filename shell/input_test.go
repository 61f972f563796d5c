package shell

import (
	"errors"
	"github.com/gexdev/gex/helpers"
	"slices"
	"testing"
)

func TestParseInput(t *testing.T) {
	tests := []struct {
		src  string
		form Form
		name string
		args []string
	}{
		// IEx helpers, with and without parentheses.
		{`c "kv.go"`, FormHelper, "c", []string{`"kv.go"`}},
		{`c("kv.go")`, FormHelper, "c", []string{`"kv.go"`}},
		{`c "a.go", "b.go"`, FormHelper, "c", []string{`"a.go"`, `"b.go"`}},
		{`r KV`, FormHelper, "r", []string{"KV"}},
		{`r("KV")`, FormHelper, "r", []string{`"KV"`}},
		{`r KV, DemoServer`, FormHelper, "r", []string{"KV", "DemoServer"}},
		{`l KV`, FormHelper, "l", []string{"KV"}},
		{`i pid`, FormHelper, "i", []string{"pid"}},
		{`i KV`, FormHelper, "i", []string{"KV"}},
		{`i []int{1, 2}`, FormHelper, "i", []string{"[]int{1, 2}"}},
		{`i map[string]int{"a": 1}`, FormHelper, "i", []string{`map[string]int{"a": 1}`}},
		{`i *p`, FormHelper, "i", []string{"*p"}},
		{`i <-ch`, FormHelper, "i", []string{"<-ch"}},
		{`i`, FormHelper, "i", nil},
		{`h`, FormHelper, "h", nil},
		{`h r`, FormHelper, "h", []string{"r"}},
		{`h :sys.get_state`, FormHelper, "h", []string{":sys.get_state"}},
		{`h kv.Put`, FormHelper, "h", []string{"kv.Put"}},
		{`v`, FormHelper, "v", nil},
		{`v(-2)`, FormHelper, "v", []string{"-2"}},
		{`v -2`, FormHelper, "v", []string{"-2"}},
		{`v()`, FormHelper, "v", nil},
		{`pid("0.117.0")`, FormHelper, "pid", []string{`"0.117.0"`}},
		{`pid "0.117.0"`, FormHelper, "pid", []string{`"0.117.0"`}},
		{`flush`, FormHelper, "flush", nil},
		{`ls`, FormHelper, "ls", nil},
		{`ls "examples"`, FormHelper, "ls", []string{`"examples"`}},
		{`pwd`, FormHelper, "pwd", nil},
		{`cd "dir"`, FormHelper, "cd", []string{`"dir"`}},
		{`clear`, FormHelper, "clear", nil},
		{`exports KV`, FormHelper, "exports", []string{"KV"}},
		{`recompile`, FormHelper, "recompile", nil},
		{`runtime_info`, FormHelper, "runtime_info", nil},
		{`processes`, FormHelper, "processes", nil},
		{"  r KV  ", FormHelper, "r", []string{"KV"}},

		// Erlang-style calls.
		{`:sys.get_state pid`, FormCall, "sys.get_state", []string{"pid"}},
		{`:sys.get_state(pid)`, FormCall, "sys.get_state", []string{"pid"}},
		{`:sys.replace_state pid, func(s any) any { return s }`, FormCall, "sys.replace_state",
			[]string{"pid", "func(s any) any { return s }"}},
		{`:sys.get_status pid`, FormCall, "sys.get_status", []string{"pid"}},
		{`:sys.suspend pid`, FormCall, "sys.suspend", []string{"pid"}},
		{`:sys.change_code pid, DemoServer, "1", nil`, FormCall, "sys.change_code",
			[]string{"pid", "DemoServer", `"1"`, "nil"}},
		{`:sys.change_code(KV, KV, "0", nil)`, FormCall, "sys.change_code",
			[]string{"KV", "KV", `"0"`, "nil"}},
		{`:sys.resume(KV)`, FormCall, "sys.resume", []string{"KV"}},
		{`:sys.trace pid, true`, FormCall, "sys.trace", []string{"pid", "true"}},
		{`:sys.get_state pids[f(1, 2)]`, FormCall, "sys.get_state", []string{"pids[f(1, 2)]"}},
		{`:sys.replace_state pid, func(s any) any { return map[string]int{"a": 1, "b": 2} }`, FormCall, "sys.replace_state",
			[]string{"pid", `func(s any) any { return map[string]int{"a": 1, "b": 2} }`}},
		{`:code.load_file KV`, FormCall, "code.load_file", []string{"KV"}},
		{`:code.purge KV`, FormCall, "code.purge", []string{"KV"}},
		{`:code.soft_purge KV`, FormCall, "code.soft_purge", []string{"KV"}},
		{`:code.which KV`, FormCall, "code.which", []string{"KV"}},
		{`:code.all_loaded`, FormCall, "code.all_loaded", nil},
		{`:code.all_loaded()`, FormCall, "code.all_loaded", nil},
		{`:code.modified_modules`, FormCall, "code.modified_modules", nil},

		// Go.
		{`pid, _ := kv.StartLink()`, FormGo, "", nil},
		{`kv.Put("a", 42)`, FormGo, "", nil},
		{`clear(m)`, FormGo, "", nil},   // Go's builtin, not the helper
		{`v := 3`, FormGo, "", nil},     // a variable that shares a helper's name
		{`i - 2`, FormGo, "", nil},      // subtraction, not i(-2)
		{`i++`, FormGo, "", nil},        //
		{`r.Method()`, FormGo, "", nil}, //
		{`v[0]`, FormGo, "", nil},       //
		{`h = 4`, FormGo, "", nil},      //
		{`pid(1, 2)`, FormGo, "", nil},  // wrong arity: left to the interpreter
		{`c(x) + 1`, FormGo, "", nil},   // a call inside an expression
		{`fmt.Println("r KV")`, FormGo, "", nil},
		{``, FormGo, "", nil},
		{`// just a comment`, FormGo, "", nil},
	}
	for _, tt := range tests {
		in, err := ParseInput(tt.src)
		if err != nil {
			t.Errorf("ParseInput(%q): %v", tt.src, err)
			continue
		}
		if in.Form != tt.form || in.Name != tt.name || !slices.Equal(in.Args, tt.args) {
			t.Errorf("ParseInput(%q) = %v %q %q, want %v %q %q", tt.src, in.Form, in.Name, in.Args, tt.form, tt.name, tt.args)
		}
	}
}

func TestParseInputErrors(t *testing.T) {
	tests := []struct{ src, msg string }{
		{`:foo.bar x`, "unknown module :foo; the console knows :sys and :code"},
		{`:sys.nope pid`, "undefined function :sys.nope"},
		{`:sys.get_state`, `wrong number of arguments to :sys.get_state; usage: :sys.get_state pid`},
		{`:sys.get_state a, b`, `wrong number of arguments to :sys.get_state; usage: :sys.get_state pid`},
		{`:sys`, "expected :module.function, as in :sys.get_state pid"},
		{`: sys.get_state pid`, "expected :module.function, as in :sys.get_state pid"},
		{`:sys.get_state(pid) + 1`, "cannot read the arguments; usage: :sys.get_state pid"},
	}
	for _, tt := range tests {
		_, err := ParseInput(tt.src)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("ParseInput(%q) error = %v, want %q", tt.src, err, tt.msg)
		}
		if !errors.Is(err, ErrForm) {
			t.Errorf("ParseInput(%q) error %v is not ErrForm", tt.src, err)
		}
	}
}

func TestIncomplete(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`1 + 2`, false},
		{`1 +`, true},
		{"1 +\n2", false},
		{`x :=`, true},
		{`x =`, true},
		{`x +=`, true},
		{`a &&`, true},
		{`a ||`, true},
		{`ch <-`, true},
		{`f(a,`, true},
		{`f(a,`, true},
		{`f(a, b)`, false},
		{`m := map[string]int{`, true},
		{"m := map[string]int{\n\"a\": 1,", true},
		{"m := map[string]int{\n\"a\": 1,\n}", false},
		{`func f() int {`, true},
		{"func f() int {\nreturn 1\n}", false},
		{`if x > 1 {`, true},
		{`s := []int{1, 2`, true},
		{`x := a[`, true},
		{`kv.`, true},
		{`x.Foo().`, true},
		{"s := `raw", true},
		{"s := `raw\nstring`", false},
		{"s := ``", false},
		{`s := "open`, false}, // a Go string cannot span lines: an error, not more input
		{`/* comment`, true},
		{`/* comment */`, false},
		{`x++`, false},
		{`// comment with ( and {`, false},
		{`s := "( {"`, false},
		{`:sys.change_code pid,`, true},
		{`:sys.change_code pid, KV, "1", nil`, false},
		{`)`, false}, // unbalanced closer: let the interpreter say so
		{``, false},
	}
	for _, tt := range tests {
		if got := Incomplete(tt.src); got != tt.want {
			t.Errorf("Incomplete(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestFormTables(t *testing.T) {
	for _, h := range helpers.Table() {
		if h.Synopsis == "" || h.Doc == "" {
			t.Errorf("helper %s has no synopsis or doc", h.Name)
		}
		if h.GoOnly {
			continue
		}
		// Every helper's synopsis must itself parse as that helper.
		in, err := ParseInput(h.Synopsis)
		want, name := FormHelper, h.Name
		if h.IsCall() {
			want, name = FormCall, h.Name[1:]
		}
		if err != nil || in.Form != want || in.Name != name {
			t.Errorf("synopsis %q of %s parses as %v %q (%v)", h.Synopsis, h.Name, in.Form, in.Name, err)
		}
	}
}
