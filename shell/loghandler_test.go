package shell

import (
	"bytes"
	"log/slog"
	"regexp"
	"testing"
)

func TestLogHandler(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(NewLogHandler(&out, nil))
	log.Debug("not shown")
	log.Error("process exited", "pid", "#PID<0.2.0>", "reason", "panic: kv.go:3:1: boom", "stack", "goroutine 7 [running]: ...")
	log.With("module", "kv").WithGroup("req").Info("KV: Handling get request", "key", "a")
	want := regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} \[error\] process exited pid=#PID<0.2.0> reason="panic: kv.go:3:1: boom"\n` +
		`\d\d:\d\d:\d\d\.\d{3} \[info\] KV: Handling get request module=kv req.key=a\n$`)
	if !want.MatchString(out.String()) {
		t.Fatalf("log:\n%s", out.String())
	}
}
