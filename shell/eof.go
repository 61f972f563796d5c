//go:build linux || darwin || freebsd

package shell

import "golang.org/x/sys/unix"

// literalEOF makes the terminal on fd pass Ctrl-D on as a key while the
// console is not reading a line (readline keeps the terminal cooked while
// an evaluation runs). Cooked, a Ctrl-D typed during an evaluation would
// reach the next prompt as an end of file, which ends readline's reader
// for good and hangs the console; as a key it means what it means at the
// prompt: leave. It returns what puts the terminal back.
func literalEOF(fd int) (restore func()) {
	orig, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return func() {}
	}
	t := *orig
	t.Cc[unix.VEOF] = 0 // _POSIX_VDISABLE
	if unix.IoctlSetTermios(fd, ioctlSetTermios, &t) != nil {
		return func() {}
	}
	return func() { unix.IoctlSetTermios(fd, ioctlSetTermios, orig) }
}
