package printer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
)

// Options controls how a Printer renders values. The zero value prints
// plain text, 80 columns wide, at most 100 elements of each collection.
type Options struct {
	// Color turns on ANSI colors. It is an explicit choice rather than a
	// guess from the environment because a session attached over a socket
	// must follow the client's terminal, not the node's; see ColorFor.
	Color bool

	// Width is the column at which a value is broken over several lines.
	// Zero means 80.
	Width int

	// Limit is how many elements of a slice, array or map are shown before
	// the rest is elided as "...". Zero means 100; negative means no limit.
	Limit int

	// Printable is how many bytes of a string or byte slice are shown
	// before the rest is elided as "...", as IEx's :printable_limit.
	// Zero means DefaultPrintable; negative means no limit.
	Printable int
}

// DefaultPrintable is the printable limit of the zero Options, IEx's.
const DefaultPrintable = 4096

// maxValues bounds how many values one result shows in all, so that a
// value sharing its parts many times over (a slice holding itself
// twice, a hundred times deep) is not written out exponentially; the
// rest is elided as "...".
const maxValues = 20_000

// ColorFor reports whether output to w should be colored: w is a terminal
// and NO_COLOR is unset or empty (https://no-color.org). getenv is usually
// os.Getenv; it is a parameter so that callers and tests decide the
// environment.
func ColorFor(w io.Writer, getenv func(string) string) bool {
	if getenv != nil && getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// A Printer formats Go values for the console.
//
// The style is Go composite-literal syntax, so a printed value reads like
// the code that would build it:
//
//	map[string]any{"money": 700000, "name": "blackode"}
//	[]int{1, 2, 3}
//	kv.Entry{Key: "a", Value: 42}
//	&T{...}
//
// Type names are written where Go would need them and elided where Go
// elides them: a map or slice element whose type is fixed by its container
// is written without its type, a value held in an interface (any) with it.
// Structs of unnamed type, which is what the interpreter makes of every
// struct type declared in interpreted code, are written {Field: value}.
// Map keys are sorted. Strings are quoted. Floats always show a decimal
// point or exponent so they do not read as integers. nil is nil.
//
// A value whose type implements error is written error("message") and a
// fmt.Stringer by its String method, so PIDs print as #PID<0.84.0> and
// atoms as :ok. Functions and channels, which have no literal, are
// written by their type.
//
// A value that does not fit in Width columns is broken over several lines
// with two spaces of indentation and a comma after every element, as
// gofmt lays out a composite literal.
//
// A Printer holds no mutable state; one may be used from several
// goroutines.
type Printer struct {
	width     int
	limit     int
	printable int
	pal       *palette // nil when colors are off
}

// New returns a Printer with the given options.
func New(opts Options) *Printer {
	p := &Printer{width: opts.Width, limit: opts.Limit, printable: opts.Printable}
	if p.printable == 0 {
		p.printable = DefaultPrintable
	}
	if p.width <= 0 {
		p.width = 80
	}
	if p.limit == 0 {
		p.limit = 100
	}
	if opts.Color {
		p.pal = newPalette()
	}
	return p
}

// Format returns v as the console prints a result, without a trailing
// newline. A non-nil error is written "** (error) message".
func (p *Printer) Format(v any) string {
	out, _ := p.FormatContext(context.Background(), v)
	return out
}

// FormatContext is Format, given up with ctx's error when ctx is done
// first: a big value takes a while to print.
func (p *Printer) FormatContext(ctx context.Context, v any) (string, error) {
	if err, ok := v.(error); ok && err != nil {
		return p.FormatError(err), nil
	}
	w := p.walk(ctx)
	d := w.value(reflect.ValueOf(v), true, 0, nil)
	if w.err != nil {
		return "", w.err
	}
	return p.render(d), nil
}

// FormatValues returns the results of a call with several results, such
// as (PID, string), separated by commas. Go's convention for a final
// error is the caller's business, which knows the results' static
// types; every value given is printed.
func (p *Printer) FormatValues(vs []any) string {
	out, _ := p.FormatValuesContext(context.Background(), vs)
	return out
}

// FormatValuesContext is FormatValues, given up with ctx's error when
// ctx is done first.
func (p *Printer) FormatValuesContext(ctx context.Context, vs []any) (string, error) {
	if len(vs) == 1 {
		return p.FormatContext(ctx, vs[0])
	}
	w := p.walk(ctx)
	parts := make([]doc, len(vs))
	for i, v := range vs {
		parts[i] = w.value(reflect.ValueOf(v), true, 0, nil)
	}
	if w.err != nil {
		return "", w.err
	}
	return p.render(group{items: parts}), nil
}

// A walk is one value being laid out: the Printer's options, and what
// the walk has spent of its budget.
type walk struct {
	*Printer
	ctx    context.Context
	values int   // values laid out so far
	err    error // ctx's, once it is done
}

func (p *Printer) walk(ctx context.Context) *walk { return &walk{Printer: p, ctx: ctx} }

// spend counts one value, and reports false once the walk must stop: its
// budget is spent or its context done. The context is looked at every
// so many values, not at each.
func (w *walk) spend() bool {
	w.values++
	if w.err == nil && w.values%1024 == 0 {
		w.err = w.ctx.Err()
	}
	return w.err == nil && w.values <= maxValues
}

// FormatError returns err as "** (error) message".
func (p *Printer) FormatError(err error) string {
	return p.Errorf("** (error) %v", err)
}

// Errorf formats like fmt.Sprintf, in the error color.
func (p *Printer) Errorf(format string, args ...any) string {
	return p.pal.paint(styleError, fmt.Sprintf(format, args...))
}

// Warnf formats like fmt.Sprintf, in the warning color.
func (p *Printer) Warnf(format string, args ...any) string {
	return p.pal.paint(styleWarning, fmt.Sprintf(format, args...))
}

// maxDepth bounds how deep nested values are followed. Beyond it a value
// is elided, which also ends cycles the path check cannot see.
const maxDepth = 32

var (
	errorType    = reflect.TypeFor[error]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
)

// value builds the document for v. typed says whether v's type must be
// written: true at the top and inside interfaces, false where the
// container's element type already fixes it. path holds the pointers,
// maps and slices being printed, to cut cycles.
func (p *walk) value(v reflect.Value, typed bool, depth int, path []uintptr) doc {
	if !v.IsValid() {
		return text{"nil", styleNil}
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return text{"nil", styleNil}
		}
		return p.value(v.Elem(), true, depth, path)
	}
	if isNilRef(v) {
		return text{"nil", styleNil}
	}
	if d, ok := p.method(v); ok {
		return d
	}
	if depth > maxDepth || !p.spend() {
		return text{"...", styleNone}
	}
	switch v.Kind() {
	case reflect.Bool:
		return p.basic(v, strconv.FormatBool(v.Bool()), styleNil, typed)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return p.basic(v, strconv.FormatInt(v.Int(), 10), styleNumber, typed)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return p.basic(v, strconv.FormatUint(v.Uint(), 10), styleNumber, typed)
	case reflect.Uintptr:
		return p.basic(v, "0x"+strconv.FormatUint(v.Uint(), 16), styleNumber, typed)
	case reflect.Float32, reflect.Float64:
		return p.basic(v, formatFloat(v.Float(), v.Type().Bits()), styleNumber, typed)
	case reflect.Complex64, reflect.Complex128:
		return p.basic(v, strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits()), styleNumber, typed)
	case reflect.String:
		return p.basic(v, p.quote(v.String()), styleString, typed)
	case reflect.Pointer:
		return p.pointer(v, depth, path)
	case reflect.Slice, reflect.Array:
		return p.list(v, typed, depth, path)
	case reflect.Map:
		return p.mapping(v, typed, depth, path)
	case reflect.Struct:
		return p.record(v, typed, depth, path)
	case reflect.Chan:
		return text{fmt.Sprintf("%s{len: %d, cap: %d}", TypeString(v.Type()), v.Len(), v.Cap()), styleOpaque}
	case reflect.Func:
		return text{TypeString(v.Type()) + " {...}", styleOpaque}
	case reflect.UnsafePointer:
		return text{fmt.Sprintf("unsafe.Pointer(%#x)", v.Pointer()), styleOpaque}
	}
	return text{v.String(), styleNone}
}

