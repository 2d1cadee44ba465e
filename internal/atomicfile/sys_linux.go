package atomicfile

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// exchange swaps the names a and b in one atomic rename (renameat2 with
// RENAME_EXCHANGE); errNoExchange when the kernel or file system cannot.
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTSUP) {
		return errNoExchange
	}
	return err
}

// alive reports whether the process pid exists (it may belong to another
// user: only its absence counts).
func alive(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
