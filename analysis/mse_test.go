package analysis

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMSE(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a      []float32
		b      []float64
		d      int
		sse    float64
		mse    float64
		perRow []float64
	}{
		{"empty", nil, nil, 1, 0, 0, []float64{}},
		{"one", []float32{1}, []float64{3}, 1, 4, 4, []float64{4}},
		{"rows", []float32{0, 0, 1, 1}, []float64{1, 1, 1, 0.5}, 2, 2.25, 0.5625, []float64{1, 0.125}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SquaredError(tc.a, tc.b); got != tc.sse {
				t.Errorf("SquaredError = %g, want %g", got, tc.sse)
			}
			if got := MSE(tc.a, tc.b); got != tc.mse {
				t.Errorf("MSE = %g, want %g", got, tc.mse)
			}
			if got := RowMSE(tc.a, tc.b, tc.d); !slices.Equal(got, tc.perRow) {
				t.Errorf("RowMSE = %v, want %v", got, tc.perRow)
			}
		})
	}
	for _, f := range []func(){
		func() { MSE([]float64{1}, []float64{1, 2}) },
		func() { RowMSE([]float64{1, 2, 3}, []float64{1, 2, 3}, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("mismatched lengths did not panic")
				}
			}()
			f()
		}()
	}
}

func TestClassMeans(t *testing.T) {
	means, counts, err := ClassMeans([]float64{1, 2, 3, 10}, []uint8{0, 2, 0, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(counts, []int{2, 0, 1, 1}) || means[0] != 2 || !math.IsNaN(means[1]) || means[2] != 2 || means[3] != 10 {
		t.Errorf("means %v, counts %v", means, counts)
	}
	if _, _, err := ClassMeans([]float64{1}, nil); err == nil || !strings.Contains(err.Error(), "1 values for 0 labels") {
		t.Errorf("length mismatch: %v", err)
	}
}
