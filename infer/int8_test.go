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
				x := in
				if part == zoo.PartDecoder {
					var err error
					if x, err = encode(m, w, in, n); err != nil {
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

// encode returns the float32 codes of m's encoder for x.
func encode(m *zoo.Model, w zoo.Weights, x []float32, n int) ([]float32, error) {
	enc, err := m.Sub(zoo.PartEncoder)
	if err != nil {
		return nil, err
	}
	ew := zoo.Weights{}
	for _, p := range enc.Params() {
		ew[p.Name] = w[p.Name]
	}
	y, _, err := reference.Forward(enc, ew, x, n)
	return y, err
}
