package shell

import (
	"go/scanner"
	"go/token"
	"strings"

	"github.com/gexdev/gex/helpers"
)

// Form is the kind of a console input.
type Form int

const (
	// FormGo is Go source, evaluated by the interpreter.
	FormGo Form = iota
	// FormHelper is an IEx helper such as `r KV`, `c "kv.go"` or `v(-2)`.
	FormHelper
	// FormCall is an Erlang-style call such as `:sys.get_state pid`.
	FormCall
)

func (f Form) String() string {
	switch f {
	case FormHelper:
		return "helper"
	case FormCall:
		return "call"
	}
	return "go"
}

// Input is one complete console input, read once: its tokens, its form,
// and for Go its parse, which evaluation uses rather than reading the
// source again.
type Input struct {
	Form Form
	// Name is the helper ("r") or the call ("sys.get_state").
	Name string
	// Args are the sources of the arguments, trimmed. A bare module or
	// process name such as KV is left as written; what it means depends
	// on the parameter it is passed for.
	Args []string
	// Src is the whole input.
	Src string

	helper *helpers.Helper // the catalogue's entry, for a helper or call
	toks   []tok           // Src's tokens
}

// ParseInput classifies a complete input. It fails only for input that is
// no Go and no well-formed form either: a call to an unknown :module or
// function, or one with the wrong number of arguments.
func ParseInput(src string) (Input, error) { return defaultCatalog.parse(src, scan(src)) }

// parse classifies src, whose tokens are toks, by the forms of c.
func (c *catalog) parse(src string, toks []tok) (Input, error) {
	in := Input{Form: FormGo, Src: src, toks: toks}
	if len(toks) == 0 {
		return in, nil
	}
	if toks[0].tok == token.COLON {
		return c.parseCall(in, toks)
	}
	if toks[0].tok != token.IDENT {
		return in, nil
	}
	h, ok := c.helper(toks[0].lit)
	if !ok {
		return in, nil
	}
	args, ok := formArgs(src, toks[0], toks[1:])
	if !ok || !h.Accepts(len(args)) {
		return in, nil
	}
	in.Form, in.Name, in.Args, in.helper = FormHelper, toks[0].lit, args, h
	return in, nil
}

// parseCall reads `:mod.fun args`. A leading colon is never Go, so a
// malformed call is an error rather than Go source.
func (c *catalog) parseCall(in Input, toks []tok) (Input, error) {
	if len(toks) < 4 || toks[1].tok != token.IDENT || toks[2].tok != token.PERIOD || toks[3].tok != token.IDENT ||
		toks[0].end != toks[1].pos || toks[1].end != toks[2].pos || toks[2].end != toks[3].pos {
		return in, &FormError{Src: in.Src, Msg: "expected :module.function, as in :sys.get_state pid"}
	}
	mod, fun := toks[1].lit, toks[3].lit
	name := mod + "." + fun
	h, ok := c.call(name)
	if !ok {
		if !c.knownModule(mod) {
			return in, &FormError{Src: in.Src, Msg: "unknown module :" + mod + "; the console knows :sys and :code"}
		}
		return in, &FormError{Src: in.Src, Msg: "undefined function :" + name}
	}
	args, ok := formArgs(in.Src, toks[3], toks[4:])
	if !ok {
		return in, &FormError{Src: in.Src, Msg: "cannot read the arguments; usage: " + h.Synopsis}
	}
	if !h.Accepts(len(args)) {
		return in, &FormError{Src: in.Src, Msg: "wrong number of arguments to :" + name + "; usage: " + h.Synopsis}
	}
	in.Form, in.Name, in.Args, in.helper = FormCall, name, args, h
	return in, nil
}

// formArgs reads the arguments after the name of a form, in either of
// IEx's styles: f(a, b), or f a, b with the name and the first argument
// apart. It reports false when the tokens are not an argument list, as in
// `v := 1` or `i - 2`, which makes the input Go.
func formArgs(src string, name tok, rest []tok) ([]string, bool) {
	if len(rest) == 0 {
		return nil, true
	}
	first := rest[0]
	if first.tok == token.LPAREN && first.pos == name.end {
		if closer := matching(rest); closer == len(rest)-1 {
			return splitArgs(src, rest[1:closer], first.end, rest[closer].pos), true
		}
		return nil, false
	}
	if first.pos == name.end || !startsOperand(first, rest) {
		return nil, false
	}
	return splitArgs(src, rest, first.pos, len(src)), true
}

