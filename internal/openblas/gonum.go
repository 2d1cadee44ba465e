//go:build !(cgo && openblas)

package openblas

import "gonum.org/v1/gonum/blas/gonum"

var (
	impl BLAS = gonum.Implementation{}
	name      = "gonum"
)

// SetThreads does nothing: gonum's matrix products are serial.
func SetThreads(n int) {}

// Threads returns 1: gonum's matrix products are serial.
func Threads() int { return 1 }

// Relaunch says no: gonum has no kernels to choose.
func Relaunch() ([]string, bool) { return nil, false }
