package optim

import "golang.org/x/sys/cpu"

// haveAdam16 says the CPU and the OS have AVX-512, which adam16 needs.
var haveAdam16 = cpu.X86.HasAVX512F

// adam16 is adamKernel.update on n elements, n a multiple of 16, sixteen
// at a time: each product, fused multiply-add, square root, quotient and
// sum rounded once to float32, as update rounds them.
//
//go:noescape
func adam16(k *adamKernel, p, gr, m, v *float32, n int)

// sgd16 is SGD.update with momentum on n elements, n a multiple of 16,
// sixteen at a time, rounded as update rounds: b = b*mom + g in two
// roundings (b = g on the first step), d = b, or b*mom + g in one rounding
// with nesterov, and p = d*negLR + p in one.
//
//go:noescape
func sgd16(p, gr, b *float32, n int, negLR, mom float32, first, nesterov bool)
