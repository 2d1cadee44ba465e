package analysis

import (
	"math"
	"testing"
)

func TestArgmax(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		in   []float32
		want int
	}{
		{nil, -1},
		{[]float32{5}, 0},
		{[]float32{1, 3, 2}, 1},
		{[]float32{1, 3, 3}, 1}, // first of a tie
		{[]float32{-2, -1, -3}, 1},
		{[]float32{nan, 1, 0}, 1},
		{[]float32{0, nan, 2}, 2},
		{[]float32{nan, nan}, 0},
		{[]float32{float32(math.Inf(-1)), -1e30}, 1},
	} {
		if got := Argmax(tc.in); got != tc.want {
			t.Errorf("Argmax(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestSoftmax(t *testing.T) {
	inf := float32(math.Inf(1))
	e1, e2, e3 := math.Exp(1), math.Exp(2), math.Exp(3)
	for _, tc := range []struct {
		name string
		in   []float32
		want []float64
		lse  float64
	}{
		{"equal", []float32{0, 0}, []float64{0.5, 0.5}, math.Ln2},
		{"1 2 3", []float32{1, 2, 3}, []float64{e1 / (e1 + e2 + e3), e2 / (e1 + e2 + e3), e3 / (e1 + e2 + e3)}, math.Log(e1 + e2 + e3)},
		{"large logits do not overflow", []float32{1000, 0}, []float64{1, math.Exp(-1000)}, 1000},
		{"shift invariant", []float32{-1001, -1002, -1003}, []float64{e3 / (e1 + e2 + e3), e2 / (e1 + e2 + e3), e1 / (e1 + e2 + e3)}, math.Log(e1+e2+e3) - 1004},
		{"all -inf", []float32{-inf, -inf}, []float64{0.5, 0.5}, math.Inf(-1)},
		{"+inf", []float32{inf, 0, inf}, []float64{0.5, 0, 0.5}, math.Inf(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]float32, len(tc.in))
			lse := Softmax(dst, tc.in)
			for i, w := range tc.want {
				if math.Abs(float64(dst[i])-w) > 1e-7 {
					t.Errorf("p[%d] = %v, want %v", i, dst[i], w)
				}
			}
			if lse != tc.lse && math.Abs(lse-tc.lse) > 1e-9*math.Max(1, math.Abs(tc.lse)) {
				t.Errorf("lse %v, want %v", lse, tc.lse)
			}
			// In place gives the same.
			in := append([]float32(nil), tc.in...)
			Softmax(in, in)
			for i := range in {
				if in[i] != dst[i] {
					t.Errorf("in place p[%d] = %v, want %v", i, in[i], dst[i])
				}
			}
		})
	}
}
