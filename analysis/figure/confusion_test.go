package figure

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"

	"github.com/zoo-ml/zoo/analysis"
)

// TestConfusion draws a 3-class matrix and reads the shading of cells back
// from the PNG: each cell's corner has the colour of its share of the row.
func TestConfusion(t *testing.T) {
	c, err := analysis.NewConfusion(3)
	if err != nil {
		t.Fatal(err)
	}
	// Row 0: 4 of 4 right; row 1: 1 right, 3 as class 2; row 2: none.
	if err := c.AddAll([]uint8{0, 0, 0, 0, 1, 1, 1, 1}, []uint8{0, 0, 0, 0, 1, 2, 2, 2}); err != nil {
		t.Fatal(err)
	}
	f, err := Confusion(c, []string{"a", "b", "c"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.EncodePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w, h := ConfusionSize(3)
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Fatalf("figure is %v, want %dx%d", img.Bounds(), w, h)
	}
	for _, tc := range []struct {
		row, col int
		frac     float64
	}{{0, 0, 1}, {0, 1, 0}, {1, 1, 0.25}, {1, 2, 0.75}, {2, 2, 0}} {
		x, y := confLeft+tc.col*confCell+4, confTop+tc.row*confCell+4
		got := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
		want := shade(tc.frac)
		if d := absDiff(got.R, want.R) + absDiff(got.G, want.G) + absDiff(got.B, want.B); d > 6 {
			t.Errorf("cell (%d, %d): colour %v, want %v (share %g)", tc.row, tc.col, got, want, tc.frac)
		}
	}
	if f.Name != "confusion" || f.Title == "" || len(f.Notes) == 0 {
		t.Errorf("figure %q, title %q, notes %v", f.Name, f.Title, f.Notes)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
