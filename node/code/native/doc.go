// Package native builds module versions as compiled Go: each version is a
// plugin (go build -buildmode=plugin) loaded into the running node, so its
// callbacks run at the speed of compiled code and another version can
// still be loaded beside it.
//
// # Building a version
//
// The module's files are copied, with the package clause rewritten to
// package main, into a wrapper package of its own: two versions of one
// module are then two plugins whose packages never collide. A generated
// file adds the table of the module's exported functions, constants and
// types (yaegi's Exports form), which is the one symbol the loader looks
// up. The wrapper is built inside the host's Go module through go build's
// -overlay, so that it is compiled from the same versions of every package
// it shares with the host, with the host's toolchain and flags (-race,
// -tags, -gcflags, GOEXPERIMENT, ...) read from the host's build
// information: a plugin built any other way does not load
// (golang/go#27751). Nothing is written into the module's tree.
//
// A release builds the plugins of its modules this way for another
// binary, its bin/<name> (Options.Host, HostOf), ships them, and matches
// them at load by Host.ID, that binary's Go build ID (ThisHost in the
// running one); the code server opens them with Open, and the target
// machine needs no toolchain.
//
// Plugins are kept in a cache directory, one per key: the hash of the
// source, the toolchain, the flags and the host binary's build ID. A second
// build of the same source by the same host opens the cached plugin; the
// Go build cache makes a build of new source cheap (well under a second)
// once the first build has compiled the runtime for dynamic linking.
//
// # What the code server gives a version
//
// A module that imports another module is given a stub package for it,
// generated from that module's current signatures and bound after loading
// (Version.Bind) to the code server's stable-dispatch stubs. The calls a
// module makes to node.Spawn, SpawnLink, SpawnOpts, AfterFunc, and to
// time.AfterFunc and context.AfterFunc, go through hooks (Version.Hook),
// so that the code server pins what a version starts to that version, as
// it does for interpreted ones. The module's init runs when the plugin is
// opened, before either.
//
// # Failures
//
// Plugins need cgo (a C compiler at build time, a host linked with cgo),
// a Go toolchain matching the host, the host module's source, and a
// platform that supports them. A build or load that fails returns an
// *Error wrapping one of the sentinel errors, which says why; callers fall
// back to the interpreter and say so.
//
// # What a loaded version holds
//
// A plugin is never unmapped (golang/go#20461): a purged native version
// keeps its code and data mapped for the life of the process. Version.Mapped
// reports how much. Opening the same plugin twice gives the same package:
// a version rebuilt from identical source shares its package state with
// the one loaded before.
package native
