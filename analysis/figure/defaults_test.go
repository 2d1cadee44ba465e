package figure

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/zoo"
)

// shiftedModel is the blob model with its codes moved by +5: a trained
// ReLU code that lives far from [-1, 1]^2 (tiny-ae-2's lies in about
// [0.3, 10]^2).
func shiftedModel() *Model {
	m := blobModel()
	m.Name = "shifted-ae"
	m.Encoder = &runnerFunc{in: 784, out: 2, f: func(x []float32) []float32 {
		z := blobEncode(x)
		return []float32{z[0] + 5, z[1] + 5}
	}}
	m.Decoder = &runnerFunc{in: 2, out: 784, f: func(z []float32) []float32 { return blobDecode([]float32{z[0] - 5, z[1] - 5}) }}
	return m
}

// TestCodeRangeDefault: without --range, the code figures take their code
// range (or distribution) from the codes of the data, and from those of
// the embedded images when no data is given, never [-1, 1] by default for
// a model of 28x28 images.
func TestCodeRangeDefault(t *testing.T) {
	d := fixture(t, 64)
	for _, tc := range []struct {
		name   string
		make   func() (*Figure, error)
		lo, hi float64 // the range (of z1) must lie within [lo, hi], or be [lo, hi] (exact)
		exact  bool
		title  string // the title must say where the range came from
	}{
		{"grid without data: embedded images", func() (*Figure, error) { return LatentGrid(shiftedModel(), nil, Options{Side: 4}) },
			4, 6, false, "codes of the embedded mnist-mini images"},
		{"grid with data: its codes", func() (*Figure, error) { return LatentGrid(shiftedModel(), d, Options{Side: 4}) },
			4, 6, false, "codes of mnist-512"},
		{"grid with a range: the range", func() (*Figure, error) {
			return LatentGrid(shiftedModel(), nil, Options{Side: 4, Range: [2]float64{-2, 2}})
		}, -2, 2, true, "over [-2, 2]^2"},
		{"grid of a model of other images: [-1, 1]", func() (*Figure, error) { return LatentGrid(rgbModel(), nil, Options{Side: 4}) },
			-1, 1, true, "over [-1, 1]^2"},
		{"class map without data: embedded images", func() (*Figure, error) {
			return ClassMap(shiftedModel(), nil, Options{Side: 4, Classifier: quadrantClassifier()})
		}, 4, 6, false, "codes of the embedded mnist-mini images"},
		{"sample without data: the Gaussian of the embedded codes", func() (*Figure, error) {
			return Sample(shiftedModel(), nil, Options{Samples: 4})
		}, 4, 6, false, "Gaussian fitted to the codes of the embedded mnist-mini images"},
		{"uniform sample without data: the embedded codes' range", func() (*Figure, error) {
			return Sample(shiftedModel(), nil, Options{Samples: 4, Dist: "uniform"})
		}, 4, 6, false, "U("},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.make()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(f.Title, tc.title) {
				t.Errorf("title %q does not say %q", f.Title, tc.title)
			}
			lo, hi, ok := titleRange(f.Title)
			if !ok {
				return // sample (normal): the title names the data, checked above
			}
			if tc.exact && (lo != tc.lo || hi != tc.hi) || lo < tc.lo || hi > tc.hi || !(lo < hi) {
				t.Errorf("range [%g, %g], want [%g, %g] or within it (%s)", lo, hi, tc.lo, tc.hi, f.Title)
			}
		})
	}
}

// titleRange reads the range of a title "... over [LO, HI]^2 ..." or
// "... U(LO, HI) ...".
func titleRange(title string) (lo, hi float64, ok bool) {
	for _, open := range []string{"over [", "U("} {
		i := strings.Index(title, open)
		if i < 0 {
			continue
		}
		rest := title[i+len(open):]
		j := strings.IndexAny(rest, "])")
		v, err := parseFloats(rest[:j])
		if err != nil || len(v) != 2 {
			return 0, 0, false
		}
		return v[0], v[1], true
	}
	return 0, 0, false
}

// TestLegendBeside: the legends of latent-scatter and class-map stand
// beside the data area, never over it, and stay inside the figure, for
// short and long class names alike.
func TestLegendBeside(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
	}{
		{"digits", nil},
		{"fashion", []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}},
		{"long", []string{"a very long class name indeed", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlot("codes", "z1", "z2")
			n := max(len(tc.names), 10)
			xs, ys, labels := make([]float64, n), make([]float64, n), make([]uint8, n)
			for i := range n {
				xs[i], ys[i], labels[i] = float64(i), float64(i), uint8(i%max(len(tc.names), 10))
			}
			if err := scatterByClass(p, xs, ys, labels, tc.names, n, false); err != nil {
				t.Fatal(err)
			}
			cv := vgimg.New(vg.Length(scatterW)*vg.Inch/plotDPI, vg.Length(scatterH)*vg.Inch/plotDPI)
			dc := draw.New(cv)
			pc, lc := legendLayout(dc, p)
			data := p.DataCanvas(pc)
			leg := p.Legend
			leg.Left, leg.Top = true, true
			r := leg.Rectangle(lc)
			if r.Min.X < data.Max.X {
				t.Errorf("legend from x=%v covers the data area, which ends at x=%v", r.Min.X, data.Max.X)
			}
			if r.Max.X > dc.Max.X || r.Min.Y < dc.Min.Y || r.Max.Y > data.Max.Y {
				t.Errorf("legend %v outside the figure %v or above the data area %v", r, dc.Rectangle, data.Rectangle)
			}
			if data.Max.X-data.Min.X < (dc.Max.X-dc.Min.X)/2 {
				t.Errorf("data area %v narrower than half the figure %v", data.Rectangle, dc.Rectangle)
			}
		})
	}
}

