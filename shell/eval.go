package shell

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gexdev/gex/node/interp"
)

// A pkg is a package the console can import by its name alone.
type pkg struct {
	path    string        // import path
	exports yaegi.Exports // symbols to give the interpreter first
	generic bool          // it needs the standard library's generic sources
	gen     uint64        // changes when exports do: a module reloaded
	byLine  bool          // imported by the user's import line, which recycle replays
}

// evalConfig is what an evaluator is made with.
type evalConfig struct {
	stdout io.Writer // the interpreter's output: fmt.Print and friends
	stderr io.Writer // log output, and panics' traces before they are filtered

	// bindings are dot-imported into every interpreter: the Go forms of
	// the helpers (r, sys, v, ...) and the tuple function.
	bindings map[string]reflect.Value

	// resolve finds the package a bare name in the input refers to.
	resolve func(name string) (pkg, bool)
	// resolvePath finds the package of an import path the user wrote.
	resolvePath func(path string) (pkg, bool)

	// recycleAfter is how many inputs an interpreter takes before it is
	// replaced; see recycle.
	recycleAfter int

	// runAs runs the interpreter, as the session's process.
	runAs func(run func())
}

// Names the evaluator gives the interpreter, chosen so no Go program
// would use them.
const (
	bindingsPath = "gex.console"
	varsPath     = "gex.console.vars"
	tupleName    = "__gex_tuple"
)

// An evaluator runs the Go input of one session in a yaegi interpreter.
//
// yaegi grows with every evaluation (yaegi issue 1678): each input adds
// nodes, types and frame slots that are never freed, and the frame is
// copied on every run. So after recycleAfter inputs, or after an
// interrupted run that may still hold the interpreter, the evaluator
// moves the session to a fresh interpreter: it imports the same
// packages, declares the session's variables with their current values,
// and replays the type and function declarations typed so far. Two
// things show the move: a value of a type declared in the session keeps
// the old declaration's type, and a function value made before the move
// (f := func() { ... }) keeps the variables it captured, which the
// session's no longer are. Declared functions (func f() { ... }) are
// replayed and see the session's variables.
type evaluator struct {
	cfg evalConfig
	in  *yaegi.Interpreter

	imported map[string]pkg // by package name, in in
	decls    []string       // type, func and import inputs, in order
	inputs   int            // inputs given to in
	generic  bool           // gen.Sources compiled into in
	trace    *traceWriter

	// running is set while an interrupted run may still be using in,
	// and closed when it ends; snap holds copies of the variables as
	// they were before it began, since in cannot be read meanwhile.
	running <-chan struct{}
	snap    map[string]reflect.Value
	broken  bool // a compile panicked, or a run never finished: in may be half changed
}

// interruptGrace is how long the input after an interrupt waits for the
// interrupted run to stop before moving to a fresh interpreter: long
// enough for interpreted code, which stops at its next step, and not for
// a compiled call that blocks, such as time.Sleep.
const interruptGrace = 200 * time.Millisecond

func newEvaluator(cfg evalConfig) (*evaluator, error) {
	if cfg.runAs == nil {
		cfg.runAs = func(run func()) { run() }
	}
	e := &evaluator{cfg: cfg, trace: &traceWriter{out: cfg.stderr}}
	in, err := e.newInterp()
	if err != nil {
		return nil, err
	}
	e.in, e.imported = in, map[string]pkg{}
	return e, nil
}

// newInterp returns an interpreter with the bindings imported.
func (e *evaluator) newInterp() (*yaegi.Interpreter, error) {
	in, err := interp.New(yaegi.Options{Stdout: e.cfg.stdout, Stderr: e.trace})
	if err != nil {
		return nil, err
	}
	if err := in.Use(yaegi.Exports{bindingsPath + "/console": e.cfg.bindings}); err != nil {
		return nil, err
	}
	if _, err := in.Eval(`import . "` + bindingsPath + `"`); err != nil {
		return nil, err
	}
	return in, nil
}

