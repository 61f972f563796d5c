package code_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
	"github.com/gexdev/gex/node/code/native"
)

// builder is the native builder the package's tests share, with a plugin
// cache of their own for the test run.
var builder *native.Builder

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gex-code-test-")
	if err != nil {
		panic(err)
	}
	builder = native.New(native.Options{CacheDir: dir})
	rc := m.Run()
	os.RemoveAll(dir)
	os.Exit(rc)
}

// tiers are the two ways a version runs: the table dimension of the tests
// that must hold on both.
var tiers = []code.Tier{code.Interpreted, code.Native}

// needNative skips t where native versions cannot be built (no C
// compiler, ...), saying why.
func needNative(t testing.TB) {
	t.Helper()
	if err := builder.Check(context.Background()); err != nil {
		t.Skipf("no native versions here: %v", err)
	}
}

// startTier returns a node and a code server that loads versions in tier.
func startTier(t testing.TB, tier code.Tier) (*node.Node, *code.Server, *logBuffer) {
	t.Helper()
	if tier == code.Native {
		needNative(t)
	}
	return start(t, code.Options{Tier: tier, Native: builder})
}

// loadTier loads the module source text written to dir/name in tier,
// whatever the server's default.
func loadTier(t testing.TB, s *code.Server, tier code.Tier, dir, name, text string) *code.LoadResult {
	t.Helper()
	src := must[*code.Source](t)(code.ReadSource(write(t, dir, name, text)))
	var obj *code.Object
	if tier == code.Native {
		needNative(t)
		obj = must[*code.Object](t)(s.CompileNative(context.Background(), src))
	} else {
		obj = must[*code.Object](t)(s.Compile(src))
	}
	return must[*code.LoadResult](t)(s.Install(obj))
}

// TestTierTwoVersions runs the two-version rule with the server's loads
// in each tier: the next message runs the new code, the third version
// purges the first, and Info says which tier each version runs and what
// the native versions hold mapped.
func TestTierTwoVersions(t *testing.T) {
	for _, tier := range tiers {
		t.Run(tier.String(), func(t *testing.T) {
			dir := t.TempDir()
			n, s, _ := startTier(t, tier)
			load := func(vsn string) *code.LoadResult {
				t.Helper()
				res := must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc(vsn, ""))))
				if res.Fallback != nil || res.Module.Tier != tier {
					t.Fatalf("load of vsn %s: tier %v, fallback %v; want %v", vsn, res.Module.Tier, res.Fallback, tier)
				}
				return res
			}
			load("0")
			pid := must[node.PID](t)(n.StartServer("kv", nil))
			must[any](t)(n.Call(pid, []any{"put", "a", 1}))
			res := load("1")
			if res.Replaced == nil || res.Replaced.Vsn != "0" || res.Module.OldVsn != "0" || res.Module.OldTier != tier {
				t.Fatalf("second load: %+v", res)
			}
			if v := must[any](t)(n.Call(pid, []any{"vsn"})); v != "1" {
				t.Fatalf("the next call ran vsn %v", v)
			}
			if v := must[any](t)(n.Call(pid, []any{"get", "a"})); v != 1 {
				t.Fatalf("state lost across the load: %v", v)
			}
			res = load("2")
			if res.Purged == nil || res.Purged.Vsn != "0" {
				t.Fatalf("third load purged %+v", res.Purged)
			}
			in := must[code.ModuleInfo](t)(s.Info("kv"))
			all := s.AllLoaded()
			if len(all) != 1 || all[0].Tier != tier || all[0].Mapped != in.Mapped {
				t.Fatalf("AllLoaded: %+v", all)
			}
			switch {
			case tier == code.Interpreted && in.Mapped != 0:
				t.Errorf("interpreted versions hold %d bytes mapped", in.Mapped)
			case tier == code.Native && in.Mapped < res.Purged.Mapped+res.Module.Mapped-in.Mapped:
				t.Errorf("mapped %d does not count the purged version", in.Mapped)
			case tier == code.Native && in.Mapped <= 0:
				t.Errorf("native versions hold %d bytes mapped", in.Mapped)
			}
			if _, err := s.Purge("kv"); err != nil {
				t.Fatal(err)
			}
			if after := must[code.ModuleInfo](t)(s.Info("kv")); after.Mapped != in.Mapped {
				t.Errorf("purge changed what is mapped: %d, was %d (plugins are never unmapped)", after.Mapped, in.Mapped)
			}
		})
	}
}