// TestFiltersLargestRows: of a layer with more rows than shown, filters
// draws the rows of largest norm (the units a sparse code uses), in their
// order, and says so in its title; with no more rows than shown, all.
func TestFiltersLargestRows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		out, n    int
		strong    []int // rows given large weights
		want      []int
		titleWant string
	}{
		{"sparse: the trained rows", 10, 3, []int{7, 2, 9}, []int{2, 7, 9}, "the 3 of the 10 rows of encoder.0.weight [10, 784] of largest norm"},
		{"all rows shown", 4, 8, []int{1}, []int{0, 1, 2, 3}, "the 4 rows of encoder.0.weight [4, 784] as 28x28"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := make([]float32, tc.out*784)
			for i := range w {
				w[i] = 0.01 * float32(i%7-3)
			}
			for _, k := range tc.strong {
				for j := range 784 {
					w[k*784+j] = float32(j%5) - 2
				}
			}
			if got := largestRows(w, tc.out, 784, tc.n); !slices.Equal(got, tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
			m := &Model{Name: "sparse", Task: zoo.Reconstruct, Input: []int{784},
				First: &Layer{Name: "encoder.0.weight", Op: "Gemm", Weight: w, Shape: []int{tc.out, 784}}}
			f, err := Filters(m, Options{Filters: tc.n})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(f.Title, tc.titleWant) {
				t.Errorf("title %q, want %q", f.Title, tc.titleWant)
			}
		})
	}
}

// TestClassBars: one bar per class, the figure's height grows with the
// classes, an undefined value draws no bar, and no class is an error.
func TestClassBars(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	for _, tc := range []struct {
		name    string
		classes []ClassValue
		err     bool
	}{
		{"two", []ClassValue{{"cat", 10, v(0.8)}, {"dog", 20, v(0.3)}}, false},
		{"undefined value", []ClassValue{{"cat", 0, nil}, {"dog", 20, v(0.3)}, {"eel", 5, v(0)}}, false},
		{"all zero", []ClassValue{{"cat", 3, v(0)}}, false},
		{"none", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ClassBars("t", "recall", tc.classes, "%.1f%%", 100, 100)
			if tc.err {
				if err == nil {
					t.Error("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b := f.Image.Bounds(); b.Dx() != barsW || b.Dy() != barsMargin+len(tc.classes)*barsRow {
				t.Errorf("size %v", b)
			}
		})
	}
}

// TestColumnLabelsFit: a grid's columns are as wide as their widest
// label, so that the class names of Fashion-MNIST above a montage or a
// reconstruction grid do not run into each other; short labels keep the
// cells' width.
func TestColumnLabelsFit(t *testing.T) {
	small := textStyle(10)
	for _, tc := range []struct {
		name string
		cols []string
		cw   int
	}{
		{"digits", []string{"0 #12", "1 #3"}, 56},
		{"fashion montage", []string{"T-shirt/top #2589", "Trouser #8781", "Ankle boot #8740"}, 56},
		{"fashion recon", []string{"23 (Ankle boot)", "27 (T-shirt/top)"}, 56},
		{"no labels", nil, 84},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := colPitch(section{cols: tc.cols}, tc.cw)
			if p < tc.cw {
				t.Errorf("pitch %d narrower than the cells %d", p, tc.cw)
			}
			wide := false
			for _, c := range tc.cols {
				w := int(small.Width(c))
				wide = wide || w+colLabelGap > tc.cw
				if w+colLabelGap > p {
					t.Errorf("label %q (%d px) does not fit the pitch %d", c, w, p)
				}
			}
			if !wide && p != tc.cw {
				t.Errorf("pitch %d for labels that fit the cells %d", p, tc.cw)
			}
		})
	}
}

// TestCurvesLegendBeside: the curves of several runs (two lines each) put
// their legend beside the plot, in a wider figure; one run keeps its
// small legend in the plot.
func TestCurvesLegendBeside(t *testing.T) {
	var ten []Series
	for i := range 10 {
		ten = append(ten, decline(fmt.Sprintf("shallow-ae-%d/recipe", i), 10, 0.1*float64(i+1)))
	}
	for _, tc := range []struct {
		name   string
		series []Series
		w      int
	}{
		{"one run", ten[:1], curveW},
		{"ten runs", ten, curveW + curveLegendW},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := CurvesOf("loss per epoch", "loss", tc.series...)
			if err != nil {
				t.Fatal(err)
			}
			if b := f.Image.Bounds(); b.Dx() != tc.w || b.Dy() != curveH {
				t.Errorf("%v, want %dx%d", b, tc.w, curveH)
			}
		})
	}
}

