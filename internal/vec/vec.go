// Package vec holds element-wise loops of zoo's streaming inference and
// training, written once in plain Go and, where the CPU has it, with AVX2
// and FMA: the conversion of u8 pixels to float32 in [0, 1], the sum of
// squared differences of two float32 vectors, and float32 Sigmoid and
// Tanh.
//
// Div255 and SqDiff give the same results on every path. Sigmoid and Tanh
// do not: the plain Go path rounds float64 results, within half a unit in
// the last place (ulp), and the AVX2 path computes in float32, within a
// few ulp (see MaxULP); each path gives the same result for the same input
// every time.
package vec

import "math"

// Div255 sets dst[i] = float32(src[i]) / 255 for every i < len(dst), the
// quotient rounded once to float32 as Go rounds it; src must hold at least
// len(dst) bytes.
func Div255(dst []float32, src []byte) {
	src = src[:len(dst)]
	n := 0
	if haveAVX2 {
		n = len(dst) &^ 31
		if n > 0 {
			div255x32(&dst[0], &src[0], n)
		}
	}
	div255Go(dst[n:], src[n:])
}

func div255Go(dst []float32, src []byte) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(v) / 255
	}
}

// SqDiff returns the sum over i < len(y) of (y[i]-x[i])², each difference
// and square taken in float64 and summed in float64; x must hold at least
// len(y) elements. The order of the additions is not specified: results
// may differ from a sequential loop in the last bits.
func SqDiff(y, x []float32) float64 {
	x = x[:len(y)]
	n, s := 0, 0.0
	if haveAVX2 {
		n = len(y) &^ 15
		if n > 0 {
			s = sqDiff16(&y[0], &x[0], n)
		}
	}
	return s + sqDiffGo(y[n:], x[n:])
}

// sqDiffGo is SqDiff with four partial sums: a chain of dependent
// additions would hold the loop to one element per add latency.
func sqDiffGo(y, x []float32) float64 {
	x = x[:len(y)]
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(y); j += 4 {
		yy, xx := y[j:j+4:j+4], x[j:j+4:j+4]
		d0 := float64(yy[0]) - float64(xx[0])
		d1 := float64(yy[1]) - float64(xx[1])
		d2 := float64(yy[2]) - float64(xx[2])
		d3 := float64(yy[3]) - float64(xx[3])
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; j < len(y); j++ {
		d := float64(y[j]) - float64(x[j])
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// MaxULP bounds the error of Sigmoid and Tanh in units in the last place of
// the float32 result, against the exact value, for results of magnitude
// at least 1e-37 (Sigmoid's below that, for inputs under -85, are within
// 1e-37 of the exact value).
const MaxULP = 3

// Sigmoid sets dst[i] = 1/(1+exp(-src[i])) for every i < len(dst), with
// gorgonia's saturation: 1 for inputs above 15 and 0 below -88; a NaN
// stays NaN. src must hold at least len(dst) elements; dst may be src.
func Sigmoid(dst, src []float32) {
	apply(dst, src, sigmoid8, sigmoidGo)
}

// Tanh sets dst[i] = tanh(src[i]) for every i < len(dst); a NaN stays NaN.
// src must hold at least len(dst) elements; dst may be src.
func Tanh(dst, src []float32) {
	apply(dst, src, tanh8, tanhGo)
}

// apply runs kernel on the multiples of 8 of dst and src, and on the rest
// padded to 8, or plain on all of them without AVX2.
func apply(dst, src []float32, kernel func(dst, src *float32, n int), plain func(dst, src []float32)) {
	src = src[:len(dst)]
	if !haveAVX2 {
		plain(dst, src)
		return
	}
	n := len(dst) &^ 7
	if n > 0 {
		kernel(&dst[0], &src[0], n)
	}
	if n < len(dst) {
		var in, out [8]float32
		copy(in[:], src[n:])
		kernel(&out[0], &in[0], 8)
		copy(dst[n:], out[:])
	}
}

func sigmoidGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		switch {
		case x < -88:
			dst[i] = 0
		case x > 15:
			dst[i] = 1
		default:
			dst[i] = float32(1 / (1 + math.Exp(float64(-x))))
		}
	}
}

func tanhGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = float32(math.Tanh(float64(x)))
	}
}

// Sum returns the sum of x in float64. Like SqDiff's, the order of its
// additions is not specified.
func Sum(x []float32) float64 {
	n, s := 0, 0.0
	if haveAVX2 {
		n = len(x) &^ 15
		if n > 0 {
			s = sum16(&x[0], n)
		}
	}
	for _, v := range x[n:] {
		s += float64(v)
	}
	return s
}

