package crosscheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/train"
	"github.com/zoo-ml/zoo/zoo"
)

// layersPart names the part of the models of TestEveryLayerEveryLowering
// that holds the layer under test.
const layersPart = "layers"

// around returns a tiny valid classifier of two parts: "stem", one
// trainable layer (a Linear, or a 1x1 Conv2d for images) so that the
// training graph has gradients to flow through l, and layersPart: l, after
// the layers it needs (a MaxPool2d that keeps its indices, for a
// MaxUnpool2d) and before a Flatten when its output has more than one
// dimension. The stem is a part of its own, so that the training lowering
// does not fuse it with a ReLU under test. A new layer kind that takes
// none of these inputs needs a case here.
func around(l zoo.Layer) (*zoo.Model, error) {
	in := []int{6} // elementwise layers
	var layers []zoo.Layer
	switch l := l.(type) {
	case zoo.Linear:
		in = []int{l.In}
	case zoo.Conv2d:
		in = []int{l.In, 5, 5}
	case zoo.ConvTranspose2d:
		in = []int{l.In, 3, 3}
	case zoo.BatchNorm2d:
		in = []int{l.Channels, 3, 3}
	case zoo.MaxPool2d, zoo.Flatten:
		in = []int{2, 4, 5}
	case zoo.MaxUnpool2d:
		in = []int{2, 4, 5}
		layers = append(layers, zoo.MaxPool2d{Kernel: l.Kernel, Stride: l.Stride, Indices: true})
	case zoo.Unflatten:
		in = []int{zoo.Numel(l.Shape)}
	}
	if u, ok := l.(zoo.MaxUnpool2d); ok {
		u.Pool, u.Size = layersPart+".0", []int{4, 5} // the pool rounds 5 down to 2
		l = u
	}
	var stem zoo.Layer = zoo.Linear{In: in[0], Out: in[0]}
	if len(in) == 3 {
		stem = zoo.Conv2d{In: in[0], Out: in[0], Kernel: 1}
	}
	layers = append(layers, l)
	m := &zoo.Model{Name: "layer-" + l.Kind(), Family: "test", Task: zoo.Classify, Input: in,
		Parts:  []zoo.Part{{Name: "stem", Layers: []zoo.Layer{stem}}, {Name: layersPart, Layers: layers}},
		Recipe: zoo.Recipe{Optimizer: zoo.Adam, LR: 1e-3, Loss: zoo.LossCrossEntropy, BatchSize: 2, Epochs: 1}}
	out, err := m.OutShape()
	if err != nil {
		return nil, err
	}
	if len(out) > 1 {
		m.Parts[1].Layers = append(m.Parts[1].Layers, zoo.Flatten{})
	}
	return m, m.Validate()
}

// TestEveryLayerEveryLowering builds a tiny model around every layer kind
// (zoo.LayerKinds) and lowers it in each of the three lowerings: the
// training graph (gorgonia, in evaluation mode, and in training mode with a
// loss and gradients), the ONNX export, and the plain-Go reference. The
// evaluation-mode outputs of gorgonia and the reference must agree, and,
// where onnxruntime is installed, the export's. A kind that a lowering's
// type switch lacks fails with the kind and the lowering named.
func TestEveryLayerEveryLowering(t *testing.T) {
	const n = 2
	for _, l := range zoo.LayerKinds() {
		t.Run(l.Kind(), func(t *testing.T) {
			m, err := around(l)
			if err != nil {
				t.Fatalf("%s: no tiny model around it: %v", l.Kind(), err)
			}
			w := reference.SyntheticWeights(m)
			rng := rand.New(rand.NewPCG(uint64(len(l.Kind())), 7))
			x := make([]float32, n*zoo.Numel(m.Input))
			for i := range x {
				x[i] = rng.Float32()
			}

			ref, _, err := reference.Forward(m, w, x, n)
			if err != nil {
				t.Fatalf("%s: reference lowering: %v", l.Kind(), err)
			}

			g, err := lowerTrain(m, w, x, n, train.Config{Batch: n})
			if err != nil {
				t.Errorf("%s: train lowering (evaluation): %v", l.Kind(), err)
			} else if d := testutil.MaxAbsDiff(g, ref); d > 1e-5 {
				t.Errorf("%s: train lowering (evaluation) and reference differ by %g", l.Kind(), d)
			}
			// Training mode changes BatchNorm's running statistics in the
			// weights: lower it on fresh ones.
			cfg := train.Config{Batch: n, Loss: zoo.LossCrossEntropy, Grad: true, Training: true}
			if _, err := lowerTrain(m, reference.SyntheticWeights(m), x, n, cfg); err != nil {
				t.Errorf("%s: train lowering (training, with gradients): %v", l.Kind(), err)
			}

			mp, err := export.Model(m, w, export.Options{})
			if err != nil {
				t.Fatalf("%s: export lowering: %v", l.Kind(), err)
			}
			if _, err := proto.Marshal(mp); err != nil || len(mp.GetGraph().GetNode()) == 0 {
				t.Fatalf("%s: export lowering: %d nodes, %v", l.Kind(), len(mp.GetGraph().GetNode()), err)
			}
			t.Run("onnxruntime", func(t *testing.T) {
				testenv.NeedORT(t)
				o := onnxruntime(t, m, w, zoo.WholeModel, x, n)
				if d := testutil.MaxAbsDiff(o, ref); d > 1e-5 {
					t.Errorf("%s: export lowering in onnxruntime and reference differ by %g", l.Kind(), d)
				}
			})
		})
	}
}

// lowerTrain builds the gorgonia graph of m with cfg and runs it once on
// x, with a one-hot target of class 0 when the graph has a loss; it
// returns the output, and checks the loss and gradients are finite.
func lowerTrain(m *zoo.Model, w zoo.Weights, x []float32, n int, cfg train.Config) ([]float32, error) {
	net, err := train.NewNet(m, w, cfg)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	copy(net.Input(), x)
	if cfg.Loss != "" {
		target := net.Target()
		clear(target)
		for i := range n {
			target[i*len(target)/n] = 1
		}
	}
	loss, _, err := net.Run()
	if err != nil {
		return nil, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return nil, fmt.Errorf("loss %g", loss)
	}
	if cfg.Grad {
		gs, err := net.Grads()
		if err != nil {
			return nil, err
		}
		for i, g := range gs {
			if d := testutil.MaxAbsDiff(g, make([]float32, len(g))); math.IsInf(d, 0) {
				return nil, fmt.Errorf("gradient %d is not finite", i)
			}
		}
	}
	return append([]float32(nil), net.Output()...), nil
}