// TestAxisRanges: the code plane of latent-grid and class-map spans each
// axis's own range of the codes, so that a code spanning [0, 19] on z1 and
// [0, 100] on z2 (tiny-ae-2 on Fashion-MNIST) is not drawn over [0, 100]^2,
// mostly empty of codes.
func TestAxisRanges(t *testing.T) {
	for _, tc := range []struct {
		name       string
		z1, z2     func(i int) float32
		want       box
		wantString string
	}{
		{"tiny-ae-2", func(i int) float32 { return float32(i%20) * 19 / 19 }, func(i int) float32 { return float32(i % 101) },
			box{[2]float64{0, 0}, [2]float64{19, 99}}, "[0, 19] x [0, 99]"},
		{"same range", func(i int) float32 { return float32(i%11)/5 - 1 }, func(i int) float32 { return float32(i%11)/5 - 1 },
			square(-1, 1), "[-1, 1]^2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var z []float32
			for i := range 10000 {
				z = append(z, tc.z1(i), tc.z2(i*7))
			}
			b := axisRanges(z)
			for a := range 2 {
				if math.Abs(b.lo[a]-tc.want.lo[a]) > 1.01 || math.Abs(b.hi[a]-tc.want.hi[a]) > 1.01 {
					t.Errorf("axis %d: [%g, %g], want about [%g, %g]", a+1, b.lo[a], b.hi[a], tc.want.lo[a], tc.want.hi[a])
				}
			}
			if got := tc.want.String(); got != tc.wantString {
				t.Errorf("String %q, want %q", got, tc.wantString)
			}
		})
	}
}

// TestRowsTitled: the rows figures (zoo eval's worst.png, zoo compare
// pca's figure) carry their title in the image and name the classes of
// their columns, not only their numbers.
func TestRowsTitled(t *testing.T) {
	d := fixture(t, 8)
	d.ClassNames = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	worst := []analysis.ImageError{{Index: 0, Label: int(d.Labels[0])}, {Index: 3, Label: int(d.Labels[3])}}
	f, err := Worst(d, d.X, worst, "blob-ae")
	if err != nil {
		t.Fatal(err)
	}
	ink := func(y0, y1 int) bool {
		b := f.Image.Bounds()
		for y := y0; y < y1; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, _, _, _ := f.Image.At(x, y).RGBA(); r>>8 < 128 {
					return true
				}
			}
		}
		return false
	}
	for _, tc := range []struct {
		name   string
		y0, y1 int
	}{
		{"title band", 0, rowsTitleH},
		{"label line", rowsTitleH + rowsHeadH/2, rowsTitleH + rowsHeadH},
	} {
		if !ink(tc.y0, tc.y1) {
			t.Errorf("%s (rows %d to %d) is blank", tc.name, tc.y0, tc.y1)
		}
	}
	if !strings.Contains(f.Title, "worst reconstructions of mnist-512 by blob-ae") {
		t.Errorf("title %q", f.Title)
	}
}

// TestActivationChannels: the activations of a convolutional encoder
// ([C, H, W] codes) are drawn one map per channel, in a mosaic with grey
// lines between maps, not as one square of C*H*W units; flat codes keep
// their square map.
func TestActivationChannels(t *testing.T) {
	d := fixture(t, 8)
	for _, tc := range []struct {
		name  string
		shape []int
		title string
	}{
		{"channels", []int{16, 3, 3}, "16 channels of 3x3 maps"},
		{"flat", nil, "144 units as 12x12 maps"},
		{"channels of one value", []int{144, 1, 1}, "144 units as 12x12 maps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := linearModel(144)
			m.CodeShape = tc.shape
			f, err := Activations(m, d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(f.Title, tc.title) {
				t.Errorf("title %q, want %q", f.Title, tc.title)
			}
		})
	}
	ms := mosaicOf([]int{4, 2, 3})
	v := make([]float32, 24)
	for i := range v {
		v[i] = 1
	}
	img := ms.image(v, 1).(*image.Gray)
	if b := img.Bounds(); b.Dx() != 2*4-1 || b.Dy() != 2*3-1 {
		t.Fatalf("mosaic of 4 maps 2x3: %v, want 7x5", b)
	}
	for _, p := range []struct{ x, y int }{{3, 0}, {0, 2}, {3, 2}} {
		if g := img.GrayAt(p.x, p.y).Y; g != 128 {
			t.Errorf("separator at %v: %d, want 128", p, g)
		}
	}
	if g := img.GrayAt(0, 0).Y; g != 255 {
		t.Errorf("map pixel: %d, want 255", g)
	}
}
