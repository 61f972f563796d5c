package shell

import (
	"go/ast"
	"regexp"
	"strconv"
)

// The interpreter takes the first result of a call with several where
// Go wants one value: x := node.WhichChildren(sup) gives x the children
// and drops the error, and node.WhichChildren(sup)[0].PID indexes them.
// Go refuses both at compile time, and so does the console, before
// anything runs: for each call in a place that takes one value, it asks
// the interpreter how many results the call has by compiling, not
// running, an assignment of them to two blank variables, which the
// interpreter checks (its message says how many there are).

// resultCount matches the interpreter's message for an assignment of a
// call with another number of results than variables.
var resultCount = regexp.MustCompile(`assignment mismatch: \d+ variables? but .* returns (\d+) values?$`)

// singleValued reports a call in p, the input src, that has several
// results where one value is wanted, as Go's compiler would.
func (e *evaluator) singleValued(src string, p parsedGo) error {
	var err error
	ast.Inspect(p.root, func(n ast.Node) bool {
		if err != nil {
			return false
		}
		call, assign := singleValueCall(n)
		if call == nil {
			return true
		}
		from, to := p.inputOffset(call.Pos()), p.inputOffset(call.End())
		if from < 0 || to > len(src) {
			return true
		}
		text := src[from:to]
		results := e.results(text)
		if results < 2 {
			return true
		}
		line, col := lineCol(src, from)
		msg := "multiple-value " + text + " (" + strconv.Itoa(results) + " results) in single-value context"
		if assign {
			fn := src[from:p.inputOffset(call.Fun.End())]
			msg = "assignment mismatch: 1 variable but " + fn + " returns " + strconv.Itoa(results) + " values"
		}
		err = &InputError{Line: line, Col: col, Msg: msg}
		return false
	})
	return err
}

// singleValueCall returns the call n puts where Go takes one value: the
// operand of an index, slice, selector or dereference, or the value of
// an assignment or var declaration of one variable (then assign is
// set).
func singleValueCall(n ast.Node) (call *ast.CallExpr, assign bool) {
	var x ast.Expr
	switch n := n.(type) {
	case *ast.IndexExpr:
		x = n.X
	case *ast.SliceExpr:
		x = n.X
	case *ast.SelectorExpr:
		x = n.X
	case *ast.StarExpr:
		x = n.X
	case *ast.AssignStmt:
		if len(n.Lhs) == 1 && len(n.Rhs) == 1 {
			x, assign = n.Rhs[0], true
		}
	case *ast.ValueSpec:
		if len(n.Names) == 1 && len(n.Values) == 1 {
			x, assign = n.Values[0], true
		}
	}
	call, _ = ast.Unparen(x).(*ast.CallExpr)
	return call, assign
}

// results returns how many results the call src has, or 0 where the
// interpreter does not say (a conversion, or a call it cannot compile,
// whose error the input's compile reports).
func (e *evaluator) results(src string) int {
	_, err := e.compile("func() { _, _ = " + src + "\n}")
	if err == nil {
		return 2
	}
	m := resultCount.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
