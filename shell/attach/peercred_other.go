//go:build !linux && !darwin && !freebsd

package attach

import (
	"fmt"
	"runtime"
)

// Without a way to learn the peer's user the node cannot keep its promise
// that only its user may attach, so it refuses everyone.
func sockPeerCred(int) (Cred, error) {
	return Cred{}, fmt.Errorf("not supported on %s", runtime.GOOS)
}
