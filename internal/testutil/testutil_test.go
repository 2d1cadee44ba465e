package testutil

import (
	"math"
	"runtime"
	"testing"

	"github.com/zoo-ml/zoo/zoo"
)

func TestMaxAbsDiff(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name string
		a, b []float32
		want float64
	}{
		{"equal", []float32{1, -2, 3}, []float32{1, -2, 3}, 0},
		{"largest", []float32{1, -2, 3}, []float32{1.5, -4, 3}, 2},
		{"empty", nil, []float32{}, 0},
		{"lengths", []float32{1}, []float32{1, 2}, math.Inf(1)},
		{"nan in a", []float32{nan, 1}, []float32{0, 1}, math.Inf(1)},
		{"nan in both", []float32{nan}, []float32{nan}, math.Inf(1)},
		{"inf", []float32{float32(math.Inf(1))}, []float32{0}, math.Inf(1)},
	} {
		if got := MaxAbsDiff(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// float32 against float64, in float64: 0.1f differs from 0.1 by 1.49e-9.
	if got := MaxAbsDiff([]float32{0.1}, []float64{0.1}); got != math.Abs(float64(float32(0.1))-0.1) || got == 0 {
		t.Errorf("float32 against float64: got %v", got)
	}
}

// recorder is a testing.TB that records failures instead of reporting them.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }

func TestSameWeights(t *testing.T) {
	w := func(shape []int, data ...float32) zoo.Weights {
		return zoo.Weights{"a": {Shape: shape, Data: data}}
	}
	negZero := float32(math.Copysign(0, -1))
	for _, tc := range []struct {
		name      string
		got, want zoo.Weights
		same      bool
	}{
		{"same", w([]int{2}, 1, 2), w([]int{2}, 1, 2), true},
		{"value", w([]int{2}, 1, 2), w([]int{2}, 1, 3), false},
		{"shape", w([]int{1, 2}, 1, 2), w([]int{2}, 1, 2), false},
		{"length", w([]int{2}, 1), w([]int{2}, 1, 2), false},
		{"signed zero", w([]int{1}, negZero), w([]int{1}, 0), false},
		{"names", zoo.Weights{"b": {Shape: []int{1}, Data: []float32{1}}}, w([]int{1}, 1), false},
	} {
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			SameWeights(r, tc.got, tc.want)
		}()
		<-done
		if r.failed == tc.same {
			t.Errorf("%s: SameWeights failed = %v, want %v", tc.name, r.failed, !tc.same)
		}
	}
}
