//go:build !amd64

package vec

const haveAVX2 = false

func div255x32(dst *float32, src *byte, n int) { panic("vec: no AVX2") }

func sqDiff16(y, x *float32, n int) float64 { panic("vec: no AVX2") }
