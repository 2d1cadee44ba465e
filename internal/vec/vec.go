// Package vec holds the element-wise loops of zoo's streaming inference,
// written once in plain Go and, where the CPU has it, with AVX2: the
// conversion of u8 pixels to float32 in [0, 1] and the sum of squared
// differences of two float32 vectors.
package vec

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