// doubleSrc is a module with a function other modules call.
func doubleSrc(vsn string, factor int) string {
	return fmt.Sprintf(`package double

const Vsn = %q

// Of multiplies.
func Of(x int) int { return %d * x }
`, vsn, factor)
}

// TestTierStableDispatch calls a module's function through its stub, from
// the console's side and from an importer in each tier, while it moves
// between tiers: each call reaches the current version.
func TestTierStableDispatch(t *testing.T) {
	for _, importer := range tiers {
		t.Run("importer-"+importer.String(), func(t *testing.T) {
			dir := t.TempDir()
			_, s, _ := startTier(t, code.Interpreted)
			loadTier(t, s, code.Interpreted, dir, "double.go", doubleSrc("1", 2))
			res := loadTier(t, s, importer, dir, "user.go", `package user

import "double"

func Ask(x int) int { return double.Of(x) }

func Label() string { return "built against " + double.Vsn }
`)
			if res.Module.Tier != importer {
				t.Fatalf("user loaded %v", res.Module.Tier)
			}
			of := fn[func(int) int](t, s, "double", "Of")
			ask := fn[func(int) int](t, s, "user", "Ask")
			for i, step := range []struct {
				tier   code.Tier
				factor int
			}{{code.Native, 3}, {code.Interpreted, 4}, {code.Native, 5}} {
				res := loadTier(t, s, step.tier, dir, "double.go", doubleSrc(fmt.Sprint(i+2), step.factor))
				if res.Module.Tier != step.tier {
					t.Fatalf("loaded %v, want %v", res.Module.Tier, step.tier)
				}
				if got := of(10); got != 10*step.factor {
					t.Errorf("%v: double.Of(10) through the stub = %d, want %d", step.tier, got, 10*step.factor)
				}
				if got := ask(10); got != 10*step.factor {
					t.Errorf("%v: user.Ask(10) = %d, want %d", step.tier, got, 10*step.factor)
				}
			}
			if got := fn[func() string](t, s, "user", "Label")(); got != "built against 1" {
				t.Errorf("Label() = %q: constants are those of the version compiled against", got)
			}
			if v := s.Exports()["double/double"]["Vsn"]; !v.IsValid() || v.Interface() != "4" {
				t.Errorf("the native version's Vsn as importers see it: %v", v)
			}
		})
	}
}

// TestTierCodeChange migrates a process's struct state from each tier to
// each tier (suspend, load, change code, resume), as
// TestMigrateStructState does within the interpreter.
func TestTierCodeChange(t *testing.T) {
	const v1 = `package emp

import "github.com/gexdev/gex/node"

const Vsn = "1"

type employee struct {
	Name  string
	money int
}

func Init(arg any) (any, error) { return &employee{Name: "blackode", money: 30000}, nil }

func HandleCall(req any, from node.From, state any) node.Result { return node.Reply(nil, state) }
`
	const v2 = `package emp

import (
	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/migrate"
)

const Vsn = "2"

type employee struct {
	Name   string
	Salary int
}

func CodeChange(oldVsn string, state any, extra any) (any, error) {
	m, err := migrate.Rename(state, "money", "salary")
	if err != nil {
		return nil, err
	}
	var e employee
	if err := migrate.Into(&e, m); err != nil {
		return nil, err
	}
	return &e, nil
}

func HandleCall(req any, from node.From, state any) node.Result {
	e := state.(*employee)
	e.Salary += req.(int)
	return node.Reply(e.Salary, e)
}
`
	for _, from := range tiers {
		for _, to := range tiers {
			t.Run(from.String()+"-to-"+to.String(), func(t *testing.T) {
				dir := t.TempDir()
				n, s, _ := startTier(t, code.Interpreted)
				sys := n.Sys()
				loadTier(t, s, from, dir, "emp.go", v1)
				pid := must[node.PID](t)(n.StartServer("emp", nil))
				sys.Suspend(pid)
				loadTier(t, s, to, dir, "emp.go", v2)
				if err := sys.ChangeCode(pid, "emp", "1", nil); err != nil {
					t.Fatal(err)
				}
				sys.Resume(pid)
				if got := must[any](t)(n.Call(pid, 1)); got != 30001 {
					t.Fatalf("salary = %v, want 30001", got)
				}
			})
		}
	}
}

