// Package code is a node's code server: hot code loading of Go source
// modules, run by the yaegi interpreter, with the semantics of Erlang's
// code server.
//
// # Modules and versions
//
// A module is one Go package of source: a file (kv.go) or a directory. Its
// name is its package name, matched case-insensitively and ignoring
// underscores, so "KV" finds package kv. Its version is the literal value
// of its const Vsn, or else the MD5 of its source, as OTP uses the MD5 of a
// module that declares no vsn. The code path is a list of directories
// searched, in order, for name.go or name/.
//
// Each version is compiled in an interpreter of its own, completely,
// before anything changes: a compile error, a panic of the interpreter
// while compiling, or a panic in the module's init leaves the current
// version running untouched. Modules must not use the go statement (a
// panic in such a goroutine would kill the node); they start processes
// with node.Spawn, which recovers and reports. For the same reason, the
// function given to time.AfterFunc or context.AfterFunc runs in a process
// of the version that gave it.
//
// # Two versions
//
// The server keeps a current and an old version of each module. Loading a
// version makes current old; loading another purges old first, killing the
// processes still running it (those its code spawned) with reason
// node.Killed, so that their supervisors restart them on current code.
// Purge, SoftPurge, Delete, IsLoaded, Which, AllLoaded and ModifiedModules
// behave as in Erlang's code module.
//
// Several modules load as one, all or none, with a Loading (loading.go):
// PrepareLoading compiles the set before anything changes, each importer
// against the set's new exports; Switch makes them all current; Commit
// purges what they pushed out, or Revert puts it back. The file watcher and
// the release handler both load this way, with the processes of the set
// suspended around Switch and their migrated states installed before
// Commit (or dropped, with Revert).
//
// # What modules see
//
// A module imports the standard library, "github.com/gexdev/gex/node",
// "github.com/gexdev/gex/node/migrate" and other modules, by their name
// ("kv") or any import path ending in it. In a module, package node is the
// module API of node/api.go, with the same names and signatures, so that
// module source is ordinary Go that go vet checks; its functions are bound
// to the node the module is loaded into (node.Call(pid, req) is a call on
// that node), and node.Spawn, node.SpawnLink, node.SpawnOpts,
// node.AfterFunc and time.AfterFunc pin the new process to the module
// version that started it. What manages a node (node.Start, the *Node
// type) is not there: a module that names it does not compile. Another module's functions are reached through stubs that find the
// function in that module's current version at each call, as Erlang's
// fully qualified calls do; a module's calls to its own functions stay in
// its version.
//
// # GenServers
//
// A module's exported Init, HandleCall, HandleCast, HandleInfo, Terminate,
// CodeChange and FormatStatus are its GenServer callbacks:
//
//	func Init(arg any) (any, error)
//	func HandleCall(req any, from node.From, state any) node.Result
//	func HandleCast(msg any, state any) node.Result
//	func HandleInfo(msg any, state any) node.Result
//	func Terminate(reason any, state any)
//	func CodeChange(oldVsn string, state any, extra any) (any, error)
//	func FormatStatus(s node.Status) any
//
// The server is the node's resolver, so n.StartLink("kv", arg) starts a
// GenServer of module kv, and the runtime asks the module for its current
// callbacks at every message: after a load, the next message runs the new
// code with the state the old code left. To migrate the state, suspend
// the process, load, sys.ChangeCode (which runs the new CodeChange) and
// resume it, as OTP does; package node/migrate helps CodeChange read an
// old state whichever shape it has.
//
// # Supervisors
//
// A child spec's node.MFA{Module: "kv", Func: "StartLink"} is found
// through the server in kv's current version at every start and restart,
// so a child restarted after a reload or a purge runs current code. A
// Start closure built by module code belongs to that code's version: once
// the version is purged, what it starts is killed at once.
//
// # Tiers
//
// A version is interpreted or native: compiled Go, built from the same
// source as a plugin by package node/code/native (CompileNative, or every
// load with Options.Tier Native). Both tiers follow the same rules — two
// versions, purge and soft purge, pins, stable dispatch, CodeChange — and
// mix freely: a native version's imports of other modules are stubs that
// reach their current version, whichever tier it runs. A version that
// cannot be native (no C compiler, a signature Go source cannot spell, ...)
// is loaded interpreted, and the load says why (LoadResult.Fallback).
// With Options.TierUp, each interpreted load is built natively in the
// background and the module switches to it when ready, in the interpreted
// version's place, its GenServers suspended meanwhile: a state that is a
// struct of the interpreted version's own type is converted, field by
// field, to the native type with the same fields; a state holding such
// types deeper keeps the interpreted version, and says why. Info and AllLoaded report each version's tier and
// the memory its plugins keep mapped: a plugin is never unmapped, so a
// purged native version is dropped by the server but its code stays.
package code
