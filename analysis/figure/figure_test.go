package figure

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/")

const (
	fixtureImages = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	fixtureLabels = "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
)

// runnerFunc adapts a Go function to a Runner; it records every input.
type runnerFunc struct {
	in, out int
	f       func(x []float32) []float32 // one example
	seen    []float32
}

func (r *runnerFunc) Run(x []float32, n int) ([]float32, error) {
	if len(x) != n*r.in {
		return nil, fmt.Errorf("got %d values for %d examples of %d", len(x), n, r.in)
	}
	r.seen = append(r.seen, x...)
	var y []float32
	for i := range n {
		y = append(y, r.f(x[i*r.in:(i+1)*r.in])...)
	}
	return y, nil
}

// Blob model: the 2-D code of an image is the centre of mass of its ink,
// scaled to about [-1, 1]; the decoder draws a Gaussian blob there.
const blobSigma = 3.0

func blobEncode(x []float32) []float32 {
	var sx, sy, s float64
	for i, v := range x {
		sx += float64(v) * float64(i%28)
		sy += float64(v) * float64(i/28)
		s += float64(v)
	}
	if s == 0 {
		return []float32{0, 0}
	}
	return []float32{float32((sx/s - 13.5) / 8), float32((13.5 - sy/s) / 8)} // z2 up
}

func blobDecode(z []float32) []float32 {
	cx, cy := 13.5+8*float64(z[0]), 13.5-8*float64(z[1])
	out := make([]float32, 784)
	for i := range out {
		dx, dy := float64(i%28)-cx, float64(i/28)-cy
		out[i] = float32(math.Exp(-(dx*dx + dy*dy) / (2 * blobSigma * blobSigma)))
	}
	return out
}

func blobModel() *Model {
	enc := &runnerFunc{in: 784, out: 2, f: blobEncode}
	dec := &runnerFunc{in: 2, out: 784, f: blobDecode}
	whole := &runnerFunc{in: 784, out: 784, f: func(x []float32) []float32 { return blobDecode(blobEncode(x)) }}
	return &Model{Name: "blob-ae", Task: zoo.Reconstruct, Input: []int{784}, Whole: whole, Encoder: enc, Decoder: dec, Code: 2}
}

// Linear model with a k-D code: the code is k fixed pixel sums (rows of a
// seeded 0/1 mask), the decoder spreads each back over its pixels.
func linearModel(k int) *Model {
	mask := make([]float32, k*784)
	for i := range mask {
		if (i*7919+13)%k == 0 && i%784 > 0 {
			mask[i] = 1
		}
	}
	enc := func(x []float32) []float32 {
		z := make([]float32, k)
		for j := range k {
			for i, v := range x {
				z[j] += mask[j*784+i] * v / 784
			}
		}
		return z
	}
	dec := func(z []float32) []float32 {
		out := make([]float32, 784)
		for j := range k {
			for i := range out {
				out[i] += mask[j*784+i] * z[j] * 8
			}
		}
		return out
	}
	first := &Layer{Name: "encoder.0.weight", Op: "Gemm", Weight: mask, Shape: []int{k, 784}, Activation: "Relu"}
	return &Model{Name: fmt.Sprintf("linear-%d", k), Task: zoo.Reconstruct, Input: []int{1, 28, 28},
		Whole:   &runnerFunc{in: 784, out: 784, f: func(x []float32) []float32 { return dec(enc(x)) }},
		Encoder: &runnerFunc{in: 784, out: k, f: enc}, Decoder: &runnerFunc{in: k, out: 784, f: dec}, Code: k, First: first}
}

// quadrantClassifier classifies an image by the quadrant of its centre of
// mass: 4 classes.
func quadrantClassifier() *Model {
	f := func(x []float32) []float32 {
		z := blobEncode(x)
		k := 0
		if z[0] > 0 {
			k++
		}
		if z[1] > 0 {
			k += 2
		}
		out := make([]float32, 4)
		out[k] = 1
		return out
	}
	return &Model{Name: "quadrants", Task: zoo.Classify, Input: []int{784}, Whole: &runnerFunc{in: 784, out: 4, f: f},
		Classes: 4, ClassNames: []string{"bottom left", "bottom right", "top left", "top right"}}
}

// fixture reads the first n images and labels of the MNIST fixture.
func fixture(t testing.TB, n int) *Data {
	t.Helper()
	r, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	x := make([]float32, n*784)
	if got, err := r.ReadFloat32(x); err != nil && !errors.Is(err, io.EOF) || got != n {
		t.Fatalf("read %d images: %d, %v", n, got, err)
	}
	labels, err := dataset.ReadLabels(fixtureLabels)
	if err != nil {
		t.Fatal(err)
	}
	return &Data{Name: "mnist-512", X: x, N: n, Shape: []int{28, 28}, Labels: labels[:n]}
}

