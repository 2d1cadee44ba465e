package infer

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testfixture/torch"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

// modelInput returns n inputs for m: the fixture images for 28x28 models,
// uniform random values in [0, 1) (seeded) for other shapes.
func modelInput(t *testing.T, m *zoo.Model, n int) []float32 {
	t.Helper()
	if zoo.Numel(m.Input) == 784 {
		return images(t, n)
	}
	rng := rand.New(rand.NewPCG(11, uint64(zoo.Numel(m.Input))))
	x := make([]float32, n*zoo.Numel(m.Input))
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	return x
}

// parityWeights returns m.InitWeights(seed) with BatchNorm's weight, bias
// and running statistics moved away from 1, 0, 0 and 1, so that the
// evaluation-mode normalisation is exercised.
func parityWeights(m *zoo.Model, seed uint64) zoo.Weights {
	w := m.InitWeights(seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	for _, p := range m.Params() {
		if p.Init != zoo.InitOnes && p.Init != zoo.InitZeros {
			continue
		}
		for i := range w[p.Name].Data {
			u := 2*rng.Float64() - 1
			switch {
			case strings.HasSuffix(p.Name, ".running_var"):
				w[p.Name].Data[i] = float32(1 + 0.7*u)
			case p.Init == zoo.InitOnes:
				w[p.Name].Data[i] = float32(1 + 0.3*u)
			default:
				w[p.Name].Data[i] = float32(0.5 * u)
			}
		}
	}
	return w
}

// writeModel exports m (or one part) with weights w to a file and returns its path.
func writeModel(t *testing.T, m *zoo.Model, w zoo.Weights, part string) string {
	t.Helper()
	mp, err := export.Model(m, w, export.Options{Part: part})
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), strings.ReplaceAll(m.Name, "/", "-")+".onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUnpoolOddSizes runs small pool -> unpool models through onnxruntime
// and the reference: pools that round down (7x7 to 3x3 and back to 7x7,
// 5x9 to 2x4 and back), pools in pools, overlapping windows, and batch sizes
// 1 to 3, for ONNX MaxPool's whole-tensor indices and MaxUnpool's
// output_shape against PyTorch's per-plane indices in the reference.
func TestUnpoolOddSizes(t *testing.T) {
	testenv.NeedORT(t)
	pool := zoo.MaxPool2d{Kernel: 2, Indices: true}
	unpool := func(p string, h, w int) zoo.MaxUnpool2d {
		return zoo.MaxUnpool2d{Kernel: 2, Pool: p, Size: []int{h, w}}
	}
	for _, tc := range []struct {
		name     string
		in       []int
		enc, dec []zoo.Layer
	}{
		{"7x7", []int{2, 7, 7}, []zoo.Layer{pool}, []zoo.Layer{unpool("encoder.0", 7, 7)}},
		{"conv-5x9-convT", []int{3, 5, 9},
			[]zoo.Layer{zoo.Conv2d{In: 3, Out: 3, Kernel: 3, Padding: 1}, zoo.ReLU{}, pool},
			[]zoo.Layer{unpool("encoder.2", 5, 9), zoo.ConvTranspose2d{In: 3, Out: 3, Kernel: 3, Padding: 1}}},
		{"nested-11x13", []int{1, 11, 13},
			[]zoo.Layer{pool, zoo.Conv2d{In: 1, Out: 2, Kernel: 3, Padding: 1}, pool},
			[]zoo.Layer{unpool("encoder.2", 5, 6), zoo.Conv2d{In: 2, Out: 1, Kernel: 3, Padding: 1}, unpool("encoder.0", 11, 13)}},
		{"kernel3-stride2-9x10", []int{2, 9, 10},
			[]zoo.Layer{zoo.MaxPool2d{Kernel: 3, Stride: 2, Indices: true}},
			[]zoo.Layer{zoo.MaxUnpool2d{Kernel: 3, Stride: 2, Pool: "encoder.0", Size: []int{9, 10}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &zoo.Model{Name: tc.name, Task: zoo.Reconstruct, Input: tc.in,
				Parts:  []zoo.Part{{Name: "encoder", Layers: tc.enc}, {Name: "decoder", Layers: tc.dec}},
				Recipe: zoo.Recipe{Optimizer: "adam", LR: 1e-3, Loss: "mse", BatchSize: 1, Epochs: 1}}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			w := m.InitWeights(5)
			s := open(t, writeModel(t, m, w, "model"))
			for _, n := range []int{1, 3} {
				x := modelInput(t, m, n)
				want, _, err := reference.Forward(m, w, x, n)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Run(x, n)
				if err != nil {
					t.Fatal(err)
				}
				d := testutil.MaxAbsDiff(got, want)
				t.Logf("%s, batch %d: max |ORT - reference| = %.3g", tc.name, n, d)
				if d > 1e-5 {
					t.Errorf("batch %d: max abs diff %g > 1e-5", n, d)
				}
			}
		})
	}
}

// TestTorchConvFixtures runs the convolutional models exported with the
// weights of fixtures/torch through onnxruntime and compares with
// PyTorch's outputs, and the encoder.onnx files with PyTorch's codes.
func TestTorchConvFixtures(t *testing.T) {
	testenv.NeedORT(t)
	for _, name := range torch.ConvModels {
		t.Run(name, func(t *testing.T) {
			f, err := torch.Load("../fixtures/torch", name)
			if err != nil {
				t.Fatal(err)
			}
			dir := exportModel(t, f.Model, f.Weights)
			in := f.Expected["input"]
			n := in.Shape[0]
			got, err := open(t, filepath.Join(dir, zoo.ModelFile)).Run(in.Data, n)
			if err != nil {
				t.Fatal(err)
			}
			d := testutil.MaxAbsDiff(got, f.Expected["output"].Data)
			msg := fmt.Sprintf("%s: max |ORT - PyTorch| = %.3g", name, d)
			if d > 1e-5 {
				t.Errorf("output differs from PyTorch's by %g (> 1e-5)", d)
			}
			if code := f.Expected["code"]; code != nil {
				got, err := open(t, filepath.Join(dir, zoo.PartFile(f.Model.Parts[0].Name))).Run(in.Data, n)
				if err != nil {
					t.Fatal(err)
				}
				dc := testutil.MaxAbsDiff(got, code.Data)
				msg += fmt.Sprintf(", code %.3g", dc)
				if dc > 1e-5 {
					t.Errorf("code differs from PyTorch's by %g (> 1e-5)", dc)
				}
			}
			t.Log(msg)
		})
	}
}
