package main

import (
	"regexp"
	"strings"
	"testing"
)

// upgradeLive upgrades the running node to 0.2.0 over its socket, checks
// the DemoServer's state migrated, and downgrades it to 0.1.0 again.
func (r *relTest) upgradeLive(t *testing.T) {
	out := r.mustBin("upgrade", "--check", "0.2.0")
	if !strings.Contains(out, "check of upgrade of hotcode 0.1.0 -> 0.2.0") || !strings.Contains(out, "would migrate") {
		t.Fatalf("upgrade --check said:\n%s", out)
	}
	if got := r.mustBin("eval", `:sys.get_state "boss"`); !strings.Contains(got, `"money": 700000`) {
		t.Fatalf("state after --check: %s", got)
	}
	out = r.mustBin("upgrade", "0.2.0")
	t.Logf("bin/hotcode upgrade 0.2.0:\n%s", out)
	for _, want := range []string{
		"upgrade of hotcode 0.1.0 -> 0.2.0",
		"module demoserver       code changed (vsn 1 -> 2)",
		"(boss) demoserver migrated",
		"0.2.0 is permanent",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("upgrade said, without %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`1 process suspended for \S+; took \S+`).MatchString(out) {
		t.Fatalf("upgrade did not tell the suspension:\n%s", out)
	}
	if got := r.mustBin("eval", `:sys.get_state "boss"`); !strings.Contains(got, `"salary": 700000`) || strings.Contains(got, "money") {
		t.Fatalf("state after the upgrade: %s", got)
	}
	if got := r.mustBin("eval", addMoney(50000)); !strings.Contains(got, `"salary": 750000`) {
		t.Fatalf("AddMoney on 0.2.0 said %q", got)
	}
	if got := r.mustBin("releases"); got != "hotcode 0.1.0      old\nhotcode 0.2.0      current, permanent\n" {
		t.Fatalf("releases:\n%s", got)
	}
	if got := r.node("releases", "--name", "hotcode"); got != "hotcode 0.1.0      old\nhotcode 0.2.0      current, permanent\n" {
		t.Fatalf("node releases --name hotcode:\n%s", got)
	}
	if _, errOut, status := r.bin("upgrade", "0.2.0"); status != 1 || !strings.Contains(errOut, "is the one running") {
		t.Fatalf("a second upgrade to 0.2.0: %d %q", status, errOut)
	}
	if _, errOut, status := r.bin("upgrade", "9.9.9"); status != 1 || !strings.HasPrefix(errOut, "hotcode upgrade: ") || !strings.Contains(errOut, "no hotcode.tar.gz nor hotcode.rel") {
		t.Fatalf("upgrade to a version not there: %d %q", status, errOut)
	}
	// The release binary names itself in every command's errors.
	if _, errOut, status := r.bin("eval"); status != 2 || errOut != "hotcode eval: want 1 arguments, got 0\nRun 'hotcode eval --help' for usage.\n" {
		t.Fatalf("bin/hotcode eval without an expression: %d %q", status, errOut)
	}
	if _, errOut, status := r.bin("downgrade", "--bogus", "0.1.0"); status != 2 || !strings.HasSuffix(errOut, "Run 'hotcode downgrade --help' for usage.\n") {
		t.Fatalf("bin/hotcode downgrade --bogus: %d %q", status, errOut)
	}

	out = r.mustBin("downgrade", "0.1.0")
	if !strings.Contains(out, "downgrade of hotcode 0.2.0 -> 0.1.0") {
		t.Fatalf("downgrade said:\n%s", out)
	}
	if got := r.mustBin("eval", addMoney(1)); !strings.Contains(got, `"1 added to blackode "`) {
		t.Fatalf("AddMoney after the downgrade said %q", got)
	}
	if got := r.mustBin("eval", `:sys.get_state "boss"`); !strings.Contains(got, `"money": 750001`) {
		t.Fatalf("state after the downgrade: %s", got)
	}
}

// hotUpgradeRefused checks that a hot upgrade to vsn is refused because
// it needs a new binary, and the node runs on.
func (r *relTest) hotUpgradeRefused(t *testing.T, vsn string) {
	_, errOut, status := r.bin("upgrade", vsn)
	if status != 1 || !strings.Contains(errOut, "release needs a new node binary") || !strings.Contains(errOut, "github.com/BurntSushi/toml") {
		t.Fatalf("hot upgrade to a release needing a new binary: %d %q", status, errOut)
	}
	if out := r.mustBin("ping"); out != "pong\n" {
		t.Fatalf("ping after the refused upgrade: %q", out)
	}
}
