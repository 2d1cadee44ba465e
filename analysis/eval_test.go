package analysis

import (
	"math"
	"testing"
)

func TestEvalReconstruction(t *testing.T) {
	// Four images of two values; squared errors per image 0, 8, 2, 8.
	x := []float32{0, 0, 1, 1, 0.5, 0.5, 0, 1}
	recon := []float64{0, 0, -1, 3, 1.5, 1.5, 2, 3}
	labels := []uint8{2, 0, 0, 2}
	for _, tc := range []struct {
		name      string
		labels    []uint8
		worst     int
		wantWorst []ImageError
	}{
		{"labels", labels, 3, []ImageError{{1, 0, 4}, {3, 2, 4}, {2, 0, 1}}},
		{"no labels, all", nil, 10, []ImageError{{1, -1, 4}, {3, -1, 4}, {2, -1, 1}, {0, -1, 0}}},
		{"none", nil, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := EvalReconstruction(x, recon, 2, tc.labels, tc.worst)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Images != 4 || ev.MSE != 18.0/8 {
				t.Errorf("images %d, MSE %g; want 4, %g", ev.Images, ev.MSE, 18.0/8)
			}
			if len(ev.Worst) != len(tc.wantWorst) {
				t.Fatalf("worst %v, want %v", ev.Worst, tc.wantWorst)
			}
			for i := range ev.Worst {
				if ev.Worst[i] != tc.wantWorst[i] {
					t.Errorf("worst %v, want %v", ev.Worst, tc.wantWorst)
				}
			}
			if tc.labels == nil {
				if ev.ClassMSE != nil || ev.ClassCounts != nil {
					t.Errorf("class MSE %v without labels", ev.ClassMSE)
				}
				return
			}
			// Class 0: images 1 and 2 (MSE 4 and 1); class 1: none; class 2:
			// images 0 and 3 (0 and 4).
			want := []float64{2.5, math.NaN(), 2}
			if len(ev.ClassMSE) != 3 || ev.ClassCounts[0] != 2 || ev.ClassCounts[1] != 0 || ev.ClassCounts[2] != 2 {
				t.Fatalf("class counts %v, MSE %v", ev.ClassCounts, ev.ClassMSE)
			}
			for c, w := range want {
				if got := ev.ClassMSE[c]; (got == nil) != math.IsNaN(w) || (got != nil && *got != w) {
					t.Errorf("class %d MSE %v, want %g", c, got, w)
				}
			}
		})
	}
	for _, bad := range []struct {
		x, r   []float32
		d      int
		labels []uint8
	}{{x[:3], x[:3], 2, nil}, {x, x[:6], 2, nil}, {x, x, 2, []uint8{1}}, {nil, nil, 2, nil}} {
		if _, err := EvalReconstruction(bad.x, bad.r, bad.d, bad.labels, 1); err == nil {
			t.Errorf("no error for %d values, %d reconstructed, d %d, %d labels", len(bad.x), len(bad.r), bad.d, len(bad.labels))
		}
	}
}

// TestComparePCAExact: with as many components as dimensions PCA
// reconstructs exactly, and the autoencoder's numbers are its own.
func TestComparePCAExact(t *testing.T) {
	train := []float32{0, 0, 1, 0, 0, 1, 1, 1, 0.5, 0.2}
	test := []float32{0.3, 0.7, 1, 0, 0.2, 0.2}
	ae := []float32{0.3, 0.7, 0, 0, 0.2, 0.4}
	c, err := ComparePCA(PCAInput{Train: train, Test: test, Autoencoder: ae, D: 2, Labels: []uint8{1, 1, 0}, Ks: []int{2, 1, 2}, Index: []int{2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.PCA) != 2 || c.PCA[0].K != 1 || c.PCA[1].K != 2 {
		t.Fatalf("PCA entries %+v", c.PCA)
	}
	if full := c.PCA[1]; full.MSE > 1e-12 || math.Abs(full.ExplainedVarianceRatio-1) > 1e-12 {
		t.Errorf("k = d: MSE %g, explained %g", full.MSE, full.ExplainedVarianceRatio)
	}
	ae0 := c.Autoencoder
	if math.Abs(ae0.MSE-(1+0.04)/6) > 1e-7 || len(ae0.SquaredError) != 2 ||
		math.Abs(ae0.SquaredError[0]-0.04) > 1e-7 || math.Abs(ae0.SquaredError[1]-1) > 1e-7 {
		t.Errorf("autoencoder %+v", ae0)
	}
	if math.Abs(*ae0.ClassMSE[0]-0.02) > 1e-7 || math.Abs(*ae0.ClassMSE[1]-0.25) > 1e-7 || c.ClassCounts[0] != 1 || c.ClassCounts[1] != 2 {
		t.Errorf("class MSE %v %v, counts %v", *ae0.ClassMSE[0], *ae0.ClassMSE[1], c.ClassCounts)
	}
	if len(c.IndexLabels) != 2 || c.IndexLabels[0] != 0 || c.IndexLabels[1] != 1 || len(ae0.Shown) != 4 || ae0.Shown[0] != 0.2 {
		t.Errorf("index labels %v, shown %v", c.IndexLabels, ae0.Shown)
	}
	if _, err := ComparePCA(PCAInput{Train: train, Test: test, Autoencoder: ae[:4], D: 2, Ks: []int{1}}); err == nil {
		t.Error("no error for a short reconstruction")
	}
}
