package shell

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"
)

// The interpreter declares a session's variables in a first pass over the
// top level that types each right-hand side without compiling it, and
// that pass cannot type an index of a value whose type comes from a
// compiled package: regs := node.Registered() works, and r0 := regs[0]
// then fails with "constant definition loop" (yaegi 0.16.1: nodeType has
// no case for indexing a valueT), or panics on a nil type when a selector
// follows, as in pid := kids[0].PID. Inside a function the interpreter
// types the same statement as it compiles it, correctly. So a variable
// declaration the first pass cannot type is run in a function literal
// that returns pointers to the variables it declares, and the session's
// variables are declared from what they point to, which has the
// statement's static types: k := errs[0] declares an error. Other
// statements the first pass cannot type, as if q := regs[0]; ..., whose
// variables Go scopes to the statement, run in a function literal as
// they are.

// definitionLoop is the interpreter's message when its first pass gives
// up on a declaration whose type it cannot tell.
const definitionLoop = "constant definition loop"

// A compilePanic is a panic of the interpreter's compiler, as an error.
type compilePanic struct{ v any }

func (p compilePanic) Error() string { return fmt.Sprint(p.v) }

// untypedAtTop reports whether err, from compiling a declaration of
// variables, is the first pass's failure to type it.
func untypedAtTop(err error) bool {
	var p compilePanic
	return errors.As(err, &p) || strings.Contains(err.Error(), definitionLoop)
}

// A fallback is how statements run when the interpreter cannot type
// them at the top level.
type fallback int

const (
	fallbackNone    fallback = iota // they fail
	fallbackDeclare                 // by defineInFunc: they only declare variables
	fallbackScoped                  // by runInFunc: one statement, whose variables are its own
)

// fallbackFor returns the fallback of st, run on its own: a := or a var
// declaration declares the session's variables; a type or const
// declaration has none, since the session's types and constants are
// the interpreter's; another statement's variables are scoped to it.
func fallbackFor(st ast.Stmt) fallback {
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok == token.DEFINE {
			return fallbackDeclare
		}
	case *ast.DeclStmt:
		if g, ok := st.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
			return fallbackDeclare
		}
		return fallbackNone
	}
	return fallbackScoped
}

// declsOnly reports whether the declarations of p are var declarations
// alone.
func declsOnly(p parsedGo) bool {
	f, ok := p.root.(*ast.File)
	if !ok || p.kind != kindDecls || len(f.Decls) == 0 {
		return false
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); !ok || g.Tok != token.VAR {
			return false
		}
	}
	return true
}

// defineHead is what defineInFunc puts before the statement.
const defineHead = tupleName + "(func() []any {"

// defineInFunc runs sp, a declaration of the variables names, in a
// function literal, and declares the session's variables names with the
// values and static types it gave them.
func (e *evaluator) defineInFunc(ctx context.Context, sp span, names []string) error {
	ptrs := make([]string, len(names))
	for i, name := range names {
		ptrs[i] = "&" + name
	}
	fn := span{
		src:  defineHead + sp.src + "\n; return []any{" + strings.Join(ptrs, ", ") + "} }()...)",
		wrap: len(mainWrap) + len(defineHead),
		line: sp.line, col: sp.col,
	}
	prog, err := e.compile(fn.src)
	if err != nil {
		return positionError(err, fn)
	}
	v, err := e.exec(ctx, prog, fn)
	var pe *PanicError
	if errors.As(err, &pe) {
		pe.Frames = inputFrame(pe.Frames, sp)
	}
	if err != nil {
		return err
	}
	vals, _ := valueOf(v).([]any)
	if len(vals) != len(names) {
		return fmt.Errorf("the console could not declare %s", strings.Join(names, ", "))
	}
	syms := make(map[string]reflect.Value, len(names))
	var b strings.Builder
	b.WriteString("var (\n")
	for i, name := range names {
		sym := "D" + strconv.Itoa(i)
		syms[sym] = box(reflect.ValueOf(vals[i]).Elem())
		fmt.Fprintf(&b, "\t%s = __gex_vars.%s.V\n", name, sym)
	}
	b.WriteString(")")
	if err := e.in.Use(yaegi.Exports{varsPath + "/vars": syms}); err != nil {
		return err
	}
	if !e.varsImported {
		if _, err := e.in.Eval(importVars); err != nil {
			return err
		}
		e.varsImported = true
	}
	_, err = e.in.Eval(b.String())
	return err
}

// inputFrame replaces the frames of the function literal of
// defineInFunc or runInFunc and of its call, the last two of a panic's
// frames, which the interpreter reports at positions of its own, with
// the frame of the statement as typed.
func inputFrame(frames []string, sp span) []string {
	for n := 0; n < 2 && len(frames) > 0 && strings.HasPrefix(frames[len(frames)-1], "main.func at "); n++ {
		frames = frames[:len(frames)-1]
	}
	line, col := sp.pos(1, sp.wrap+1)
	return append(frames, fmt.Sprintf("(input) at %d:%d", line, col))
}

// runInFunc runs the statement sp in a function literal; see
// defineInFunc.
func (e *evaluator) runInFunc(ctx context.Context, sp span) error {
	// The semicolon: see runExpr.
	const head = ";func() {"
	fn := span{src: head + sp.src + "\n}()", wrap: len(mainWrap) + len(head), line: sp.line, col: sp.col}
	prog, err := e.compile(fn.src)
	if err != nil {
		return positionError(err, fn)
	}
	_, err = e.exec(ctx, prog, fn)
	var pe *PanicError
	if errors.As(err, &pe) {
		pe.Frames = inputFrame(pe.Frames, sp)
	}
	return err
}