// globals returns the session's variables: the interpreter's, or while an
// interrupted run may still use it, their copies from before that run.
func (e *evaluator) globals() map[string]reflect.Value {
	if e.busy() {
		return e.snap
	}
	if vars, ok := liveGlobals(e.in); ok {
		return vars
	}
	return e.snap
}

// liveGlobals returns in's variables. It fails when a compile that
// failed has left a variable declared that no run has made room for;
// the next run that succeeds does.
func liveGlobals(in *yaegi.Interpreter) (vars map[string]reflect.Value, ok bool) {
	defer func() {
		if recover() != nil {
			vars, ok = nil, false
		}
	}()
	return in.Globals(), true
}

// busy reports whether an interrupted run may still be using the
// interpreter.
func (e *evaluator) busy() bool {
	if e.running == nil {
		return false
	}
	select {
	case <-e.running:
		e.running = nil
		return false
	default:
		return true
	}
}

// settle waits a little for an interrupted run to end, and moves to a
// fresh interpreter if it does not; also when the interpreter has taken
// its share of inputs, or a compile broke it.
func (e *evaluator) settle() error {
	if e.running != nil {
		select {
		case <-e.running:
		case <-time.After(interruptGrace):
		}
	}
	if e.busy() {
		if err := e.recycle(e.snap); err != nil {
			return fmt.Errorf("the interrupted evaluation still runs, and the session could not move on: %w", err)
		}
		return nil
	}
	if e.broken || e.inputs >= e.cfg.recycleAfter {
		// On failure the session goes on in the interpreter it has.
		e.recycle(e.globals())
	}
	e.snap = e.copyVars()
	return nil
}

// result is what running an input gave.
type result struct {
	values   []any // the values to show
	hasValue bool  // false for statements and declarations that show nothing
}

// splitResults applies Go's convention for a last result of type error,
// which lastErr says the values' static types end with: if it is not
// nil, the other results are meaningless and the error is returned
// alone; if it is nil, it is left out, so (PID, nil) shows the PID. A
// last value whose static type is not error (any) is a value like the
// others: (int, any, error) returning 1, nil, nil shows 1, nil. This is
// the one place the convention is applied.
func splitResults(vals []any, lastErr bool) (result, error) {
	if lastErr && len(vals) > 0 {
		if err, _ := vals[len(vals)-1].(error); err != nil {
			return result{}, err
		}
		vals = vals[:len(vals)-1]
	}
	return result{values: vals, hasValue: len(vals) > 0}, nil
}

// run evaluates in, Go source, in the session's interpreter.
func (e *evaluator) run(ctx context.Context, in Input) (result, error) {
	if err := e.settle(); err != nil {
		return result{}, err
	}
	p := parseGo(in.Src, in.toks)
	whole := span{src: in.Src, wrap: p.wrap, line: 1, col: 1}
	if p.root == nil {
		// The interpreter says what is wrong, in its words and at its
		// positions; compiling runs nothing.
		if _, err := e.compile(in.Src); err != nil {
			return result{}, positionError(err, whole)
		}
	}
	if err := p.refuse(); err != nil {
		return result{}, err
	}
	if err := e.useImports(p); err != nil {
		return result{}, err
	}
	e.importFor(in.toks)
	e.inputs++
	switch p.kind {
	case kindExpr:
		return e.runExpr(ctx, whole)
	case kindStmts:
		return e.runBody(ctx, in.Src, p)
	}
	return e.runDecls(ctx, whole, p)
}

