//go:build !(cgo && openblas)

package openblas

import "gonum.org/v1/gonum/blas/gonum"

var (
	impl BLAS = gonum.Implementation{}
	name      = "gonum"
)
