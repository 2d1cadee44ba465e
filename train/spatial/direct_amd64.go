package spatial

import "golang.org/x/sys/cpu"

// haveDirect says the CPU and the OS have AVX-512, which the direct
// convolution kernel conv16 needs.
var haveDirect = cpu.X86.HasAVX512F

// conv16 sets y[o*ldy + j] = sum over k < nk of wt[k*16 + o] * src[offs[k] + j]
// for o < 16 and j < n, a multiple of 16; nk must be positive. It reads
// src[offs[k] : offs[k]+n] and writes 16 rows of n values from y.
//
//go:noescape
func conv16(y, wt, src *float32, offs *int, nk, n, ldy int)

// wgrad8 adds to dw[i*16 + o] the sum over j < n of src[offs[i] + j] *
// swT[j*16 + o], for the 8 taps i < 8 and o < 16; n must be positive and
// even. It reads src[offs[i] : offs[i]+n] and swT[: 16n].
//
//go:noescape
func wgrad8(dw, swT, src *float32, offs *int, n int)