// SqDev returns the sum over x of (x[i]-mu)², in float64. Like SqDiff's,
// the order of its additions is not specified.
func SqDev(x []float32, mu float64) float64 {
	n, s := 0, 0.0
	if haveAVX2 {
		n = len(x) &^ 15
		if n > 0 {
			s = sqDev16(&x[0], mu, n)
		}
	}
	for _, v := range x[n:] {
		d := float64(v) - mu
		s += d * d
	}
	return s
}

// SumDot returns the sums over i < len(dy) of dy[i] and of
// dy[i]*(x[i]-mu), in float64; x must hold at least len(dy) elements. Like
// SqDiff's, the order of the additions is not specified.
func SumDot(dy, x []float32, mu float64) (sum, dot float64) {
	x = x[:len(dy)]
	n := 0
	if haveAVX2 {
		n = len(dy) &^ 7
		if n > 0 {
			sum, dot = sumDot8(&dy[0], &x[0], mu, n)
		}
	}
	for i, d := range dy[n:] {
		sum += float64(d)
		dot += float64(d) * (float64(x[n+i]) - mu)
	}
	return sum, dot
}

// blocks8 returns the part of n, a length, that the kernels of 8 elements
// take: n rounded down to a multiple of 8 with AVX2, 0 without.
func blocks8(n int) int {
	if !haveAVX2 {
		return 0
	}
	return n &^ 7
}

// AddReLU sets dst[j] += b[j] for every j < len(dst) and, with relu, then
// dst[j] = max(dst[j], 0) as Go's max (a NaN stays NaN, -0 becomes 0); b
// must hold at least len(dst) elements. The results are those of the
// plain loop, bit for bit.
func AddReLU(dst, b []float32, relu bool) {
	b = b[:len(dst)]
	n := blocks8(len(dst))
	if n > 0 {
		addReLU8(&dst[0], &b[0], n, relu)
	}
	for j := n; j < len(dst); j++ {
		v := dst[j] + b[j]
		if relu {
			v = max(v, 0)
		}
		dst[j] = v
	}
}

// ReLU sets dst[i] = max(src[i], 0) as Go's max, bit for bit (any NaN
// for a NaN), for every i < len(dst); src must hold at least len(dst)
// elements; dst may be src.
func ReLU(dst, src []float32) {
	src = src[:len(dst)]
	n := blocks8(len(dst))
	if n > 0 {
		relu8(&dst[0], &src[0], n)
	}
	for i := n; i < len(dst); i++ {
		dst[i] = max(src[i], 0)
	}
}

// ReLUGrad sets dx[i] to dy[i] where y[i] > 0 and to 0 elsewhere (a NaN y
// included), for every i < len(dx); dy and y must hold at least len(dx)
// elements.
func ReLUGrad(dx, dy, y []float32) {
	dy, y = dy[:len(dx)], y[:len(dx)]
	n := blocks8(len(dx))
	if n > 0 {
		reluGrad8(&dx[0], &dy[0], &y[0], n)
	}
	for i := n; i < len(dx); i++ {
		if y[i] > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

// ScaledDiff sets dst[i] = c * (y[i] - t[i]) for every i < len(dst), in
// float32, bit for bit as the plain loop; y and t must hold at least
// len(dst) elements.
func ScaledDiff(dst, y, t []float32, c float32) {
	y, t = y[:len(dst)], t[:len(dst)]
	n := blocks8(len(dst))
	if n > 0 {
		scaledDiff8(&dst[0], &y[0], &t[0], c, n)
	}
	for i := n; i < len(dst); i++ {
		dst[i] = c * (y[i] - t[i])
	}
}

// Accumulate adds x[j], in float64, to acc[j] for every j < len(acc); x
// must hold at least len(acc) elements.
func Accumulate(acc []float64, x []float32) {
	x = x[:len(acc)]
	n := blocks8(len(acc))
	if n > 0 {
		accumulate8(&acc[0], &x[0], n)
	}
	for j := n; j < len(acc); j++ {
		acc[j] += float64(x[j])
	}
}

// AddConstReLU sets x[i] += b for every i and, with relu, then x[i] =
// max(x[i], 0) as Go's max, bit for bit as the plain loop (any NaN for a
// NaN).
func AddConstReLU(x []float32, b float32, relu bool) {
	n := blocks8(len(x))
	if n > 0 {
		addConstReLU8(&x[0], b, n, relu)
	}
	for i := n; i < len(x); i++ {
		v := x[i] + b
		if relu {
			v = max(v, 0)
		}
		x[i] = v
	}
}
