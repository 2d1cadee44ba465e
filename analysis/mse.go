package analysis

import (
	"fmt"
	"math"
)

// MSE returns the mean squared difference of a and b, accumulated in
// float64; 0 for empty slices. It panics if their lengths differ.
func MSE[A, B Float](a []A, b []B) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("analysis: MSE of %d and %d values", len(a), len(b)))
	}
	if len(a) == 0 {
		return 0
	}
	return SquaredError(a, b) / float64(len(a))
}

// SquaredError returns the sum of the squared differences of a and b,
// accumulated in float64. It panics if their lengths differ.
func SquaredError[A, B Float](a []A, b []B) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("analysis: squared error of %d and %d values", len(a), len(b)))
	}
	var s float64
	for i, v := range a {
		e := float64(v) - float64(b[i])
		s += e * e
	}
	return s
}

// RowMSE returns the mean squared difference of each row of d values of a
// and b (row-major, same length, a multiple of d): the per-image MSE of a
// batch of reconstructions. It panics if the lengths differ or are not a
// multiple of d.
func RowMSE[A, B Float](a []A, b []B, d int) []float64 {
	if len(a) != len(b) || d <= 0 || len(a)%d != 0 {
		panic(fmt.Sprintf("analysis: RowMSE of %d and %d values in rows of %d", len(a), len(b), d))
	}
	out := make([]float64, len(a)/d)
	for i := range out {
		out[i] = MSE(a[i*d:(i+1)*d], b[i*d:(i+1)*d])
	}
	return out
}

// ClassMeans returns, for each class c from 0 to the largest label, the mean
// of the values v[i] whose labels[i] is c, and how many there are; the mean
// of a class without values is NaN.
func ClassMeans(v []float64, labels []uint8) (means []float64, counts []int, err error) {
	if len(v) != len(labels) {
		return nil, nil, fmt.Errorf("class means: %d values for %d labels", len(v), len(labels))
	}
	classes := 0
	for _, l := range labels {
		classes = max(classes, int(l)+1)
	}
	means, counts = make([]float64, classes), make([]int, classes)
	for i, x := range v {
		means[labels[i]] += x
		counts[labels[i]]++
	}
	for c := range means {
		if counts[c] == 0 {
			means[c] = math.NaN()
		} else {
			means[c] /= float64(counts[c])
		}
	}
	return means, counts, nil
}
