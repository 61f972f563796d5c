package node

// envelope is one entry of a mailbox: a message, a call, a cast or a
// system request. It is passed by value to keep idle mailboxes small.
type envelope struct {
	kind envKind
	msg  any
	call *call // kindCall and system requests answer through it
	from PID   // sender of an exit signal
	sys  sysOp // kind == kindSys
}

type envKind uint8

const (
	kindInfo   envKind = iota // a plain message: Send
	kindCall                  // GenServer call
	kindCast                  // GenServer cast
	kindSys                   // system request (sys.go)
	kindSignal                // exit signal from a link or Exit
)

// queue is a FIFO of envelopes backed by a ring buffer. An empty queue
// holds no buffer, so an idle process costs no mailbox memory.
type queue struct {
	buf  []envelope
	head int
	n    int
}

func (q *queue) len() int { return q.n }

func (q *queue) push(e envelope) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = e
	q.n++
}

func (q *queue) pop() (envelope, bool) {
	if q.n == 0 {
		return envelope{}, false
	}
	e := q.buf[q.head]
	q.buf[q.head] = envelope{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	if q.n == 0 {
		q.reset()
	}
	return e, true
}

// reset drops a large buffer once drained so one burst does not pin memory,
// and keeps a small one to spare the allocator on busy processes.
func (q *queue) reset() {
	q.head = 0
	if len(q.buf) > 4 {
		q.buf = nil
	}
}

func (q *queue) grow() {
	size := 2 * len(q.buf)
	if size == 0 {
		size = 4
	}
	buf := make([]envelope, size)
	for i := 0; i < q.n; i++ {
		buf[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = buf, 0
}

// drain empties the queue and returns what it held, in order.
func (q *queue) drain() []envelope {
	out := make([]envelope, 0, q.n)
	for {
		e, ok := q.pop()
		if !ok {
			return out
		}
		out = append(out, e)
	}
}

// each calls f on every queued envelope in order without removing them.
func (q *queue) each(f func(envelope)) {
	for i := 0; i < q.n; i++ {
		f(q.buf[(q.head+i)%len(q.buf)])
	}
}
