// Package interp is what Gex knows of its interpreter, yaegi, in one
// place: both the code server (node/code), which runs module versions,
// and the console (shell), which runs what is typed, build their
// interpreters from it.
//
// It holds the index of the standard library's symbols (StdKeys by
// import path, StdNames by package name), which standard packages need
// yaegi's generic sources compiled (Generic, CompileGeneric), the keys
// under which packages are given to an interpreter (Key, StdExports),
// the node's own import paths (NodePath, MigratePath), the positions in
// yaegi's error and panic-trace text (SplitPos, Frame), and the hook by
// which a running evaluation is interrupted (Interrupt).
//
// The last two read what yaegi does not export: its messages' text and
// an unexported field. This package's tests pin both, so a yaegi upgrade
// that changes them fails here, not in a console session.
package interp
