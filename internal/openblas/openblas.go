// Package openblas selects the BLAS that zoo's training runs on: OpenBLAS's
// sgemm and dgemm through cgo when zoo is built with the openblas build tag
// (go build -tags openblas; Debian's libopenblas-dev provides the library),
// and gonum's pure-Go BLAS otherwise. Every routine other than the two
// matrix products is gonum's in both cases.
//
// Matrix products are where training spends its time; gonum's kernels are
// serial and reach a few GFLOPS per core, OpenBLAS's use every core with
// vector instructions.
//
// With OpenBLAS, Relaunch tells a program whether to start again with the
// kernel KernelFor chooses, as cmd/zoo does first thing; Name reports the
// kernel in use and whether zoo chose it.
package openblas

import (
	"strings"

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

// CoreTypeEnv is the environment variable that names the kernel OpenBLAS
// runs. When it is set, zoo leaves OpenBLAS's choice alone.
const CoreTypeEnv = "OPENBLAS_CORETYPE"

// detectedEnv names, in a program started again by Relaunch's
// environment, the kernel OpenBLAS had detected before.
const detectedEnv = "ZOO_OPENBLAS_DETECTED"

// fallbackKernel is the kernel an x86-64 OpenBLAS falls back to on a CPU
// model it does not know.
const fallbackKernel = "Prescott"

// Features are the vector instruction sets of a CPU that select an
// OpenBLAS kernel.
type Features struct {
	AVX2       bool // AVX2 and FMA
	AVX512     bool // AVX-512 F, BW, VL, DQ and CD, with the OS saving the registers
	AVX512BF16 bool // AVX-512 BF16
}

// KernelFor returns the OpenBLAS kernel zoo makes OpenBLAS run instead of
// the detected one, or "" to keep it. OpenBLAS picks its kernel from the
// CPU's model number, and a release older than the CPU does not know it:
// OpenBLAS 0.3.21 falls back to its SSE3 kernel (Prescott) on Intel's
// Sapphire and Emerald Rapids, four to five times slower in sgemm than its
// AVX-512 kernels there. zoo then picks the kernel the CPU's instruction
// sets allow, as a newer OpenBLAS would: Cooperlake with AVX-512 BF16,
// SkylakeX with AVX-512, Haswell with AVX2. A kernel the user pinned with
// OPENBLAS_CORETYPE (pinned) and any kernel other than the fallback are
// kept.
func KernelFor(detected string, pinned bool, f Features) string {
	if pinned || !strings.EqualFold(detected, fallbackKernel) {
		return ""
	}
	switch {
	case f.AVX512 && f.AVX512BF16:
		return "Cooperlake"
	case f.AVX512:
		return "SkylakeX"
	case f.AVX2:
		return "Haswell"
	}
	return ""
}
