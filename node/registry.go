package node

import "fmt"

// AlreadyStartedError reports a start or Register under a name another
// process holds, and which process that is.
type AlreadyStartedError struct {
	Name string
	PID  PID
}

func (e *AlreadyStartedError) Error() string {
	return fmt.Sprintf("name %q already registered to %v", e.Name, e.PID)
}

func (e *AlreadyStartedError) Unwrap() error { return ErrNameTaken }

// Register gives pid the name, so Name(name) reaches it.
func (n *Node) Register(name string, pid PID) error {
	p := n.lookup(pid)
	if p == nil {
		return &CallError{Op: "register", Dest: pid, Err: ErrNoProc}
	}
	return n.register(name, p)
}

func (n *Node) register(name string, p *process) error {
	if name == "" {
		return fmt.Errorf("register: empty name")
	}
	n.regMu.Lock()
	defer n.regMu.Unlock()
	if q, ok := n.names[name]; ok {
		return &AlreadyStartedError{Name: name, PID: q.pid}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return &CallError{Op: "register", Dest: p.pid, Err: ErrNoProc}
	}
	if p.name != "" {
		return fmt.Errorf("register: %v already registered as %q", p.pid, p.name)
	}
	p.name = name
	n.names[name] = p
	return nil
}

// Unregister removes a name.
func (n *Node) Unregister(name string) {
	n.regMu.Lock()
	p, ok := n.names[name]
	delete(n.names, name)
	n.regMu.Unlock()
	if ok {
		p.mu.Lock()
		p.name = ""
		p.mu.Unlock()
	}
}

func (n *Node) unregisterProc(name string, p *process) {
	if name == "" {
		return
	}
	n.regMu.Lock()
	if n.names[name] == p {
		delete(n.names, name)
	}
	n.regMu.Unlock()
}

// Whereis returns the process registered under name.
func (n *Node) Whereis(name string) (PID, bool) {
	p := n.resolve(Name(name))
	if p == nil {
		return PID{}, false
	}
	return p.pid, true
}

// Registered returns all registered names.
func (n *Node) Registered() []string {
	n.regMu.RLock()
	defer n.regMu.RUnlock()
	out := make([]string, 0, len(n.names))
	for name := range n.names {
		out = append(out, name)
	}
	return out
}

// Send delivers msg to dest's mailbox. Like Erlang's send it does not fail
// for a PID that is gone; it reports an error for a name nobody holds.
func (n *Node) Send(dest Dest, msg any) error {
	p := n.resolve(dest)
	if p == nil {
		if _, ok := dest.(Name); ok {
			return &CallError{Op: "send", Dest: dest, Err: ErrNoProc}
		}
		return nil
	}
	p.deliver(envelope{kind: kindInfo, msg: msg})
	return nil
}
