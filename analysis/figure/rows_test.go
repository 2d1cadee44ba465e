package figure

import (
	"errors"
	"image"
	"math"
	"slices"
	"testing"

	"github.com/zoo-ml/zoo/analysis"
)

// cellPixel returns the grey value rows figure img draws for pixel (y, x)
// of the h x w image at row r, column c.
func cellPixel(img image.Image, r, c, y, x, h, w int) uint8 {
	cell := RowsCell(r, c, h, w)
	k := cell.Dx() / w
	g, _, _, _ := img.At(cell.Min.X+x*k+k/2, cell.Min.Y+y*k+k/2).RGBA()
	return uint8(g >> 8)
}

// TestComparePCA draws the comparison of the fixture's images with a
// fake autoencoder and PCA and checks the size and the cells pixel for
// pixel.
func TestComparePCA(t *testing.T) {
	d := fixture(t, 16)
	index := []int{3, 7, 11}
	shown := func(f func(v float32) float32) []float32 {
		var out []float32
		for _, v := range analysis.Rows(d.X, index, 784) {
			out = append(out, f(v))
		}
		return out
	}
	cmp := &analysis.PCAComparison{Index: index, IndexLabels: []int{0, 1, 2},
		Autoencoder: analysis.ReconError{Shown: shown(func(v float32) float32 { return 1 - v })},
		PCA:         []*analysis.ReconError{{K: 2, Shown: shown(func(v float32) float32 { return v / 2 })}}}
	for _, shape := range [][]int{{28, 28}, {1, 28, 28}} {
		f, err := ComparePCA(d.X, shape, cmp)
		if err != nil {
			t.Fatal(err)
		}
		img := roundTrip(t, f)
		if w, h := RowsSize(3, 3, 28, 28); img.Bounds() != image.Rect(0, 0, w, h) {
			t.Errorf("shape %v: size %v, want %dx%d", shape, img.Bounds(), w, h)
		}
		for c, i := range index {
			for _, px := range [][2]int{{14, 14}, {10, 20}, {0, 0}} {
				v := float64(d.X[i*784+px[0]*28+px[1]])
				for r, want := range []float64{v, 1 - v, v / 2} {
					if got := cellPixel(img, r, c, px[0], px[1], 28, 28); math.Abs(float64(got)-math.Round(255*want)) > 1 {
						t.Errorf("row %d, image %d, pixel %v: %d, want %.0f", r, i, px, got, 255*want)
					}
				}
			}
		}
	}
	if _, err := ComparePCA(make([]float32, 3072), []int{3, 32, 32}, cmp); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("colour images: %v, want ErrNotApplicable", err)
	}
}

// TestWorst draws the worst reconstructions and checks the title, the
// notes and the reconstructions' cells.
func TestWorst(t *testing.T) {
	d := fixture(t, 8)
	recon := make([]float32, len(d.X))
	for i := range recon {
		recon[i] = 0.5
	}
	worst := []analysis.ImageError{{Index: 5, Label: int(d.Labels[5]), MSE: 0.25}, {Index: 2, Label: int(d.Labels[2]), MSE: 0.125}}
	f, err := Worst(d, recon, worst, "half")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "worst" || f.Title != "the 2 worst reconstructions of mnist-512 by half" ||
		!slices.Equal(f.Notes, []string{"image 5: MSE 0.250000", "image 2: MSE 0.125000"}) {
		t.Errorf("figure %q %q %q", f.Name, f.Title, f.Notes)
	}
	img := roundTrip(t, f)
	if w, h := RowsSize(2, 2, 28, 28); img.Bounds() != image.Rect(0, 0, w, h) {
		t.Errorf("size %v, want %dx%d", img.Bounds(), w, h)
	}
	if got := cellPixel(img, 1, 1, 14, 14, 28, 28); got != 128 {
		t.Errorf("reconstruction pixel %d, want 128", got)
	}
	if got, want := cellPixel(img, 0, 0, 14, 14, 28, 28), uint8(math.Round(255*float64(d.X[5*784+14*28+14]))); got != want {
		t.Errorf("original pixel %d, want %d", got, want)
	}
	rgb := &Data{Name: "rgb", X: make([]float32, 3072), N: 1, Shape: []int{3, 32, 32}}
	if _, err := Worst(rgb, rgb.X, worst[:1], "m"); err == nil {
		t.Error("colour images: no error")
	}
}
