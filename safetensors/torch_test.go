package safetensors

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/zoo"
)

// torchDir holds the files written by fixtures/torch/make_fixtures.py.
const torchDir = "../fixtures/torch"

// TestTorchWeights reads state_dicts PyTorch wrote and checks them against
// the zoo's models; the bad files must fail CheckWeights naming the tensor.
func TestTorchWeights(t *testing.T) {
	tests := []struct {
		file, model string
		wantErr     string // "" for none
	}{
		{"manifold-ae.safetensors", "manifold-ae", ""},
		{"tiny-ae-2.safetensors", "tiny-ae-2", ""},
		{"manifold-ae-misshapen.safetensors", "manifold-ae", `tensor "decoder.0.weight" has shape [8 64], want [64 8]`},
		{"manifold-ae-missing.safetensors", "manifold-ae", `tensor "encoder.2.bias" is missing`},
		{"tiny-ae-2.safetensors", "tiny-ae-4", `tensor "encoder.2.weight" has shape [2 50], want [4 50]`},
		{"manifold-ae.safetensors", "tiny-ae-2", `tensor "encoder.0.weight" has shape [64 784], want [50 784]`},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.model, func(t *testing.T) {
			ws, meta, err := ReadFile(filepath.Join(torchDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if meta["format"] != "pt" {
				t.Errorf("metadata %v, want format pt", meta)
			}
			m, err := zoo.Lookup(tt.model)
			if err != nil {
				t.Fatal(err)
			}
			err = m.CheckWeights(ws)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("CheckWeights: error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestTorchHalfPrecision checks that the bad files, which torch wrote in
// F16 and BF16, read back as torch's own conversions of the F32 weights.
func TestTorchHalfPrecision(t *testing.T) {
	ref, _, err := ReadFile(filepath.Join(torchDir, "manifold-ae.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file string
		tol  float64 // relative rounding error of the dtype
	}{
		{"manifold-ae-misshapen.safetensors", 0x1p-11},
		{"manifold-ae-missing.safetensors", 0x1p-8},
	} {
		ws, _, err := ReadFile(filepath.Join(torchDir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range ws {
			r := ref[name]
			for i, v := range w.Data {
				j := i
				if !slices.Equal(w.Shape, r.Shape) { // decoder.0.weight, stored transposed
					j = i%w.Shape[1]*w.Shape[0] + i/w.Shape[1]
				}
				if d := math.Abs(float64(v - r.Data[j])); d > tt.tol*math.Abs(float64(r.Data[j])) && d > 0x1p-24 {
					t.Errorf("%s: %s[%d] = %v, F32 value %v", tt.file, name, i, v, r.Data[j])
					break
				}
			}
		}
	}
}

// TestTorchDtypes checks the F64, F16 and BF16 conversions against torch's
// on special values: each tensor "X" must read as "X_as_f32" exactly.
func TestTorchDtypes(t *testing.T) {
	ws, _, err := ReadFile(filepath.Join(torchDir, "dtypes.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"f64", "f16", "bf16", "f64_big"} {
		got, want := ws[name], ws[name+"_as_f32"]
		if got == nil || want == nil {
			t.Fatalf("%s or %s_as_f32 is missing", name, name)
		}
		testutil.SameWeights(t, zoo.Weights{name: got}, zoo.Weights{name: want})
	}
}

// TestTorchOutputs runs the PyTorch weights through a plain forward pass
// of the zoo model and compares with the outputs PyTorch computed.
func TestTorchOutputs(t *testing.T) {
	for _, name := range []string{"manifold-ae", "tiny-ae-2"} {
		t.Run(name, func(t *testing.T) {
			m, err := zoo.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			ws, _, err := ReadFile(filepath.Join(torchDir, name+".safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			exp, _, err := ReadFile(filepath.Join(torchDir, name+".expected.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			in := exp["input"]
			if in == nil || !slices.Equal(in.Shape, []int{8, 784}) {
				t.Fatalf("input is %v, want [8 784]", in)
			}
			for _, v := range in.Data {
				if v < 0 || v > 1 || math.Abs(float64(v*255-float32(math.Round(float64(v*255))))) > 1e-3 {
					t.Fatalf("input value %v is not a byte over 255", v)
				}
			}
			steps, err := m.Steps()
			if err != nil {
				t.Fatal(err)
			}
			x := in
			for _, s := range steps {
				x, err = forward(s, ws, x)
				if err != nil {
					t.Fatal(err)
				}
				if s.Part == "encoder" && s.Index == len(m.Parts[0].Layers)-1 {
					near(t, "code", x, exp["code"])
				}
			}
			near(t, "output", x, exp["output"])
		})
	}
}

// forward applies the layer of step s to the batch x.
func forward(s zoo.Step, ws zoo.Weights, x *zoo.Tensor) (*zoo.Tensor, error) {
	n := x.Shape[0]
	switch l := s.Layer.(type) {
	case zoo.Linear:
		w, b := ws[s.Prefix+".weight"], ws[s.Prefix+".bias"]
		y := zoo.NewTensor(n, l.Out)
		for i := range n {
			for o := range l.Out {
				acc := float64(b.Data[o])
				for k := range l.In {
					acc += float64(x.Data[i*l.In+k]) * float64(w.Data[o*l.In+k])
				}
				y.Data[i*l.Out+o] = float32(acc)
			}
		}
		return y, nil
	case zoo.ReLU, zoo.Sigmoid, zoo.Tanh, zoo.Identity:
		y := &zoo.Tensor{Shape: x.Shape, Data: slices.Clone(x.Data)}
		for i, v := range y.Data {
			switch l.(type) {
			case zoo.ReLU:
				y.Data[i] = max(v, 0)
			case zoo.Sigmoid:
				y.Data[i] = float32(1 / (1 + math.Exp(-float64(v))))
			case zoo.Tanh:
				y.Data[i] = float32(math.Tanh(float64(v)))
			}
		}
		return y, nil
	}
	return nil, fmt.Errorf("layer %s: %s not supported by this test", s.Prefix, s.Layer.Kind())
}

// near checks that got and want have the same shape and values within 1e-5.
func near(t *testing.T, what string, got, want *zoo.Tensor) {
	t.Helper()
	if want == nil || !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want)
	}
	for i := range got.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-5 {
			t.Fatalf("%s[%d] = %v, PyTorch computed %v", what, i, got.Data[i], want.Data[i])
		}
	}
}