// isNilRef reports whether v is a nil pointer, map, slice, func or channel.
func isNilRef(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}

// method renders v by its Error or String method, if it has one that can
// be called. A panicking method is reported in place rather than taking
// the console down, as fmt does.
func (p *walk) method(v reflect.Value) (d doc, ok bool) {
	if !v.CanInterface() {
		return nil, false
	}
	t := v.Type()
	isErr, isStr := t.Implements(errorType), t.Implements(stringerType)
	if !isErr && !isStr {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			d, ok = text{fmt.Sprintf("%s(PANIC=%v)", TypeString(t), r), styleError}, true
		}
	}()
	x := v.Interface()
	if isErr {
		return text{"error(" + strconv.Quote(x.(error).Error()) + ")", styleError}, true
	}
	s := x.(fmt.Stringer).String()
	if v.Kind() == reflect.String {
		return text{s, styleAtom}, true
	}
	return text{s, styleOpaque}, true
}

// basic renders a number, string or bool. A value of a type other than
// the one Go gives an untyped constant of its kind is written as a
// conversion, T(x), where its type must be shown.
func (p *walk) basic(v reflect.Value, lit string, st style, typed bool) doc {
	t := v.Type()
	if !typed || t == defaultType(v.Kind()) {
		return text{lit, st}
	}
	return cat{text{TypeString(t) + "(", styleNone}, text{lit, st}, text{")", styleNone}}
}

