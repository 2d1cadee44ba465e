// Package openblas selects the BLAS that zoo's training runs on: OpenBLAS's
// sgemm and dgemm through cgo when zoo is built with the openblas build tag
// (go build -tags openblas; Debian's libopenblas-dev provides the library),
// and gonum's pure-Go BLAS otherwise. Every routine other than the two
// matrix products is gonum's in both cases.
//
// Matrix products are where training spends its time; gonum's kernels are
// serial and reach a few GFLOPS per core, OpenBLAS's use every core with
// vector instructions.
package openblas

import (
	"gonum.org/v1/gonum/blas"
)

// BLAS is the full BLAS interface that gorgonia and its tensor package take
// in their Use functions.
type BLAS interface {
	blas.Float32
	blas.Float64
	blas.Complex64
	blas.Complex128
}

// Implementation returns the BLAS of this build: OpenBLAS-backed matrix
// products with the openblas tag, gonum's otherwise.
func Implementation() BLAS { return impl }

// Name says which BLAS Implementation returns: "gonum", or "openblas" with
// OpenBLAS's build configuration and the kernel it chose for this CPU
// (openblas_get_corename), such as "openblas (OpenBLAS 0.3.21 ... ; kernel
// Cooperlake)".
func Name() string { return name }