// runExpr evaluates an expression and returns all its values: a call of a
// function with several results gives them all, not only the first as
// the interpreter's own Eval does.
func (e *evaluator) runExpr(ctx context.Context, sp span) (result, error) {
	// The comma lets a final line comment end the line without the
	// newline ending the call.
	tuple := sp
	tuple.src, tuple.wrap = tupleName+"("+sp.src+",\n)", sp.wrap+len(tupleName)+1
	prog, err := e.compile(tuple.src)
	if err != nil {
		// A call of a function without results, or an error the user
		// should see in the source as typed.
		prog, err = e.compile(sp.src)
		if err != nil {
			return result{}, positionError(err, sp)
		}
		_, err = e.exec(ctx, prog, sp)
		return result{}, err
	}
	v, err := e.exec(ctx, prog, tuple)
	if err != nil {
		return result{}, err
	}
	vals, _ := valueOf(v).([]any)
	return splitResults(vals, len(vals) > 1 && maybeError(vals) && e.endsInError(sp.src, len(vals)))
}

// maybeError reports whether the last of vals may be an error result: it
// is nil or an error. Only then is the static type worth asking for.
func maybeError(vals []any) bool {
	_, isErr := vals[len(vals)-1].(error)
	return isErr || vals[len(vals)-1] == nil
}

// endsInError reports whether the last of the n results of the
// expression src has a static type assignable to error. The interpreter
// tells by compiling, not running, an assignment of it.
func (e *evaluator) endsInError(src string, n int) bool {
	check := "func() { " + strings.Repeat("_, ", n-1) + "__gex_last := " + src + "\n; var _ error = __gex_last }"
	_, err := e.compile(check)
	return err == nil
}

// runBody runs statements. The last statement is run on its own, so
// that its value is the line's: an expression's values, or the values
// an assignment gives its variables, as IEx shows the value of a match.
// The statements before it run first, as one body.
func (e *evaluator) runBody(ctx context.Context, src string, p parsedGo) (result, error) {
	last := p.stmts[len(p.stmts)-1]
	from := p.offset(last.Pos())
	if len(p.stmts) > 1 {
		// A leading semicolon keeps the interpreter from reading a body
		// that begins with var or type as declarations.
		sp := span{src: ";" + src[:from], wrap: len(mainWrap) + 1, line: 1, col: 1}
		if _, err := e.runStmts(ctx, sp, nil); err != nil {
			return result{}, err
		}
		for _, st := range p.stmts[:len(p.stmts)-1] {
			e.noteDecl(src, p, st)
		}
	}
	line, col := lineCol(src, from)
	sp := span{src: src[from:], line: line, col: col, wrap: len(mainWrap)}
	switch last.(type) {
	case *ast.ExprStmt:
		return e.runExpr(ctx, sp)
	case *ast.DeclStmt:
		sp.wrap = len(declWrap)
	}
	r, err := e.runStmts(ctx, sp, assignedNames(last))
	if err == nil {
		e.noteDecl(src, p, last)
	}
	return r, err
}

// noteDecl keeps a type or const declaration among statements for
// recycle, which replays it: the interpreter declares it at the top
// level, as it does the statements' variables.
func (e *evaluator) noteDecl(src string, p parsedGo, st ast.Stmt) {
	d, ok := st.(*ast.DeclStmt)
	if !ok {
		return
	}
	if g, ok := d.Decl.(*ast.GenDecl); ok && g.Tok != token.VAR {
		e.decls = append(e.decls, src[p.offset(d.Pos()):p.offset(d.End())])
	}
}

// runDecls runs declarations, or a whole file, and shows the variables
// they declare.
func (e *evaluator) runDecls(ctx context.Context, sp span, p parsedGo) (result, error) {
	r, err := e.runStmts(ctx, sp, p.assigned)
	if err != nil {
		return r, err
	}
	if p.replay != "" {
		e.decls = append(e.decls, p.replay)
	}
	if len(p.imports) > 0 {
		e.noteImports(p)
	}
	return r, nil
}