// writeMetrics writes a metrics.csv into dir/run and returns the folder.
func writeMetrics(t *testing.T, dir, run string, acc bool) string {
	t.Helper()
	p := filepath.Join(dir, run)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("epoch,train_loss,val_loss,seconds,images_per_second")
	if acc {
		b.WriteString(",train_accuracy,val_accuracy")
	}
	b.WriteString("\n")
	for e := 1; e <= 5; e++ {
		fmt.Fprintf(&b, "%d,%g,%g,1.5,1000", e, 1/float64(e), 1.2/float64(e))
		if acc {
			fmt.Fprintf(&b, ",%g,%g", 1-0.5/float64(e), 1-0.6/float64(e))
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(p, "metrics.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run.json of the same epochs, for the figures that read runs whole
	// (sweep).
	m, _ := zoo.Lookup("tiny-ae-2")
	info := &rundir.Info{Model: m.Name, Recipe: m.Recipe, Status: rundir.StatusFinished, Epoch: 5}
	if acc {
		info.Recipe.Loss = zoo.LossCrossEntropy
	}
	epochs, err := rundir.ReadMetrics(filepath.Join(p, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range epochs {
		if !acc {
			epochs[i].TrainAccuracy, epochs[i].ValAccuracy = 0, 0 // NaN when not recorded
		}
	}
	info.Epochs = epochs
	if err := rundir.WriteInfo(p, info); err != nil {
		t.Fatal(err)
	}
	return p
}

// roundTrip encodes f as PNG and decodes it.
func roundTrip(t *testing.T, f *Figure) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := f.EncodePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("%s: PNG does not decode: %v", f.Name, err)
	}
	return img
}

// TestFigures makes every figure on small fixture models and checks that it
// is a decodable PNG of the expected size, not blank, with a title.
func TestFigures(t *testing.T) {
	d := fixture(t, 64)
	blob, lin := blobModel(), linearModel(30)
	runs := t.TempDir()
	opt := Options{Classifier: quadrantClassifier(), Codes: [][]float32{{0.5, -0.5}, {-1, 1}},
		Runs: []string{writeMetrics(t, runs, "a", true), filepath.Join(writeMetrics(t, runs, "b", true), "metrics.csv")}}
	tests := []struct {
		name   string
		models []*Model
		w, h   int // 0: a grid, whose size depends on its labels
	}{
		{"recon", []*Model{blob}, 0, 0},
		{"montage", []*Model{blob, lin}, 0, 0},
		{"latent-scatter", []*Model{lin}, scatterW, scatterH},
		{"latent-scatter", []*Model{blob}, scatterW, scatterH},
		{"latent-grid", []*Model{blob}, scatterW, scatterH},
		{"class-map", []*Model{blob}, mapW, mapH},
		{"interpolate", []*Model{lin}, 0, 0},
		{"latent-pca", []*Model{lin}, 0, 0},
		{"class-means", []*Model{blob}, 0, 0},
		{"sample", []*Model{lin}, 0, 0},
		{"decode", []*Model{blob}, 0, 0},
		{"filters", []*Model{lin}, 0, 0},
		{"activations", []*Model{lin}, 0, 0},
		{"noise", []*Model{lin}, 0, 0},
		{"ood", []*Model{blob}, 0, 0},
		{"sweep", nil, 2 * curveW, curveH},
		{"curves", nil, 2 * curveW, curveH},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.name] = true
		t.Run(tc.name+"/"+fmt.Sprint(len(tc.models)), func(t *testing.T) {
			f, err := Make(tc.name, tc.models, d, opt)
			if err != nil {
				t.Fatal(err)
			}
			img := roundTrip(t, f)
			b := img.Bounds()
			if tc.w != 0 && (b.Dx() != tc.w || b.Dy() != tc.h) {
				t.Errorf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
			if b.Dx() < 200 || b.Dy() < 100 {
				t.Errorf("size %dx%d is too small for a figure", b.Dx(), b.Dy())
			}
			if f.Name != tc.name || f.Title == "" {
				t.Errorf("name %q title %q", f.Name, f.Title)
			}
			if dark := darkFraction(img); dark < 0.001 || dark > 0.9 {
				t.Errorf("%.4f of the pixels are dark: blank or black figure", dark)
			}
			if len(tc.models) > 0 {
				if !contains(Applicable(tc.models[0], d, opt), tc.name) {
					t.Errorf("Applicable(%s) = %v lacks %s", tc.models[0].Name, Applicable(tc.models[0], d, opt), tc.name)
				}
			}
		})
	}
	for _, n := range Names() {
		if !seen[n] {
			t.Errorf("figure %s is not tested", n)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// darkFraction is the fraction of pixels darker than mid-gray.
func darkFraction(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

// TestNotApplicable checks the errors of figures that do not apply.
func TestNotApplicable(t *testing.T) {
	d := fixture(t, 16)
	lin := linearModel(30)
	noLabels := *d
	noLabels.Labels = nil
	classifier := quadrantClassifier()
	tests := []struct {
		name  string
		model *Model
		data  *Data
		want  string
	}{
		{"latent-grid", lin, d, "30-D code, latent-grid needs a 2-D one (latent-scatter projects"},
		{"class-map", blobModel(), d, "no classifier given"},
		{"montage", lin, &noLabels, "has no labels"},
		{"recon", classifier, d, "is a classifier"},
		{"decode", blobModel(), d, "no codes given"},
		{"filters", blobModel(), d, "no first layer weights"},
		{"curves", nil, nil, "no runs given"},
		{"sweep", nil, nil, "no runs given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Make(tc.name, []*Model{tc.model}, tc.data, Options{})
			if !errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrNotApplicable saying %q", err, tc.want)
			}
			if tc.model != nil && contains(Applicable(tc.model, tc.data, Options{}), tc.name) {
				t.Errorf("Applicable lists %s", tc.name)
			}
		})
	}
	// Shapes that do not match are plain errors.
	other := &Data{Name: "cifar", X: make([]float32, 3072), N: 1, Shape: []int{3, 32, 32}}
	if _, err := Recon(blobModel(), other, Options{}); err == nil || errors.Is(err, ErrNotApplicable) || !strings.Contains(err.Error(), "takes inputs of shape [784]") {
		t.Errorf("recon of CIFAR with an MNIST model: %v", err)
	}
	if _, err := Recon(blobModel(), d, Options{Index: []int{3, 16}}); err == nil || !strings.Contains(err.Error(), "index 16 is outside the 16 items") {
		t.Errorf("index out of range: %v", err)
	}
	if _, err := Decode(blobModel(), Options{Codes: [][]float32{{1, 2, 3}}}); err == nil || !strings.Contains(err.Error(), "code 1 has 3 values, model blob-ae takes 2") {
		t.Errorf("decode of a 3-D code: %v", err)
	}
}

// TestGolden compares the recon grid and the latent grid of the blob model
// with committed images (go test -run Golden -update rewrites them).
func TestGolden(t *testing.T) {
	d := fixture(t, 16)
	for _, tc := range []struct {
		name string
		make func() (*Figure, error)
	}{
		{"recon", func() (*Figure, error) { return Recon(blobModel(), d, Options{}) }},
		{"latent-grid", func() (*Figure, error) {
			return LatentGrid(blobModel(), nil, Options{Side: 12, Range: [2]float64{-1, 1}})
		}},
		{"latent-grid-rgb", func() (*Figure, error) {
			return LatentGrid(rgbModel(), nil, Options{Side: 6, Range: [2]float64{-1, 1}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.make()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name+".png")
			if *update {
				if err := f.WritePNG(path, true); err != nil {
					t.Fatal(err)
				}
				return
			}
			got := roundTrip(t, f)
			file, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v (go test -run Golden -update writes it)", err)
			}
			defer file.Close()
			want, err := png.Decode(file)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != want.Bounds() {
				t.Fatalf("size %v, golden %v", got.Bounds(), want.Bounds())
			}
			// Tolerance: text rasterised a little differently elsewhere.
			meanDiff, off := compare(got, want)
			if meanDiff > 1.0 || off > 0.01 {
				t.Errorf("differs from %s: mean |difference| %.3f of 255, %.4f of the pixels off by more than 32", path, meanDiff, off)
			}
		})
	}
}

// rgbModel decodes a 2-D code to a 3x8x8 colour image: red grows with z1,
// blue with z2.
func rgbModel() *Model {
	dec := func(z []float32) []float32 {
		out := make([]float32, 3*64)
		for i := range 64 {
			out[i] = (z[0] + 1) / 2
			out[64+i] = float32(i%8) / 7
			out[128+i] = (z[1] + 1) / 2
		}
		return out
	}
	return &Model{Name: "rgb", Task: zoo.Reconstruct, Input: []int{3, 8, 8}, Decoder: &runnerFunc{in: 2, out: 192, f: dec}, Code: 2}
}

// compare returns the mean absolute channel difference (0-255) and the
// fraction of pixels with a channel off by more than 32.
func compare(a, b image.Image) (float64, float64) {
	r := a.Bounds()
	var sum float64
	off := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			big := false
			for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}} {
				d := math.Abs(float64(p[0]>>8) - float64(p[1]>>8))
				sum += d
				big = big || d > 32
			}
			if big {
				off++
			}
		}
	}
	n := float64(r.Dx() * r.Dy())
	return sum / (3 * n), float64(off) / n
}

// TestPNG checks that PNG encodes the figure's image.
func TestPNG(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	b, err := (&Figure{Name: "x", Image: img}).PNG()
	if err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if back.Bounds() != img.Bounds() || color.RGBAModel.Convert(back.At(1, 1)) != img.At(1, 1) {
		t.Errorf("decoded %v, %v", back.Bounds(), back.At(1, 1))
	}
}
