package infer

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

// TestInt8Export runs the int8 files of every registry model (the whole
// model and each part) in onnxruntime and checks them against the plain-Go
// reference of the same quantized arithmetic (reference.ForwardInt8, on
// package quant), and against the float32 model, on one batch of fixture
// images: onnxruntime must compute what the int8 pattern means, and that
// must stay near the float32 model.
func TestInt8Export(t *testing.T) {
	testenv.NeedORT(t)
	const n = 64
	for _, m := range zoo.All() {
		t.Run(m.Name, func(t *testing.T) {
			w := parityWeights(m, 7)
			dir := filepath.Join(t.TempDir(), m.Name)
			if _, err := export.WriteDir(dir, m, w, export.DirOptions{Weights: "test", Quantize: export.Int8}); err != nil {
				t.Fatal(err)
			}
			in := modelInput(t, m, n)
			parts, _ := export.Parts(m)
			for _, part := range append([]string{zoo.WholeModel}, parts...) {
				sub, sw := subModel(t, m, w, part)
				x := in
				if part == zoo.PartDecoder {
					enc, ew := subModel(t, m, w, zoo.PartEncoder)
					var err error
					if x, _, err = reference.Forward(enc, ew, in, n); err != nil {
						t.Fatal(err)
					}
				}
				want, _, err := reference.ForwardInt8(sub, sw, x, n)
				if err != nil {
					t.Fatal(err)
				}
				float, _, err := reference.Forward(sub, sw, x, n)
				if err != nil {
					t.Fatal(err)
				}
				s := open(t, filepath.Join(dir, export.Int8.File(zoo.PartFile(part))))
				if q := s.Metadata()[zoo.MetaQuantization]; q != string(export.Int8) {
					t.Errorf("%s: metadata %s = %q", part, zoo.MetaQuantization, q)
				}
				got, err := s.Run(x, n)
				if err != nil {
					t.Fatal(err)
				}
				scale := 1e-3 // outputs all near 0 compare absolutely
				for _, v := range float {
					scale = max(scale, math.Abs(float64(v)))
				}
				dRef, dFloat := maxAbs(got, want)/scale, maxAbs(got, float)/scale
				t.Logf("%s: max |ORT int8 - reference int8| = %.3g, |ORT int8 - float32| = %.3g (relative to max |output| %.3g)", part, dRef, dFloat, scale)
				if dRef > 1e-3 {
					t.Errorf("%s: onnxruntime's int8 output differs from the int8 reference by %.3g of the output's range", part, dRef)
				}
			}
		})
	}
}

func maxAbs(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// subModel returns part of m (all of it for zoo.WholeModel), named as m,
// with its weights taken from w.
func subModel(t *testing.T, m *zoo.Model, w zoo.Weights, part string) (*zoo.Model, zoo.Weights) {
	t.Helper()
	sub := m
	if part != zoo.WholeModel {
		var err error
		if sub, err = m.Sub(part); err != nil {
			t.Fatal(err)
		}
		sub.Name = m.Name
	}
	sw := zoo.Weights{}
	for _, p := range sub.Params() {
		sw[p.Name] = w[p.Name]
	}
	return sub, sw
}