// defaultType is the type Go gives an untyped constant of kind k, or nil.
func defaultType(k reflect.Kind) reflect.Type {
	switch k {
	case reflect.Bool:
		return reflect.TypeFor[bool]()
	case reflect.Int:
		return reflect.TypeFor[int]()
	case reflect.Float64:
		return reflect.TypeFor[float64]()
	case reflect.Complex128:
		return reflect.TypeFor[complex128]()
	case reflect.String:
		return reflect.TypeFor[string]()
	}
	return nil
}

func formatFloat(f float64, bits int) string {
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(s, ".e") {
		return s
	}
	return s + ".0"
}

func (p *walk) pointer(v reflect.Value, depth int, path []uintptr) doc {
	ptr := v.Pointer()
	if onPath(path, ptr) {
		return text{"<cycle>", styleOpaque}
	}
	elem := p.value(v.Elem(), true, depth+1, append(path, ptr))
	return cat{text{"&", styleNone}, elem}
}

func onPath(path []uintptr, ptr uintptr) bool {
	for _, q := range path {
		if q == ptr {
			return true
		}
	}
	return false
}

func (p *walk) list(v reflect.Value, typed bool, depth int, path []uintptr) doc {
	t := v.Type()
	if v.Kind() == reflect.Slice {
		if v.Len() > 0 && onPath(path, v.Pointer()) {
			return text{"<cycle>", styleOpaque}
		}
		path = append(path, v.Pointer())
		if t.Elem() == reflect.TypeFor[byte]() && utf8.Valid(p.printableBytes(v.Bytes())) {
			return cat{text{bytesTypeString(t) + "(", styleNone}, text{p.quote(string(p.printableBytes(v.Bytes()))), styleString}, text{")", styleNone}}
		}
	}
	elemTyped := t.Elem().Kind() == reflect.Interface
	n := v.Len()
	shown := p.shown(n)
	items := make([]doc, 0, shown+1)
	for i := range shown {
		items = append(items, p.value(v.Index(i), elemTyped, depth+1, path))
	}
	if shown < n {
		items = append(items, text{"...", styleNone})
	}
	return group{open: p.typePrefix(t, typed) + "{", items: items, close: "}"}
}

