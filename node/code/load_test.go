package code_test

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gexdev/gex/node/code"
)

// TestConcurrentFirstUseLoadsOnce: the resolver (and imports) load a module
// from the code path on first use. Concurrent first uses load it once, as
// Erlang's code server does, and wait for that load: copies of their own
// would become old code, and a third copy would purge the first (killing
// what it spawned).
func TestConcurrentFirstUseLoadsOnce(t *testing.T) {
	dir := t.TempDir()
	_, s, _ := start(t, code.Options{Path: []string{dir}})
	// init sleeps to widen the window a real compile of a larger module has.
	write(t, dir, "kv.go", strings.Replace(kvSrc("1", "func init() { time.Sleep(20 * time.Millisecond) }\n"),
		`import "github.com/gexdev/gex/node"`, "import (\n\t\"time\"\n\n\t\"github.com/gexdev/gex/node\"\n)", 1))
	gen := s.Generation()
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			if _, err := s.Module("kv"); err != nil {
				t.Error(err)
			}
		}()
	}
	close(begin)
	wg.Wait()
	in := must[code.ModuleInfo](t)(s.Info("kv"))
	if got := s.Generation() - gen; got != 1 || in.OldVsn != "" {
		t.Fatalf("8 concurrent first uses of kv: %d loads (generation +%d), old vsn %q; want 1 load, no old code",
			got, got, in.OldVsn)
	}
}

// TestInitStartingItselfLoadsOnce: a module whose init starts its own
// GenServer by name (an "application start" in init), loaded from the code
// path. The module is still loading, so the init's StartServer fails: it
// neither waits for the load it is part of (a deadlock) nor loads the module
// again, whose init would load it again... The depth guard stops that
// recursion after 3 nested loads, should it come back.
func TestInitStartingItselfLoadsOnce(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GEX_SELFSTART_DEPTH", "0")
	_, s, _ := start(t, code.Options{Path: []string{dir}})
	write(t, dir, "selfstart.go", `package selfstart

import (
	"os"
	"strconv"

	"github.com/gexdev/gex/node"
)

func init() {
	// Guard for the test only: stop the recursion after 3 nested loads.
	d, _ := strconv.Atoi(os.Getenv("GEX_SELFSTART_DEPTH"))
	if d >= 3 {
		return
	}
	os.Setenv("GEX_SELFSTART_DEPTH", strconv.Itoa(d+1))
	node.StartServer("selfstart", nil)
}
`)
	type result struct {
		res *code.LoadResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := s.Load("selfstart")
		done <- result{res, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Load of a module whose init starts it deadlocked")
	}
	inits := os.Getenv("GEX_SELFSTART_DEPTH")
	if r.err == nil && (r.res.Replaced != nil || r.res.Purged != nil || r.res.Module.OldVsn != "") {
		t.Fatalf("one Load of selfstart ran its init %s times, replaced %v, purged %v",
			inits, r.res.Replaced != nil, r.res.Purged != nil)
	}
}