// TestTierCodeChangeFails: a CodeChange that fails in either tier leaves
// the process on its old state, which the new code then serves.
func TestTierCodeChangeFails(t *testing.T) {
	for _, tier := range tiers {
		t.Run(tier.String(), func(t *testing.T) {
			dir := t.TempDir()
			n, s, _ := startTier(t, tier)
			must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("0", ""))))
			pid := must[node.PID](t)(n.StartServer("kv", nil))
			must[any](t)(n.Call(pid, []any{"put", "a", 1}))
			must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("1", `
func CodeChange(oldVsn string, state any, extra any) (any, error) {
	if extra == "panic" {
		panic("boom")
	}
	return nil, node.ErrNoModule
}
`))))
			sys := n.Sys()
			for _, extra := range []any{"error", "panic"} {
				sys.Suspend(pid)
				if err := sys.ChangeCode(pid, "kv", "0", extra); err == nil {
					t.Fatalf("a failing CodeChange (%v) succeeded", extra)
				}
				sys.Resume(pid)
				if v := must[any](t)(n.Call(pid, []any{"get", "a"})); v != 1 {
					t.Fatalf("state after a failed CodeChange (%v): %v", extra, v)
				}
			}
		})
	}
}

// TestTierFallback: a module asked to be native that cannot be (it calls a
// function whose signature holds an interpreted struct type, which Go
// source cannot name) is loaded interpreted, and the load says why.
func TestTierFallback(t *testing.T) {
	dir := t.TempDir()
	_, s, log := startTier(t, code.Native)
	loadTier(t, s, code.Interpreted, dir, "point.go", `package point

type point struct{ X, Y int }

func Make(x, y int) point { return point{x, y} }
`)
	res := must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "user.go", `package user

import "point"

func X() int { return point.Make(3, 4).X }
`)))
	if res.Module.Tier != code.Interpreted || !errors.Is(res.Fallback, native.ErrCompile) ||
		!strings.Contains(res.Fallback.Error(), "undefined: point.Make") {
		t.Fatalf("tier %v, fallback %v", res.Module.Tier, res.Fallback)
	}
	if got := fn[func() int](t, s, "user", "X")(); got != 3 {
		t.Fatalf("user.X() = %d", got)
	}
	if !strings.Contains(log.String(), "module loaded interpreted") || !strings.Contains(log.String(), "module=user") {
		t.Errorf("the fallback was not logged:\n%s", log)
	}
	_, plain, _ := start(t, code.Options{})
	src := must[*code.Source](t)(code.ReadSource(filepath.Join(dir, "user.go")))
	if _, err := plain.CompileNative(context.Background(), src); !errors.Is(err, code.ErrNoNative) {
		t.Errorf("CompileNative without a builder: %v", err)
	}
}

// startTierUp returns a code server that tiers up, and the channel its
// tier-up events arrive on.
func startTierUp(t testing.TB) (*node.Node, *code.Server, <-chan code.TierUpEvent) {
	t.Helper()
	needNative(t)
	events := make(chan code.TierUpEvent, 16)
	n, s, _ := start(t, code.Options{Native: builder, TierUp: true, OnTierUp: func(ev code.TierUpEvent) { events <- ev }})
	t.Cleanup(s.WaitTierUp)
	return n, s, events
}

