//go:build darwin || freebsd

package attach

import "golang.org/x/sys/unix"

func sockPeerCred(fd int) (Cred, error) {
	x, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return Cred{}, err
	}
	c := Cred{UID: int(x.Uid)}
	if x.Ngroups > 0 {
		c.GID = int(x.Groups[0])
	}
	return c, nil
}
