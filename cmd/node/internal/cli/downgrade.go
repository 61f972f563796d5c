package cli

var downgradeCmd = &command{
	usage:   "downgrade [--name NAME] [--check] [--no-permanent] VSN",
	summary: "Downgrade a running release node to release VSN, hot.",
	help: `Downgrade runs the down step of the running release's relup, back to
release VSN, as upgrade runs an up step: all or nothing, the running
version's CodeChange called with oldVsn "down:VSN" on the suspended
states before the old code is loaded back. VSN becomes permanent unless
--no-permanent; --check rehearses and changes nothing.
`,
}

func init() {
	downgradeCmd.run = func(e *env, args []string) int { return runStep(e, downgradeCmd, "downgrade", args) }
}
