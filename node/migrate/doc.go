// Package migrate helps a module's CodeChange turn the state of an older
// version into the shape the new version wants.
//
// State that outlives a version should be made of builtin or compiled types
// (maps, slices, basic types, node types): a struct type declared in an
// interpreted module belongs to the version that declared it, and the next
// version cannot name it, let alone type-assert to it. This package reads and
// rebuilds such values by reflection, so one CodeChange can accept the old
// state whichever shape it has:
//
//	func CodeChange(oldVsn string, state any, extra any) (any, error) {
//		// Vsn "1" kept {name, money} in a map or in a struct; Vsn "2" calls it salary.
//		return migrate.Rename(state, "money", "salary")
//	}
//
// Names match case-insensitively, so the map key "money" and the struct field
// Money are the same name. The interpreter stores an unexported field money
// of an interpreted struct as Xmoney; that spelling matches "money" too.
// The unexported fields of compiled structs (the state of a native module
// version) are read and filled like exported ones.
//
// The package is importable from interpreted modules as
// "github.com/gexdev/gex/node/migrate".
package migrate
