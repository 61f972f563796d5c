package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gexdev/gex/shell/attach"
)

// TestSessionCapKeepsControl: a node holding as many attached sessions
// as --max-sessions allows still answers ping, pid and stop; one more
// session is refused, saying why, and the node's log says so once.
func TestSessionCapKeepsControl(t *testing.T) {
	const max = 8
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "capped", dir, "--max-sessions", strconv.Itoa(max))
	for range max {
		c, err := attach.Attach(context.Background(), d.file(".sock"), attach.ClientOptions{})
		if err != nil {
			t.Fatalf("session within the cap: %v", err)
		}
		defer c.Close()
	}
	if out, errOut, status := d.node("ping"); status != 0 || out != "pong\n" {
		t.Errorf("ping with %d sessions held: %q %q, status %d", max, out, errOut, status)
	}
	if out, errOut, status := d.node("pid"); status != 0 || !regexp.MustCompile(`^\d+\n$`).MatchString(out) {
		t.Errorf("pid with %d sessions held: %q %q, status %d", max, out, errOut, status)
	}
	want := "already has 8 sessions attached, the most it takes; try again later"
	if _, errOut, status := d.node("eval", "1 + 1"); status != 1 || !strings.Contains(errOut, want) {
		t.Errorf("node eval beyond the cap: status %d, %q", status, errOut)
	}
	term := d.attach()
	term.expect(regexp.QuoteMeta(want))
	if err := waitExit(term); exitCode(err) != 1 {
		t.Errorf("node attach beyond the cap exited with %v, want status 1", err)
	}
	if out, errOut, status := d.node("stop"); status != 0 || !strings.Contains(out, "stopped") {
		t.Errorf("stop with %d sessions held: %q %q, status %d", max, out, errOut, status)
	}
	log, _ := os.ReadFile(d.file(".log"))
	if n := strings.Count(string(log), "refusing sessions beyond the session limit"); n != 1 {
		t.Errorf("two refused sessions logged in %d lines, want 1:\n%s", n, log)
	}
}

// TestAttachToldNodeStopped: a console attached to a node that stops says
// so at once and exits with status 3, whether it sits at its prompt or
// waits for a long evaluation.
func TestAttachToldNodeStopped(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	for _, tt := range []struct {
		name string
		line string // typed before the node stops; "" for none
	}{
		{"idle", ""},
		{"busy", "time.Sleep(time.Hour)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := startDaemon(t, tt.name, dir)
			term := d.attach("NO_COLOR=1")
			term.expect(`\)1> `)
			if tt.line != "" {
				term.typ(tt.line + "\r")
				term.expect(regexp.QuoteMeta(tt.line) + `\r?\n`)
				time.Sleep(200 * time.Millisecond) // the evaluation is under way
			}
			stopped := make(chan string, 1)
			go func() {
				out, errOut, _ := d.node("stop")
				stopped <- out + errOut
			}()
			term.expect(`node ` + tt.name + `@\S+ stopped\r?\n`)
			if err := waitExit(term); exitCode(err) != 3 {
				t.Errorf("node attach exited with %v, want status 3", err)
			}
			if out := <-stopped; !strings.Contains(out, "stopped") {
				t.Errorf("node stop said %q", out)
			}
			term.mu.Lock()
			all := term.out.String()
			term.mu.Unlock()
			for _, bad := range []string{"broken pipe", "(interrupted)", "** (error)"} {
				if strings.Contains(all, bad) {
					t.Errorf("the console showed %q:\n%s", bad, all)
				}
			}
		})
	}
}

// TestConcurrentStarts is the loop: four node start of one node at
// once start one daemon, and only its start says so; the others say they
// lost and exit with status 1.
func TestConcurrentStarts(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/kv")
	d := newDaemon(t, "r")
	type result struct {
		out    string
		status int
	}
	results := make(chan result, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errOut, status := d.node("start", dir)
			results <- result{out + errOut, status}
		}()
	}
	wg.Wait()
	close(results)
	pidOut, _, _ := d.node("pid")
	started := regexp.MustCompile(`^node r@\S+ started \(pid (\d+)\), log `)
	wins := 0
	for r := range results {
		if m := started.FindStringSubmatch(r.out); m != nil {
			wins++
			if r.status != 0 || m[1]+"\n" != pidOut {
				t.Errorf("the winning start: status %d, pid %s; the node's pid is %q", r.status, m[1], pidOut)
			}
			continue
		}
		if r.status != 1 || !strings.Contains(r.out, "started meanwhile by another node start") &&
			!strings.Contains(r.out, "is already running (pid "+strings.TrimSpace(pidOut)+")") {
			t.Errorf("a losing start: status %d, %q", r.status, r.out)
		}
	}
	if wins != 1 {
		t.Errorf("%d starts said they started the node", wins)
	}
}

// TestCtrlCStopsLongOutput: Ctrl-C interrupts an evaluation while a long
// output streams to an attached console, and the console goes on.
func TestCtrlCStopsLongOutput(t *testing.T) {
	dir, _ := filepath.Abs("../../examples/demo_server")
	d := startDaemon(t, "flood", dir)
	term := d.attach("NO_COLOR=1")
	term.expect(`\)1> `)
	term.typ(`for i := 0; i < 1<<20; i++ { fmt.Print(strings.Repeat("x", 1024)) }` + "\r") // 1 GiB
	for range 64 {
		term.expect(`x{1000}`) // 64 KB of it on the screen
	}
	term.typ("\x03")
	term.expect(`\*\* \(interrupted\)`)
	term.expect(`\)2> `)
	term.mu.Lock()
	n := term.out.Len()
	term.mu.Unlock()
	if n > 256<<20 {
		t.Errorf("the console printed %d MiB of a 1 GiB output interrupted early", n>>20)
	}
	t.Logf("printed %d KiB before the interrupt took", n>>10)
	term.typ("1 + 1\r")
	term.expect(`\n2\r?\n`)
	term.leave()
}

// waitExit waits for node on the terminal to exit.
func waitExit(term *terminal) error {
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		term.t.Fatal("node did not exit")
	}
	return term.cmd.Wait()
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
