package vec

import "golang.org/x/sys/cpu"

// haveAVX2 says the CPU and the OS have AVX2 and FMA, which the assembly
// kernels need.
var haveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// div255x32 is div255Go on n elements, n a positive multiple of 32: each
// quotient by VDIVPS, correctly rounded as Go's division is.
//
//go:noescape
func div255x32(dst *float32, src *byte, n int)

// sqDiff16 is SqDiff on n elements, n a positive multiple of 16, in four
// lanes of four float64 partial sums.
//
//go:noescape
func sqDiff16(y, x *float32, n int) float64