// runStmts runs the statements or declarations sp, then shows the
// variables assigned, with Go's convention for an error when the last
// variable's type is error.
func (e *evaluator) runStmts(ctx context.Context, sp span, assigned []string) (result, error) {
	prog, err := e.compile(sp.src)
	if err != nil {
		return result{}, positionError(err, sp)
	}
	if _, err := e.exec(ctx, prog, sp); err != nil {
		return result{}, err
	}
	if len(assigned) == 0 {
		return result{}, nil
	}
	prog, err = e.compile(tupleName + "(" + strings.Join(assigned, ", ") + ")")
	if err != nil {
		return result{}, nil // nothing worth showing
	}
	v, err := e.exec(ctx, prog, span{})
	if err != nil {
		return result{}, err
	}
	vals, _ := valueOf(v).([]any)
	lastErr := false
	if g, ok := e.globals()[assigned[len(assigned)-1]]; ok && g.IsValid() {
		lastErr = len(vals) > 1 && g.Type() == errorType
	}
	return splitResults(vals, lastErr)
}

// compile compiles src. The interpreter panics on some inputs it cannot
// handle (yaegi issues 1593, 982); such a panic becomes an error, and
// the interpreter, whose state it may have left half changed, is
// replaced before the next input.
func (e *evaluator) compile(src string) (prog *yaegi.Program, err error) {
	defer func() {
		if v := recover(); v != nil {
			e.broken = true
			err = fmt.Errorf("%v", v)
		}
	}()
	return e.in.Compile(src)
}

func valueOf(v reflect.Value) any {
	if !v.IsValid() || !v.CanInterface() {
		return nil
	}
	return v.Interface()
}

// exec runs a compiled input. A panic comes back as a *PanicError with
// the interpreted frames the interpreter traced on its way out; offset
// is how far the interpreter's first line is ahead of the input's.
//
// When ctx is done first, exec interrupts the run and returns; the run
// may go on for a while (see settle).
func (e *evaluator) exec(ctx context.Context, prog *yaegi.Program, sp span) (reflect.Value, error) {
	type outcome struct {
		v   reflect.Value
		err error
	}
	done := make(chan outcome, 1)
	ended := make(chan struct{})
	in := e.in // e.in may change, by recycle, while an interrupted run goes on
	e.trace.start()
	go func() {
		defer close(ended)
		e.cfg.runAs(func() {
			v, err := in.Execute(prog) // recovers the run's panics
			done <- outcome{v, err}
		})
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ended:
		// A run that finished sent its outcome before it ended; one that
		// did not called runtime.Goexit, leaving the interpreter mid-run.
		select {
		case o = <-done:
		default:
			e.trace.stop()
			e.broken = true
			return reflect.Value{}, errGoexit
		}
	case <-ctx.Done():
		e.trace.stop()
		interp.Interrupt(in)
		e.running = ended
		return reflect.Value{}, ctx.Err()
	}
	frames := e.trace.stop()
	var p yaegi.Panic
	if errors.As(o.err, &p) {
		if err := raised(p.Value); err != nil {
			return reflect.Value{}, err
		}
		return reflect.Value{}, newPanicError(p, frames, sp)
	}
	return o.v, o.err
}

var errGoexit = errors.New("runtime.Goexit ended the evaluation")

// copyVars returns copies of the session's variables, as moveVars takes
// them.
func (e *evaluator) copyVars() map[string]reflect.Value {
	vars, ok := liveGlobals(e.in)
	if !ok {
		return e.snap
	}
	for name, v := range vars {
		if v.IsValid() {
			vars[name] = box(v).Elem().Field(0)
		}
	}
	return vars
}

// importFor imports the packages src names that are not yet imported:
// the standard library, node and loaded modules need no import line.
// It also gives already imported modules their current symbols, so a
// function added by a reload is callable at once.
func (e *evaluator) importFor(toks []tok) {
	vars := e.globals()
	for _, name := range selectorBases(toks) {
		if _, shadowed := vars[name]; shadowed {
			continue
		}
		p, ok := e.cfg.resolve(name)
		if !ok {
			continue
		}
		have, imported := e.imported[name]
		switch {
		case !imported:
			if e.importPkg(e.in, name, p) == nil {
				e.imported[name] = p
			}
		case have.gen != p.gen:
			if e.in.Use(p.exports) == nil {
				e.imported[name] = p
			}
		}
	}
}

