//go:build !amd64

package vec

const haveAVX2 = false

func div255x32(dst *float32, src *byte, n int) { panic("vec: no AVX2") }

func sqDiff16(y, x *float32, n int) float64 { panic("vec: no AVX2") }

func sigmoid8(dst, src *float32, n int) { panic("vec: no AVX2") }

func tanh8(dst, src *float32, n int) { panic("vec: no AVX2") }

func sum16(x *float32, n int) float64 { panic("vec: no AVX2") }

func sqDev16(x *float32, mu float64, n int) float64 { panic("vec: no AVX2") }

func sumDot8(dy, x *float32, mu float64, n int) (sum, dot float64) { panic("vec: no AVX2") }

func addReLU8(dst, b *float32, n int, relu bool) { panic("vec: no AVX2") }

func relu8(dst, src *float32, n int) { panic("vec: no AVX2") }

func reluGrad8(dx, dy, y *float32, n int) { panic("vec: no AVX2") }

func scaledDiff8(dst, y, t *float32, c float32, n int) { panic("vec: no AVX2") }

func accumulate8(acc *float64, x *float32, n int) { panic("vec: no AVX2") }

func addConstReLU8(x *float32, b float32, n int, relu bool) { panic("vec: no AVX2") }
