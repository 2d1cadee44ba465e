package crosscheck

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/train"
	"github.com/zoo-ml/zoo/zoo"
)

const (
	images = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	labels = "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
	tol    = 1e-4
)

func TestMain(m *testing.M) {
	testenv.LoadORT(infer.Init)
	os.Exit(m.Run())
}

// inputs returns n inputs of m: fixture images for 28x28 models, seeded
// uniform values otherwise and for models that unpool. Max-unpooling is
// discontinuous where two values of a pooling window nearly tie: rounding
// differences of the order of 1e-7 between two engines can then put a value
// in another place. The blank background of MNIST digits makes such near
// ties common; uniform noise makes them vanishingly rare.
func inputs(t *testing.T, m *zoo.Model, n int) []float32 {
	t.Helper()
	size := zoo.Numel(m.Input)
	if size == 784 && !unpools(m) {
		_, x, err := dataset.ReadAllFloat32(images)
		if err != nil {
			t.Fatal(err)
		}
		return x[:n*784]
	}
	rng := rand.New(rand.NewPCG(uint64(size), 3))
	x := make([]float32, n*size)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

// gorgonia runs m forward in evaluation mode in the training engine.
func gorgonia(t *testing.T, m *zoo.Model, w zoo.Weights, x []float32, n int) []float32 {
	t.Helper()
	net, err := train.NewNet(m, w, train.Config{Batch: n})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	copy(net.Input(), x)
	if _, _, err := net.Run(); err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), net.Output()...)
}

// onnxruntime exports part of m with weights w and runs it in onnxruntime.
func onnxruntime(t *testing.T, m *zoo.Model, w zoo.Weights, part string, x []float32, n int) []float32 {
	t.Helper()
	mp, err := export.Model(m, w, export.Options{Part: part})
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), part+".onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := infer.Open(path, infer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	y, err := s.Run(x, n)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// TestONNXEqualsGorgonia runs every registry model, and each part exported
// on its own, through gorgonia (evaluation mode) and through its ONNX
// export in onnxruntime, on the same weights; BatchNorm gets non-trivial
// running statistics.
func TestONNXEqualsGorgonia(t *testing.T) {
	testenv.NeedORT(t)
	const n = 16
	for _, m := range zoo.All() {
		t.Run(m.Name, func(t *testing.T) {
			w := reference.SyntheticWeights(m)
			x := inputs(t, m, n)
			own, _ := export.Parts(m)
			parts := append([]string{"model"}, own...)
			for _, part := range parts {
				sub, in := m, x
				if part != "model" {
					var err error
					if sub, err = m.Sub(part); err != nil {
						t.Fatal(err)
					}
					if part != m.Parts[0].Name { // the decoder decodes the encoder's codes
						enc, _ := m.Sub(m.Parts[0].Name)
						in = gorgonia(t, enc, subWeights(enc, w), x, n)
					}
				}
				g := gorgonia(t, sub, subWeights(sub, w), in, n)
				o := onnxruntime(t, m, w, part, in, n)
				if d := testutil.MaxAbsDiff(g, o); d > tol {
					t.Errorf("%s: gorgonia and onnxruntime differ by %g", part, d)
				} else {
					t.Logf("%s: max |gorgonia - onnxruntime| = %.3g", part, d)
				}
			}
		})
	}
}

// subWeights returns the tensors of w that the (sub-)model m has.
func subWeights(m *zoo.Model, w zoo.Weights) zoo.Weights {
	s := zoo.Weights{}
	for _, p := range m.Params() {
		s[p.Name] = w[p.Name]
	}
	return s
}

// TestTrainedBatchNorm trains cnn briefly, so that its BatchNorm running
// statistics move away from their initial values, and checks that the
// evaluation-mode output of gorgonia equals onnxruntime's on the export of
// the saved weights (which carries the running statistics), and the
// plain-Go reference's.
func TestTrainedBatchNorm(t *testing.T) {
	testenv.NeedORT(t)
	r, err := dataset.OpenIDX(images)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, err := train.ReadData(r, images)
	if err != nil {
		t.Fatal(err)
	}
	l, err := dataset.ReadLabels(labels)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetLabels(l, labels, "fixture"); err != nil {
		t.Fatal(err)
	}
	tr, val, err := d.Split(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := zoo.Lookup("cnn")
	if err != nil {
		t.Fatal(err)
	}
	m.Recipe.Epochs, m.Recipe.BatchSize = 2, 64
	dir := filepath.Join(t.TempDir(), "run")
	info, err := train.Run(context.Background(), train.Options{Model: m, Train: tr, Val: val, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := safetensors.ReadFile(filepath.Join(dir, rundir.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"convBlock1.2.running_mean", "convBlock2.2.running_var"} {
		init := float32(0)
		if name == "convBlock2.2.running_var" {
			init = 1
		}
		moved := 0.0
		for _, v := range w[name].Data {
			moved = math.Max(moved, math.Abs(float64(v-init)))
		}
		if moved < 1e-3 {
			t.Errorf("%s did not move in training (max |change| %g)", name, moved)
		}
	}
	x := val.X[:32*784]
	g := gorgonia(t, m, w, x, 32)
	o := onnxruntime(t, m, w, "model", x, 32)
	ref, _, err := reference.Forward(m, w, x, 32)
	if err != nil {
		t.Fatal(err)
	}
	if d := testutil.MaxAbsDiff(g, o); d > tol {
		t.Errorf("trained cnn: gorgonia and onnxruntime differ by %g", d)
	} else {
		t.Logf("trained cnn (validation accuracy %.3f): max |gorgonia - onnxruntime| = %.3g, |reference - onnxruntime| = %.3g",
			info.Epochs[len(info.Epochs)-1].ValAccuracy, d, testutil.MaxAbsDiff(ref, o))
	}
	if d := testutil.MaxAbsDiff(ref, o); d > tol {
		t.Errorf("trained cnn: reference and onnxruntime differ by %g", d)
	}
}

// unpools reports whether m has a MaxUnpool2d layer.
func unpools(m *zoo.Model) bool {
	for _, p := range m.Parts {
		for _, l := range p.Layers {
			if _, ok := l.(zoo.MaxUnpool2d); ok {
				return true
			}
		}
	}
	return false
}
