package attach

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// Cred identifies the process at the other end of a unix socket, as the
// kernel reports it (not as the peer claims).
type Cred struct {
	PID int // 0 where the platform does not say
	UID int
	GID int
}

// PeerCred returns the credentials of the process connected to c, which
// must be a unix socket connection.
func PeerCred(c net.Conn) (Cred, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return Cred{}, fmt.Errorf("peer credentials: %T is not a socket", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	var cred Cred
	var credErr error
	if err := raw.Control(func(fd uintptr) { cred, credErr = sockPeerCred(int(fd)) }); err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", credErr)
	}
	return cred, nil
}

// SameUser is the default check of a Server: it admits only processes of
// the user the node runs as. Root gets no exception: a root client can
// switch to the node's user, and refusing it keeps the rule one line.
func SameUser(c Cred) error {
	return allowUID(os.Geteuid())(c)
}

// allowUID returns a check admitting only uid, worded for both ends.
func allowUID(uid int) func(Cred) error {
	return func(c Cred) error {
		if c.UID == uid {
			return nil
		}
		return &PeerError{UID: c.UID, Owner: uid}
	}
}