// quote quotes s as a Go string literal, at most the printable limit
// of it: the rest is elided, after the closing quote, as "...".
func (p *walk) quote(s string) string {
	if p.printable < 0 || len(s) <= p.printable {
		return strconv.Quote(s)
	}
	cut := p.printable
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// printableBytes returns b, or as many bytes of it as quote would show
// and one more, so that a long byte slice is neither checked nor copied
// whole.
func (p *walk) printableBytes(b []byte) []byte {
	if p.printable < 0 || len(b) <= p.printable {
		return b
	}
	end := p.printable + 1
	for end < len(b) && end < p.printable+utf8.UTFMax && !utf8.RuneStart(b[end]) {
		end++
	}
	return b[:end]
}

// shown is how many of n elements are printed.
func (p *Printer) shown(n int) int {
	if p.limit < 0 || n <= p.limit {
		return n
	}
	return p.limit
}

// typePrefix is the type written before a composite's braces.
func (p *Printer) typePrefix(t reflect.Type, typed bool) string {
	if !typed || (t.Kind() == reflect.Struct && t.Name() == "") {
		return ""
	}
	return TypeString(t)
}

func (p *walk) mapping(v reflect.Value, typed bool, depth int, path []uintptr) doc {
	if onPath(path, v.Pointer()) {
		return text{"<cycle>", styleOpaque}
	}
	path = append(path, v.Pointer())
	t := v.Type()
	keys := v.MapKeys()
	sortValues(keys)
	keyTyped, elemTyped := t.Key().Kind() == reflect.Interface, t.Elem().Kind() == reflect.Interface
	shown := p.shown(len(keys))
	items := make([]doc, 0, shown+1)
	for _, k := range keys[:shown] {
		items = append(items, cat{
			p.value(k, keyTyped, depth+1, path),
			text{": ", styleNone},
			p.value(v.MapIndex(k), elemTyped, depth+1, path),
		})
	}
	if shown < len(keys) {
		items = append(items, text{"...", styleNone})
	}
	return group{open: p.typePrefix(t, typed) + "{", items: items, close: "}"}
}

// record renders a struct. Of a named type only the exported fields are
// shown, with "..." for the others: they are the package's business, and
// reading them could race with its goroutines (node.System holds the
// whole node). Structs of unnamed type, the interpreter's rendering of types
// declared in the session, show every field.
func (p *walk) record(v reflect.Value, typed bool, depth int, path []uintptr) doc {
	t := v.Type()
	items := make([]doc, 0, t.NumField())
	hidden := false
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && t.Name() != "" {
			hidden = true
			continue
		}
		// Go elides the types of composite elements but never of
		// struct fields; a basic value needs no conversion there.
		typed := f.Type.Kind() == reflect.Interface || isComposite(f.Type.Kind())
		items = append(items, cat{
			text{f.Name, styleField},
			text{": ", styleNone},
			p.value(v.Field(i), typed, depth+1, path),
		})
	}
	if hidden {
		items = append(items, text{"...", styleNone})
	}
	return group{open: p.typePrefix(t, typed) + "{", items: items, close: "}"}
}

func isComposite(k reflect.Kind) bool {
	return k == reflect.Map || k == reflect.Slice || k == reflect.Array || k == reflect.Struct
}

// TypeString writes t as Go source would, with any for the empty
// interface.
func TypeString(t reflect.Type) string {
	if t.Name() != "" {
		return t.String()
	}
	switch t.Kind() {
	case reflect.Map:
		return "map[" + TypeString(t.Key()) + "]" + TypeString(t.Elem())
	case reflect.Slice:
		return "[]" + TypeString(t.Elem())
	case reflect.Array:
		return "[" + strconv.Itoa(t.Len()) + "]" + TypeString(t.Elem())
	case reflect.Pointer:
		return "*" + TypeString(t.Elem())
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any"
		}
	}
	return strings.ReplaceAll(t.String(), "interface {}", "any")
}

// bytesTypeString names a byte slice type; reflect cannot tell byte from
// uint8, and []byte is what Go programmers write.
func bytesTypeString(t reflect.Type) string {
	if t.Name() != "" {
		return t.String()
	}
	return "[]byte"
}

// sortValues sorts map keys into a stable, readable order: numbers by
// value, strings lexically, and mixed dynamic types by type name first.
func sortValues(vs []reflect.Value) {
	slices.SortStableFunc(vs, compareValues)
}

func compareValues(a, b reflect.Value) int {
	if a.Kind() == reflect.Interface || b.Kind() == reflect.Interface {
		a, b = unwrap(a), unwrap(b)
		if !a.IsValid() || !b.IsValid() {
			return cmp.Compare(boolInt(a.IsValid()), boolInt(b.IsValid()))
		}
		if a.Type() != b.Type() {
			return strings.Compare(a.Type().String(), b.Type().String())
		}
	}
	switch a.Kind() {
	case reflect.Bool:
		return cmp.Compare(boolInt(a.Bool()), boolInt(b.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float())
	case reflect.String:
		return strings.Compare(a.String(), b.String())
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
		return cmp.Compare(a.Pointer(), b.Pointer())
	case reflect.Struct:
		for i := range a.NumField() {
			if c := compareValues(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
	case reflect.Array:
		for i := range a.Len() {
			if c := compareValues(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
	case reflect.Interface:
		return compareValues(a.Elem(), b.Elem())
	}
	return 0
}

func unwrap(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Interface {
		return v.Elem()
	}
	return v
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