// startsOperand reports whether t can begin a bare argument: an operand,
// a composite literal's type, a help topic such as :sys.get_state, or a
// unary operator written against its operand (v -2; but i - 2 is a
// subtraction, and v [0] is left to Go).
func startsOperand(t tok, rest []tok) bool {
	against := len(rest) > 1 && rest[1].pos == t.end
	switch t.tok {
	case token.IDENT, token.INT, token.FLOAT, token.IMAG, token.CHAR, token.STRING, token.COLON,
		token.FUNC, token.MAP, token.STRUCT, token.CHAN:
		return true
	case token.SUB, token.AND, token.MUL, token.NOT, token.ARROW:
		return against
	case token.LBRACK:
		return against && rest[1].tok == token.RBRACK
	}
	return false
}

// matching returns the index of the token closing the bracket at
// toks[0], or -1.
func matching(toks []tok) int {
	depth := 0
	for i, t := range toks {
		d := nesting(t.tok)
		if depth += d; d < 0 && depth == 0 {
			return i
		}
	}
	return -1
}

// nesting is how tok changes the depth of brackets: +1 for an opening
// parenthesis, bracket or brace, -1 for a closing one, else 0.
func nesting(tok token.Token) int {
	switch tok {
	case token.LPAREN, token.LBRACK, token.LBRACE:
		return 1
	case token.RPAREN, token.RBRACK, token.RBRACE:
		return -1
	}
	return 0
}

// splitArgs cuts src[from:to] at the commas of toks that are outside any
// brackets.
func splitArgs(src string, toks []tok, from, to int) []string {
	var args []string
	depth, start := 0, from
	for _, t := range toks {
		depth += nesting(t.tok)
		if t.tok == token.COMMA && depth == 0 {
			args = append(args, strings.TrimSpace(src[start:t.pos]))
			start = t.end
		}
	}
	if last := strings.TrimSpace(src[start:to]); last != "" || len(args) > 0 {
		args = append(args, last)
	}
	return args
}

// Incomplete reports whether src is unfinished input, so the console
// should read another line before evaluating it: a bracket, brace or
// parenthesis is open, a raw string or a block comment is open, or the
// last token is a binary operator, an assignment, a period or a comma.
//
// An interpreted string ("...") open at the end of a line is not
// unfinished: Go strings cannot hold a newline, so no further line can
// complete it, and the evaluation reports the error at once.
func Incomplete(src string) bool { return incomplete(scan(src)) }

func incomplete(toks []tok) bool {
	if len(toks) == 0 {
		return false
	}
	depth := 0
	for _, t := range toks {
		depth += nesting(t.tok)
	}
	if depth > 0 {
		return true
	}
	last := toks[len(toks)-1]
	switch last.tok {
	case token.STRING:
		return isOpen(last.lit, "`", "`")
	case token.COMMENT:
		return strings.HasPrefix(last.lit, "/*") && isOpen(last.lit, "/*", "*/")
	}
	return continues(last.tok)
}

// isOpen reports whether a literal that starts with open lacks its close.
func isOpen(lit, open, close string) bool {
	return strings.HasPrefix(lit, open) && (len(lit) < len(open)+len(close) || !strings.HasSuffix(lit, close))
}

// continues reports whether a line ending in t must go on: t needs a
// right operand.
func continues(t token.Token) bool {
	switch t {
	case token.COMMA, token.PERIOD, token.ARROW, token.ASSIGN, token.DEFINE,
		token.LAND, token.LOR:
		return true
	}
	return (t.IsOperator() && t.Precedence() > token.LowestPrec) ||
		(t >= token.ADD_ASSIGN && t <= token.AND_NOT_ASSIGN)
}

// tok is a scanned token with its byte offsets in the source.
type tok struct {
	tok      token.Token
	lit      string
	pos, end int
}

// scan returns the tokens of src, comments included, without the
// semicolons the scanner inserts at line ends. Errors are ignored: the
// interpreter reports them with better context.
func scan(src string) []tok {
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, scanner.ScanComments)
	var toks []tok
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			return toks
		}
		if t == token.SEMICOLON && lit == "\n" {
			continue
		}
		off := file.Offset(pos)
		toks = append(toks, tok{tok: t, lit: lit, pos: off, end: off + tokLen(t, lit)})
	}
}

func tokLen(t token.Token, lit string) int {
	if lit != "" && t != token.SEMICOLON {
		return len(lit)
	}
	return len(t.String())
}