func (e *evaluator) importPkg(in *yaegi.Interpreter, name string, p pkg) error {
	if err := e.usePkg(in, p); err != nil {
		return err
	}
	_, err := in.Eval("import " + name + " " + strconv.Quote(p.path))
	return err
}

// usePkg gives the interpreter a package's symbols, and the standard
// library's generic sources if it needs them.
func (e *evaluator) usePkg(in *yaegi.Interpreter, p pkg) error {
	if err := in.Use(p.exports); err != nil {
		return err
	}
	if p.generic && !e.generic {
		if err := interp.CompileGeneric(in); err != nil {
			return err
		}
		e.generic = true
	}
	return nil
}

// useImports gives the interpreter the symbols of the packages an
// import line names: yaegi would otherwise look for their source.
func (e *evaluator) useImports(p parsedGo) error {
	for _, path := range p.imports {
		pk, ok := e.cfg.resolvePath(path)
		if !ok {
			continue // the interpreter says what is wrong with it
		}
		if err := e.usePkg(e.in, pk); err != nil {
			return err
		}
	}
	return nil
}

// noteImports records the packages an import line brought in, so that
// auto-import leaves them be and a recycled interpreter has their
// symbols before the line is replayed.
func (e *evaluator) noteImports(p parsedGo) {
	for name, path := range p.imports {
		pk, _ := e.cfg.resolvePath(path)
		pk.path, pk.byLine = path, true
		e.imported[name] = pk
	}
}

// selectorBases returns the identifiers that begin a selector, x in x.y,
// in src: the candidates for packages.
func selectorBases(toks []tok) []string {
	var names []string
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if t.tok != token.IDENT || toks[i+1].tok != token.PERIOD || t.end != toks[i+1].pos {
			continue
		}
		if i > 0 && toks[i-1].tok == token.PERIOD {
			continue
		}
		if !slices.Contains(names, t.lit) {
			names = append(names, t.lit)
		}
	}
	return names
}

// recycle moves the session to a fresh interpreter, with the variables
// vars; see evaluator.
func (e *evaluator) recycle(vars map[string]reflect.Value) error {
	e.generic = false
	in, err := e.newInterp()
	if err != nil {
		return err
	}
	for name, p := range e.imported {
		var err error
		if p.byLine {
			err = e.usePkg(in, p) // the replayed line imports it
		} else {
			err = e.importPkg(in, name, p)
		}
		if err != nil {
			return err
		}
	}
	if err := moveVars(in, vars); err != nil {
		return err
	}
	for _, d := range e.decls {
		// A declaration that no longer compiles, say a function of a
		// variable since redeclared with another type, is dropped, as
		// it would fail if called.
		in.Eval(d)
	}
	e.in, e.inputs, e.broken = in, 0, false
	e.running = nil
	return nil
}

// moveVars declares in the new interpreter the variables of the old one,
// with copies of their values.
//
// Each value crosses in a box, a pointer to a struct holding it, that the
// new interpreter reads as __gex_vars.Vn.V: yaegi takes a nil pointer
// given to Use for a type, and a value given directly keeps no address.
func moveVars(in *yaegi.Interpreter, vars map[string]reflect.Value) error {
	if len(vars) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(vars))
	syms := make(map[string]reflect.Value, len(names))
	var b strings.Builder
	b.WriteString("var (\n")
	for i, name := range names {
		v := vars[name]
		if !v.IsValid() {
			continue
		}
		sym := "V" + strconv.Itoa(i)
		syms[sym] = box(v)
		fmt.Fprintf(&b, "\t%s = __gex_vars.%s.V\n", name, sym)
	}
	b.WriteString(")")
	if err := in.Use(yaegi.Exports{varsPath + "/vars": syms}); err != nil {
		return err
	}
	if _, err := in.Eval(`import __gex_vars "` + varsPath + `"`); err != nil {
		return err
	}
	_, err := in.Eval(b.String())
	return err
}

