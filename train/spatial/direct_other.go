//go:build !amd64

package spatial

// haveDirect is false: the direct convolution kernel is written for amd64.
const haveDirect = false

func conv16(y, wt, src *float32, offs *int, nk, n, ldy int) { panic("spatial: conv16 without AVX-512") }

func wgrad8(dw, swT, src *float32, offs *int, n int) { panic("spatial: wgrad8 without AVX-512") }
