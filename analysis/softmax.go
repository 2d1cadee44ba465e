package analysis

import "math"

// Argmax returns the index of the largest value of v, the first one on a
// tie; NaNs are never chosen unless every value is NaN, when it returns 0.
// It returns -1 for an empty slice.
func Argmax(v []float32) int {
	if len(v) == 0 {
		return -1
	}
	best := 0
	for i, x := range v {
		// x > v[best] is false for NaN, and replaces a NaN best.
		if x > v[best] || (v[best] != v[best] && x == x) {
			best = i
		}
	}
	return best
}

// Softmax writes the softmax of the logits x to dst (which may be x) and
// returns the log-sum-exp of x, so that the log-probability of class k is
// x[k] - lse. It subtracts the maximum first, so large logits do not
// overflow. dst must be as long as x.
func Softmax(dst, x []float32) (lse float64) {
	if len(x) == 0 {
		return math.Inf(-1)
	}
	m := float64(x[Argmax(x)])
	if math.IsInf(m, 0) {
		// all -Inf, or a +Inf logit: fall back to a uniform or one-hot
		// distribution rather than NaNs.
		return softmaxInf(dst, x, m)
	}
	var sum float64
	for i, v := range x {
		e := math.Exp(float64(v) - m)
		dst[i] = float32(e)
		sum += e
	}
	inv := 1 / sum
	for i := range dst[:len(x)] {
		dst[i] = float32(float64(dst[i]) * inv)
	}
	return m + math.Log(sum)
}

func softmaxInf(dst, x []float32, m float64) float64 {
	n := 0
	for _, v := range x {
		if float64(v) == m {
			n++
		}
	}
	for i, v := range x {
		if float64(v) == m {
			dst[i] = float32(1 / float64(n))
		} else {
			dst[i] = 0
		}
	}
	return m
}