func nextEvent(t testing.TB, events <-chan code.TierUpEvent) code.TierUpEvent {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(time.Minute):
		t.Fatal("no tier-up event")
		return code.TierUpEvent{}
	}
}

// TestTierUp loads KV interpreted, then switches it to native in the
// background: the server's state is carried over, the two-version rule
// counts the tiered-up version as the one it replaced.
func TestTierUp(t *testing.T) {
	dir := t.TempDir()
	n, s, events := startTierUp(t)
	res := must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("0", ""))))
	if res.Module.Tier != code.Interpreted {
		t.Fatalf("first load: %v", res.Module.Tier)
	}
	pid := must[node.PID](t)(n.StartServer("kv", nil))
	must[any](t)(n.Call(pid, []any{"put", "a", 1}))
	ev := nextEvent(t, events)
	if ev.Err != nil || ev.Module.Tier != code.Native || ev.Module.Vsn != "0" || ev.Module.OldVsn != "" {
		t.Fatalf("tier-up: %+v", ev)
	}
	if v := must[any](t)(n.Call(pid, []any{"get", "a"})); v != 1 {
		t.Fatalf("state after the tier-up: %v", v)
	}
	res = must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("1", ""))))
	if res.Replaced == nil || res.Replaced.Tier != code.Native || res.Module.Tier != code.Interpreted {
		t.Fatalf("second load: %+v", res)
	}
	if ev := nextEvent(t, events); ev.Err != nil || ev.Module.Vsn != "1" || ev.Module.OldTier != code.Native {
		t.Fatalf("second tier-up: %+v", ev)
	}
	if v := must[any](t)(n.Call(pid, []any{"vsn"})); v != "1" {
		t.Fatalf("vsn after the second tier-up: %v", v)
	}
	res = must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("2", ""))))
	if res.Purged == nil || res.Purged.Vsn != "0" {
		t.Fatalf("third load purged %+v", res.Purged)
	}
	nextEvent(t, events)
	if v := must[any](t)(n.Call(pid, []any{"get", "a"})); v != 1 {
		t.Fatalf("state after three loads: %v", v)
	}
}

// TestTierUpConvertsState: a server whose state is a struct of the
// interpreted version's own type is switched with its state converted,
// field by field, to the native version's type of the same fields; a state
// holding such types deeper (here in a map) keeps the interpreted version,
// and says why.
func TestTierUpConvertsState(t *testing.T) {
	const empSrc = `package emp

import "github.com/gexdev/gex/node"

type employee struct {
	Name  string
	money int
}

func Init(arg any) (any, error) {
	if arg == "map" {
		return map[string]*employee{"b": {Name: "blackode", money: 30000}}, nil
	}
	return &employee{Name: "blackode", money: 30000}, nil
}

func HandleCall(req any, from node.From, state any) node.Result {
	e, ok := state.(*employee)
	if !ok {
		e = state.(map[string]*employee)["b"]
	}
	e.money += req.(int)
	return node.Reply(e.money, state)
}
`
	for _, tc := range []struct {
		arg     string
		native  bool
		refusal string
	}{{"struct", true, ""}, {"map", false, "a type of the interpreted version"}} {
		t.Run(tc.arg, func(t *testing.T) {
			dir := t.TempDir()
			n, s, events := startTierUp(t)
			// Installed as compiled, without a tier-up, so that the server
			// runs before the load that tiers up.
			path := write(t, dir, "emp.go", empSrc)
			src := must[*code.Source](t)(code.ReadSource(path))
			must[*code.LoadResult](t)(s.Install(must[*code.Object](t)(s.Compile(src))))
			pid := must[node.PID](t)(n.StartServer("emp", tc.arg))
			if got := must[any](t)(n.Call(pid, 1)); got != 30001 {
				t.Fatalf("interpreted: %v", got)
			}
			must[*code.LoadResult](t)(s.LoadFile(path))
			ev := nextEvent(t, events)
			if tc.native != (ev.Err == nil) || tc.native != (ev.Module.Tier == code.Native) {
				t.Fatalf("tier-up: %+v", ev)
			}
			if !tc.native && !strings.Contains(ev.Err.Error(), tc.refusal) {
				t.Fatalf("refusal %v lacks %q", ev.Err, tc.refusal)
			}
			if got := must[any](t)(n.Call(pid, 1)); got != 30002 {
				t.Fatalf("after the tier-up: %v, want 30002", got)
			}
			st := must[any](t)(n.Sys().GetState(pid))
			if named := reflect.TypeOf(st).Kind() == reflect.Pointer && reflect.TypeOf(st).Elem().Name() == "employee"; named != tc.native {
				t.Errorf("state after the tier-up is %T", st)
			}
		})
	}
}

