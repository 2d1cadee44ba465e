//go:build unix

package sweep

import (
	"errors"
	"os"
	"syscall"
)

// flock takes an exclusive lock on f without waiting: it reports false
// when another open file holds one.
func flock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// locksWork reports whether this system has the locks of flock.
const locksWork = true
