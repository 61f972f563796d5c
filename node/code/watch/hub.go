package watch

import (
	"fmt"
	"slices"
	"sync"

	"github.com/gexdev/gex/node/code"
)

// Events are published per code server, not per watcher, so that a
// session subscribes once, when it starts, and sees the reloads of any
// watcher of its node: one started by node start --watch before the
// session attached, or by the watch helper in another session after.

// hubs holds, per code server, its subscribers and its running watcher.
// An entry lives while it has either.
var hubs = struct {
	sync.Mutex
	m map[*code.Server]*hub
}{m: make(map[*code.Server]*hub)}

type hub struct {
	subs map[int]func(Event)
	next int
	w    *Watcher // the running watcher; nil if none
}

// Subscribe calls f with every event of the watchers of cs, from now on,
// until cancel is called. f runs on the watcher's goroutine, one event
// at a time, in order: it must return promptly (a subscriber that may
// block, such as one writing to a remote terminal, hands the event on to
// a goroutine of its own), and must not call the watcher's Force or
// Close, which wait for that goroutine. A panic in f is recovered and
// logged.
func Subscribe(cs *code.Server, f func(Event)) (cancel func()) {
	hubs.Lock()
	defer hubs.Unlock()
	h := hubOf(cs)
	id := h.next
	h.next++
	h.subs[id] = f
	var once sync.Once
	return func() {
		once.Do(func() {
			hubs.Lock()
			defer hubs.Unlock()
			delete(h.subs, id)
			drop(cs, h)
		})
	}
}

// Notify is Subscribe with a channel: it returns a channel that receives
// the events of cs, buffered for n of them, and what ends the subscription
// and closes the channel. An event that finds the buffer full is dropped
// rather than hold up the watcher: a console session busy with a long
// evaluation misses notices, not reloads.
func Notify(cs *code.Server, n int) (events <-chan Event, cancel func()) {
	ch := make(chan Event, n)
	var mu sync.Mutex // orders sends with the close
	closed := false
	unsubscribe := Subscribe(cs, func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return // cancelled while this event was being published
		}
		select {
		case ch <- ev:
		default:
		}
	})
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			unsubscribe()
			mu.Lock()
			closed = true
			close(ch)
			mu.Unlock()
		})
	}
}

// Running returns the watcher of cs, or nil if none runs.
func Running(cs *code.Server) *Watcher {
	hubs.Lock()
	defer hubs.Unlock()
	if h := hubs.m[cs]; h != nil {
		return h.w
	}
	return nil
}

// hubOf returns the hub of cs, making it. Called with hubs held.
func hubOf(cs *code.Server) *hub {
	h := hubs.m[cs]
	if h == nil {
		h = &hub{subs: make(map[int]func(Event))}
		hubs.m[cs] = h
	}
	return h
}

// drop forgets h once nothing uses it. Called with hubs held.
func drop(cs *code.Server, h *hub) {
	if len(h.subs) == 0 && h.w == nil {
		delete(hubs.m, cs)
	}
}

// claim records w as the watcher of its code server.
func claim(w *Watcher) error {
	hubs.Lock()
	defer hubs.Unlock()
	h := hubOf(w.cs)
	if h.w != nil {
		return fmt.Errorf("%w: code path %v", ErrWatching, h.w.roots)
	}
	h.w = w
	return nil
}

// release forgets w as the watcher of its code server.
func release(w *Watcher) {
	hubs.Lock()
	defer hubs.Unlock()
	if h := hubs.m[w.cs]; h != nil && h.w == w {
		h.w = nil
		drop(w.cs, h)
	}
}

// publish hands ev to every subscriber of w's code server.
func publish(w *Watcher, ev Event) {
	hubs.Lock()
	h := hubs.m[w.cs]
	var subs []func(Event)
	if h != nil {
		ids := make([]int, 0, len(h.subs))
		for id := range h.subs {
			ids = append(ids, id)
		}
		slices.Sort(ids) // in subscription order
		for _, id := range ids {
			subs = append(subs, h.subs[id])
		}
	}
	hubs.Unlock()
	for _, f := range subs {
		deliver(w, f, ev)
	}
}

// deliver calls f, recovering a panic: a subscriber's bug must not stop
// the watcher, nor kill the node (this goroutine is no process).
func deliver(w *Watcher, f func(Event), ev Event) {
	defer func() {
		if r := recover(); r != nil {
			w.n.Logger().Error("watch: a subscriber panicked", "panic", fmt.Sprint(r))
		}
	}()
	f(ev)
}