// TestTierRareSignature calls, across tiers, a function whose signature
// the host binary does not contain: the interpreter makes its type with
// reflect.FuncOf and the plugin brings its own copy, two reflect.Types for
// one signature. Stubs, importers and tier-ups treat them as the same.
func TestTierRareSignature(t *testing.T) {
	const src = `package rare

const Vsn = %q

func Pick(m map[string][]int8, k string) [3]uint16 { return [3]uint16{uint16(len(m[k])), %d} }
`
	dir := t.TempDir()
	_, s, _ := startTier(t, code.Interpreted)
	loadTier(t, s, code.Interpreted, dir, "rare.go", fmt.Sprintf(src, "1", 1))
	loadTier(t, s, code.Native, dir, "user.go", `package user

import "rare"

func Ask() uint16 { return rare.Pick(map[string][]int8{"a": {1, 2}}, "a")[1] }
`)
	pick := s.Exports()["rare/rare"]["Pick"]
	ask := fn[func() uint16](t, s, "user", "Ask")
	for i, tier := range []code.Tier{code.Native, code.Interpreted, code.Native} {
		loadTier(t, s, tier, dir, "rare.go", fmt.Sprintf(src, fmt.Sprint(i+2), i+2))
		out := pick.Call([]reflect.Value{reflect.ValueOf(map[string][]int8{"a": {1, 2, 3}}), reflect.ValueOf("a")})
		if got := out[0].Index(0).Uint(); got != 3 || out[0].Index(1).Uint() != uint64(i+2) {
			t.Errorf("%v: rare.Pick through the stub = %v", tier, out[0])
		}
		if got := ask(); got != uint16(i+2) {
			t.Errorf("%v: user.Ask() = %d, want %d", tier, got, i+2)
		}
	}
}

// forTiers runs test once in each tier, as subtests named by the tier.
func forTiers(t *testing.T, test func(t *testing.T, tier code.Tier)) {
	for _, tier := range tiers {
		t.Run(tier.String(), func(t *testing.T) { test(t, tier) })
	}
}

// TestTierUpUnavailable: on a host that cannot build native versions (no
// C compiler here), tier-up says so once and stops trying.
func TestTierUpUnavailable(t *testing.T) {
	t.Setenv("CC", "/nonexistent/gcc")
	events := make(chan code.TierUpEvent, 4)
	b := native.New(native.Options{CacheDir: t.TempDir()})
	_, s, log := start(t, code.Options{Native: b, TierUp: true, OnTierUp: func(ev code.TierUpEvent) { events <- ev }})
	dir := t.TempDir()
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("0", ""))))
	if ev := nextEvent(t, events); !errors.Is(ev.Err, native.ErrNoCgo) || ev.Module.Tier != code.Interpreted {
		t.Fatalf("tier-up without a C compiler: %+v", ev)
	}
	must[*code.LoadResult](t)(s.LoadFile(write(t, dir, "kv.go", kvSrc("1", ""))))
	s.WaitTierUp()
	select {
	case ev := <-events:
		t.Fatalf("a second tier-up was tried: %+v", ev)
	default:
	}
	if got := strings.Count(log.String(), "native builds unavailable"); got != 1 {
		t.Errorf("said %d times:\n%s", got, log)
	}
}
