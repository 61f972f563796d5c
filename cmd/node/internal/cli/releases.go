package cli

var releasesCmd = &command{
	usage:   "releases [--name NAME]",
	summary: "List the releases of a running release node: current, permanent, old, unpacked.",
	help: `Releases lists the releases in the running node's release root, oldest
first, each with its status: current (the one running), permanent (the
one a restart boots), old (run before), unpacked, or tarball (placed,
not unpacked yet).
`,
}

func init() { releasesCmd.run = runReleases }

func runReleases(e *env, args []string) int {
	r, _, status, ok := releasesCmd.parseRemote(e, "releases", 0, args)
	if !ok {
		return status
	}
	return control(e, "releases", r.name, nil)
}
