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

// sigmoid8 is Sigmoid on n elements, n a positive multiple of 8, in float32:
// 1/(1+exp(-x)) with Cephes' expf.
//
//go:noescape
func sigmoid8(dst, src *float32, n int)

// tanh8 is Tanh on n elements, n a positive multiple of 8, in float32:
// Cephes' tanhf, an odd polynomial below 0.625 in magnitude and
// (1-exp(-2|x|))/(1+exp(-2|x|)) with x's sign above.
//
//go:noescape
func tanh8(dst, src *float32, n int)

// sum16 is Sum on n elements, n a positive multiple of 16, in four lanes of
// four float64 partial sums.
//
//go:noescape
func sum16(x *float32, n int) float64

// sqDev16 is SqDev on n elements, n a positive multiple of 16, in four
// lanes of four float64 partial sums.
//
//go:noescape
func sqDev16(x *float32, mu float64, n int) float64

// sumDot8 is SumDot on n elements, n a positive multiple of 8, in two lanes
// of four float64 partial sums each.
//
//go:noescape
func sumDot8(dy, x *float32, mu float64, n int) (sum, dot float64)

// addReLU8 is AddReLU on n elements, n a positive multiple of 8.
//
//go:noescape
func addReLU8(dst, b *float32, n int, relu bool)

// relu8 is ReLU on n elements, n a positive multiple of 8.
//
//go:noescape
func relu8(dst, src *float32, n int)

// reluGrad8 is ReLUGrad on n elements, n a positive multiple of 8.
//
//go:noescape
func reluGrad8(dx, dy, y *float32, n int)

// scaledDiff8 is ScaledDiff on n elements, n a positive multiple of 8.
//
//go:noescape
func scaledDiff8(dst, y, t *float32, c float32, n int)

// accumulate8 is Accumulate on n elements, n a positive multiple of 8.
//
//go:noescape
func accumulate8(acc *float64, x *float32, n int)

// addConstReLU8 is AddConstReLU on n elements, n a positive multiple of 8.
//
//go:noescape
func addConstReLU8(x *float32, b float32, n int, relu bool)