// box returns a pointer to a new struct{ V T } holding a copy of v.
func box(v reflect.Value) reflect.Value {
	t := reflect.StructOf([]reflect.StructField{{Name: "V", Type: v.Type()}})
	b := reflect.New(t)
	b.Elem().Field(0).Set(v)
	return b
}

// parsedGo is the input parsed as the interpreter will read it, which
// is all the evaluator needs to know of it before it runs it.
type parsedGo struct {
	kind     goKind
	wrap     int               // how many bytes the interpreter puts before the input on its first line
	root     ast.Node          // the input's syntax tree; nil if it does not parse
	stmts    []ast.Stmt        // for kindStmts, the statements
	fset     *token.FileSet    // root's positions
	replay   string            // its type, func, const and import declarations, for recycle
	assigned []string          // the variables var declarations set
	imports  map[string]string // package name to path, for import declarations
}

// A goKind is how the interpreter reads an input.
type goKind int

const (
	kindExpr  goKind = iota // an expression
	kindDecls               // declarations, read after a package clause
	kindStmts               // statements, read as the body of a function
	kindFile                // a whole file, with its package clause
)

// The interpreter's wrappers around declarations and statements.
const (
	declWrap = "package main;"
	mainWrap = "package main; func main() {"
)

// parseGo reads src, whose tokens are toks, as the interpreter will:
// input that begins with a package clause as a whole file, declarations
// at the top level, anything else as the body of a function. Its first
// token says which readings to try, so that src is parsed once or twice,
// not once per reading. It leaves p.root nil for input that does not
// parse.
func parseGo(src string, toks []tok) parsedGo {
	p := parsedGo{kind: kindStmts, wrap: len(mainWrap), fset: token.NewFileSet()}
	first := token.EOF
	for _, t := range toks {
		if t.tok != token.COMMENT {
			first = t.tok
			break
		}
	}
	switch first {
	case token.PACKAGE:
		p.kind, p.wrap = kindFile, 0
		if f, err := parser.ParseFile(p.fset, "", src, 0); err == nil {
			p.declare(f, src)
		}
		return p
	case token.EOF, token.CONST, token.IMPORT, token.TYPE, token.VAR, token.FUNC:
		if p.parseDecls(src) {
			return p
		}
	}
	if first != token.CONST && first != token.IMPORT && first != token.TYPE && first != token.VAR {
		if x, err := parser.ParseExprFrom(p.fset, "", src, 0); err == nil {
			p.kind, p.root = kindExpr, x
			return p
		}
	}
	if f, err := parser.ParseFile(p.fset, "", mainWrap+src+"\n}", 0); err == nil {
		body := f.Decls[0].(*ast.FuncDecl).Body.List
		if len(body) > 0 {
			p.root, p.stmts = f, body
		}
	}
	return p
}

// parseDecls reads src as declarations, and reports whether it is.
func (p *parsedGo) parseDecls(src string) bool {
	f, err := parser.ParseFile(p.fset, "", declWrap+src, 0)
	if err != nil {
		return false
	}
	p.kind, p.wrap = kindDecls, len(declWrap)
	p.declare(f, src)
	return true
}

// offset is the offset in the input of pos, a position in p.root.
func (p parsedGo) offset(pos token.Pos) int { return p.fset.Position(pos).Offset - p.wrap }

// declare fills in p for f, src's declarations.
func (p *parsedGo) declare(f *ast.File, src string) {
	p.root = f
	p.imports = importNames(f)
	p.assigned = varNames(f.Decls)
	p.replay = p.replayable(f, src)
}

