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
