package code_test

import (
	"fmt"
	"testing"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// BenchmarkTierUp is `r KV` with tier-up on, up to the first call
// answered by the native version: the interpreted load, the native build
// of source Go's build cache has not seen (the plugin link), the switch
// and one call.
func BenchmarkTierUp(b *testing.B) {
	dir := b.TempDir()
	n, s, events := startTierUp(b)
	write(b, dir, "kv.go", kvSrc("0", ""))
	s.AddPath(dir)
	must[*code.LoadResult](b)(s.Load("KV"))
	nextEvent(b, events)
	pid := must[node.PID](b)(n.StartServer("kv", nil, node.Named("KV")))
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		write(b, dir, "kv.go", kvSrc("0", fmt.Sprintf("// edit %d\n", i)))
		b.StartTimer()
		must[*code.LoadResult](b)(s.Reload("KV"))
		if ev := nextEvent(b, events); ev.Err != nil || ev.Module.Tier != code.Native {
			b.Fatalf("tier-up: %+v", ev)
		}
		must[any](b)(n.Call(pid, []any{"vsn"}))
	}
}