// refuse rejects what the console must not run: a go statement starts a
// goroutine whose panic no one can recover, which would stop the node.
// Input that does not parse cannot be checked, and is refused too.
func (p parsedGo) refuse() error {
	if p.root == nil {
		return errors.New("the console cannot read this input, and does not run it")
	}
	var err error
	ast.Inspect(p.root, func(n ast.Node) bool {
		if _, ok := n.(*ast.GoStmt); ok && err == nil {
			err = ErrGoStmt
		}
		return err == nil
	})
	return err
}

// replayable returns the source of the declarations of f that a fresh
// interpreter must see again: all but var declarations, whose values
// moveVars carries over and which must not run twice.
func (p parsedGo) replayable(f *ast.File, src string) string {
	var b strings.Builder
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			continue
		}
		from, to := p.offset(d.Pos()), p.offset(d.End())
		if from < 0 || to > len(src) {
			continue
		}
		b.WriteString(src[from:to])
		b.WriteString("\n")
	}
	return b.String()
}

func importNames(f *ast.File) map[string]string {
	m := map[string]string{}
	for _, is := range f.Imports {
		path, _ := strconv.Unquote(is.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if is.Name != nil {
			name = is.Name.Name
		}
		if name != "_" && name != "." {
			m[name] = path
		}
	}
	return m
}

func varNames(decls []ast.Decl) []string {
	var names []string
	for _, d := range decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			for _, id := range s.(*ast.ValueSpec).Names {
				if id.Name != "_" {
					names = append(names, id.Name)
				}
			}
		}
	}
	return names
}

// assignedNames returns the variables a statement assigns, if it is an
// assignment to variables alone; other left-hand sides, as m[k], would
// be evaluated again to show them, side effects and all.
func assignedNames(s ast.Stmt) []string {
	var lhs []ast.Expr
	switch s := s.(type) {
	case *ast.AssignStmt:
		lhs = s.Lhs
	case *ast.IncDecStmt:
		lhs = []ast.Expr{s.X}
	case *ast.DeclStmt:
		return varNames([]ast.Decl{s.Decl})
	default:
		return nil
	}
	var names []string
	for _, x := range lhs {
		id, ok := x.(*ast.Ident)
		if !ok {
			return nil
		}
		if id.Name != "_" {
			names = append(names, id.Name)
		}
	}
	return names
}

// A span is a piece of the input given to the interpreter, and where it
// is in the input: positions the interpreter reports in it are mapped to
// positions in the input as typed.
type span struct {
	src       string // the piece, as given to the interpreter
	wrap      int    // how many bytes the interpreter puts before src on its first line
	line, col int    // where src begins in the input; 0 for a piece of the console's own
}

// pos maps a position in the interpreter's wrapped source to one in the
// input.
func (sp span) pos(line, col int) (int, int) {
	if line == 1 {
		col = max(1, col-sp.wrap)
	}
	lines := strings.Count(sp.src, "\n") + 1
	if line > lines {
		// The error is in the interpreter's wrapper, after the input:
		// the input ended too soon.
		line, col = lines, len(sp.src)-strings.LastIndex(sp.src, "\n")
	}
	if line == 1 {
		col += max(sp.col, 1) - 1
	}
	return line + max(sp.line, 1) - 1, col
}

// lineCol returns the line and column, from 1, of offset off in src.
func lineCol(src string, off int) (int, int) {
	before := src[:off]
	return strings.Count(before, "\n") + 1, off - strings.LastIndex(before, "\n")
}

// positionError rewrites the position of an interpreter error to one in
// the input as typed.
func positionError(err error, sp span) error {
	pos, msg, ok := interp.SplitPos(err.Error())
	if !ok || !inInput(pos) {
		return err
	}
	line, col := sp.pos(pos.Line, pos.Col)
	return &InputError{Line: line, Col: col, Msg: msg, Err: err}
}

// inInput reports whether an interpreter position is in console input,
// which the interpreter reads without a file name, rather than in a
// module's file.
func inInput(pos interp.Pos) bool { return pos.File == "" || pos.File == "_.go" }
