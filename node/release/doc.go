// Package release builds Gex releases and upgrades live nodes from one
// release to the next, as OTP's systools and release_handler do, and as
// distillery drives them.
//
// # Projects
//
// A project is a Go module with a gex.toml at its root (ReadConfig):
//
//	default_release = "hotcode"
//
//	[[release]]
//	name = "hotcode"
//	version = "0.1.0"
//	modules = ["lib/demoserver"]      # module directories
//	node = "hotcode"                  # the node name; default the release name
//
//	[release.start]                   # the supervision tree started at boot
//	id = "hotcode_sup"
//	[[release.start.children]]
//	id = "boss"
//	module = "demoserver"             # {M, F, A}: a restart reaches current code
//	function = "StartLink"
//	args = [{ name = "boss", money = 100 }]
//
//	[environment.prod]                # overrides for node release --env prod
//	node = "hotcode@prod"
//	suspend_timeout = "2s"
//
// # Releases
//
// A release root (_build/<env>/rel/<name>/, or wherever its tarball is
// extracted) holds bin/<name>, the node binary, and releases/<vsn>/ for
// each version: the manifest <name>.rel (Manifest: every module with its
// Vsn and SHA-256, the start spec, the Gex and Go versions and what the
// binary carries), the module sources under modules/, the relup when the
// release was built as an upgrade, and <name>.tar.gz with its .sha256
// (Assemble, Pack, Verify, Unpack). releases/permanent names the version
// a restart boots.
//
// # Native modules
//
// Build compiles every module natively (package native) with the go
// command and the package versions that built bin/<name>, for that
// binary, and for an upgrade for the binary of the release it upgrades
// from as well, which loads them hot: a plugin loads only into the build
// it was made for (golang/go#27751). The plugins are shipped in
// releases/<vsn>/native/<HostDir>/ with their digests in the manifest
// (Module.Native), so the target machine needs no toolchain. A node
// running the release loads them (Plugins, as code.Options.Plugins) at
// boot and upgrade; a module that could not be built natively, or whose
// plugin is corrupt, built for another binary or fails to load, runs
// interpreted, and the build's output, the manifest, the node's log, i
// and the upgrade's report say why.
//
// # Relups
//
// GeneratePlan compares two manifests and writes the plan of an upgrade
// and of the matching downgrade (Plan.Format): modules added, deleted, or
// loaded — with suspend, code_change and resume of the processes running
// them when the Vsn changed, a load alone when only the body did — and
// supervisor children started, stopped or changed. A release whose binary
// must differ (another Gex or Go version, other interpreter symbols or
// compiled packages) gets restart_new_binary with the reason, and is not
// upgraded hot. The plan is text meant to be read and may be edited;
// ParsePlan and Step.Check refuse a broken edit with a *PlanError naming
// the line.
//
// # Upgrades
//
// A Handler runs on the live node (Boot). Upgrade verifies the tarball
// placed in releases/<vsn>/ against its digest, unpacks the release's
// directory (never bin/), checks that the relup upgrades from the running
// version, and runs the step all or nothing: every module is compiled
// before anything changes (code.Server.PrepareLoading); the processes
// running a changed module are suspended, each with the release's
// suspend_timeout, and migrated with the new CodeChange on their states in
// the same message (node.Batch.PrepareWith); only when every one succeeds
// is the code switched and every state installed and every process
// resumed. Otherwise every process resumes on its old code and state, the
// node goes on running the old release, and the Report names the process
// that failed and why. The node never restarts. Downgrade runs the running
// release's down step: its CodeChange is called with oldVsn
// "down:"+target vsn (DownPrefix), before the old code is loaded back, as
// OTP calls code_change({down, Vsn}). Options.Check rehearses a step on
// copies of the states and changes nothing.
//
// Handler.Commands returns upgrade, downgrade and releases as control
// commands for the node's attach server.
package release
