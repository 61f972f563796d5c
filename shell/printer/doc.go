// Package printer writes Go values as the Gex console shows results: as
// Go composite literals, laid out within a terminal's width, in IEx's
// colors when asked, and bounded.
//
//	map[string]any{"money": 700000, "name": "blackode"}
//	[]int{1, 2, 3, ...}
//	kv.Entry{Key: "a", Value: 42}
//	"xxxxxxxx"...
//
// The bounds keep a result of any size cheap to show: a collection shows
// its first 100 elements (Options.Limit), a string or byte slice its
// first 4,096 bytes (Options.Printable, IEx's :printable_limit), one
// result at most 20,000 values in all, and nesting beyond 32 levels is
// elided. A cycle through a pointer, map or slice is written <cycle>
// where it closes. FormatContext and FormatValuesContext give up when
// their context is done, so Ctrl-C interrupts the printing of a big
// result as it does its evaluation.
//
// The package knows nothing of sessions or nodes: a value's String and
// Error methods decide how PIDs and atoms read (#PID<0.84.0>, :ok), and
// Go's convention for a final error result is the caller's, which knows
// the results' static types.
package printer
