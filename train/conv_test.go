package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	torch "github.com/zoo-ml/zoo/internal/testfixture/torch"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/zoo"
)

// TestTorchConvFixtures runs the convolutional models on PyTorch's weights
// and inputs and compares with PyTorch's outputs: in evaluation mode for
// all of them, and for cnn also one training-mode forward, whose BatchNorm
// running statistics must be those PyTorch left.
func TestTorchConvFixtures(t *testing.T) {
	for _, name := range torch.ConvModels {
		t.Run(name, func(t *testing.T) {
			f, err := torch.Load("../fixtures/torch", name)
			if err != nil {
				t.Fatal(err)
			}
			in := f.Expected["input"]
			batch := in.Shape[0]
			check := func(cfg Config, want string) {
				t.Helper()
				cfg.Batch = batch
				n, err := NewNet(f.Model, f.Weights, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer n.Close()
				copy(n.Input(), in.Data)
				if _, _, err := n.Run(); err != nil {
					t.Fatal(err)
				}
				if d := testutil.MaxAbsDiff(n.Output(), f.Expected[want].Data); d > 2e-5 {
					t.Errorf("training %t: max |zoo - PyTorch| = %g", cfg.Training, d)
				}
			}
			check(Config{}, "output")
			if f.Expected["train.output"] == nil {
				return
			}
			check(Config{Training: true}, "train.output")
			for key, want := range f.Expected {
				const prefix = "train."
				if len(key) <= len(prefix) || key[:len(prefix)] != prefix || key == "train.output" {
					continue
				}
				got, ok := f.Weights[key[len(prefix):]]
				if !ok {
					t.Errorf("%s: no such weight", key)
					continue
				}
				if d := testutil.MaxAbsDiff(got.Data, want.Data); d > 1e-6 {
					t.Errorf("%s after a training forward: max |zoo - PyTorch| = %g", key[len(prefix):], d)
				}
			}
		})
	}
}

// TestBatchNormTraining checks a training-mode BatchNorm2d against a direct
// computation in float64, and that its running statistics are updated in
// the weights' memory, where an evaluation-mode Net on the same weights
// sees them.
func TestBatchNormTraining(t *testing.T) {
	const batch, c, h, w = 5, 3, 4, 3
	m := &zoo.Model{Name: "bn", Task: zoo.Reconstruct, Input: []int{c, h, w},
		Parts: []zoo.Part{{Name: "encoder", Layers: []zoo.Layer{zoo.BatchNorm2d{Channels: c}}}}}
	ws := m.InitWeights(0)
	rng := rand.New(rand.NewPCG(8, 9))
	for _, p := range []string{"weight", "bias", "running_mean", "running_var"} {
		for i := range ws["encoder.0."+p].Data {
			ws["encoder.0."+p].Data[i] = 0.5 + rng.Float32()
		}
	}
	train, err := NewNet(m, ws, Config{Batch: batch, Training: true})
	if err != nil {
		t.Fatal(err)
	}
	defer train.Close()
	eval, err := NewNet(m, ws, Config{Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer eval.Close()
	x := train.Input()
	for i := range x {
		x[i] = 3*rng.Float32() - 1
	}
	copy(eval.Input(), x)
	gamma, beta := ws["encoder.0.weight"].Data, ws["encoder.0.bias"].Data
	rm, rv := slices.Clone(ws["encoder.0.running_mean"].Data), slices.Clone(ws["encoder.0.running_var"].Data)

	if _, _, err := train.Run(); err != nil {
		t.Fatal(err)
	}
	const p, n = h * w, batch * h * w
	for ch := 0; ch < c; ch++ {
		var mean, sq float64
		for i := 0; i < batch; i++ {
			for _, v := range x[(i*c+ch)*p:][:p] {
				mean += float64(v)
			}
		}
		mean /= n
		for i := 0; i < batch; i++ {
			for _, v := range x[(i*c+ch)*p:][:p] {
				sq += (float64(v) - mean) * (float64(v) - mean)
			}
		}
		for i := 0; i < batch; i++ {
			for j := 0; j < p; j++ {
				k := (i*c+ch)*p + j
				want := (float64(x[k])-mean)/math.Sqrt(sq/n+zoo.BatchNormEps)*float64(gamma[ch]) + float64(beta[ch])
				if d := math.Abs(float64(train.Output()[k]) - want); d > 1e-5 {
					t.Fatalf("output[%d] = %v, want %v", k, train.Output()[k], want)
				}
			}
		}
		wantRM := 0.9*float64(rm[ch]) + 0.1*mean
		wantRV := 0.9*float64(rv[ch]) + 0.1*sq/(n-1)
		gotRM, gotRV := ws["encoder.0.running_mean"].Data[ch], ws["encoder.0.running_var"].Data[ch]
		if math.Abs(float64(gotRM)-wantRM) > 1e-6 || math.Abs(float64(gotRV)-wantRV) > 1e-6 {
			t.Errorf("channel %d: running stats (%v, %v), want (%v, %v)", ch, gotRM, gotRV, wantRM, wantRV)
		}
	}

	if _, _, err := eval.Run(); err != nil {
		t.Fatal(err)
	}
	nrm, nrv := ws["encoder.0.running_mean"].Data, ws["encoder.0.running_var"].Data
	for k, v := range x {
		ch := k / p % c
		want := (float64(v)-float64(nrm[ch]))/math.Sqrt(float64(nrv[ch])+zoo.BatchNormEps)*float64(gamma[ch]) + float64(beta[ch])
		if d := math.Abs(float64(eval.Output()[k]) - want); d > 1e-5 {
			t.Fatalf("eval output[%d] = %v, want %v (with the updated running statistics)", k, eval.Output()[k], want)
		}
	}
	if !slices.Equal(nrm, ws["encoder.0.running_mean"].Data) || slices.Equal(nrm, rm) {
		t.Error("evaluation changed the running statistics, or training did not")
	}
}

// TestDropout checks that dropout drops in training mode only, with masks
// that SetSeed makes reproducible, at rate p, scaled by 1/(1-p).
func TestDropout(t *testing.T) {
	const batch, size, p = 4, 500, 0.25
	m := &zoo.Model{Name: "drop", Task: zoo.Reconstruct, Input: []int{size},
		Parts: []zoo.Part{{Name: "encoder", Layers: []zoo.Layer{zoo.Dropout{P: p}}}}}
	run := func(n *Net, seed uint64, reseed bool) []float32 {
		t.Helper()
		for i := range n.Input() {
			n.Input()[i] = 1 + float32(i%3)
		}
		if reseed {
			n.SetSeed(seed)
		}
		if _, _, err := n.Run(); err != nil {
			t.Fatal(err)
		}
		return slices.Clone(n.Output())
	}
	eval, err := NewNet(m, zoo.Weights{}, Config{Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer eval.Close()
	if got := run(eval, 1, true); !slices.Equal(got, eval.Input()) {
		t.Error("evaluation mode changed the input")
	}
	train, err := NewNet(m, zoo.Weights{}, Config{Batch: batch, Training: true})
	if err != nil {
		t.Fatal(err)
	}
	defer train.Close()
	a, b := run(train, 7, true), run(train, 7, true)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different masks")
	}
	if c := run(train, 7, false); slices.Equal(a, c) {
		t.Error("a second run without reseeding gave the same mask")
	}
	if c := run(train, 8, true); slices.Equal(a, c) {
		t.Error("another seed gave the same mask")
	}
	zeros := 0
	for i, v := range a {
		in := 1 + float32(i%3)
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v-in/(1-p))) > 1e-6:
			t.Fatalf("kept element %d is %v, want %v", i, v, in/(1-p))
		}
	}
	if rate := float64(zeros) / float64(len(a)); math.Abs(rate-p) > 0.04 {
		t.Errorf("dropped %.3f of the elements, want about %v", rate, p)
	}
}

// TestGradsTrainableOrder checks that Grads follows Model.Trainable():
// BatchNorm's running statistics have no gradient.
func TestGradsTrainableOrder(t *testing.T) {
	m, err := zoo.Lookup("cnn")
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewNet(m, m.InitWeights(1), Config{Batch: 2, Loss: zoo.LossCrossEntropy, Grad: true, Training: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.Target()[3], n.Target()[17] = 1, 1
	if _, _, err := n.Run(); err != nil {
		t.Fatal(err)
	}
	gs, err := n.Grads()
	if err != nil {
		t.Fatal(err)
	}
	tr := m.Trainable()
	if len(gs) != len(tr) || len(tr) == len(m.Params()) {
		t.Fatalf("%d gradients, %d trainable of %d parameters", len(gs), len(tr), len(m.Params()))
	}
	for i, p := range tr {
		if len(gs[i]) != p.Size() || n.trainNames[i] != p.Name {
			t.Errorf("gradient %d: %s of %d values, want %s of %d", i, n.trainNames[i], len(gs[i]), p.Name, p.Size())
		}
	}
}

// hasConvLayers tells whether m has any of the layers of package spatial
// or a Dropout.
func hasConvLayers(m *zoo.Model) bool {
	for _, p := range m.Parts {
		for _, l := range p.Layers {
			switch l.(type) {
			case zoo.Conv2d, zoo.ConvTranspose2d, zoo.MaxPool2d, zoo.MaxUnpool2d, zoo.BatchNorm2d, zoo.Dropout:
				return true
			}
		}
	}
	return false
}

// TestRegistryGradients checks, for every registry model with
// convolutional layers or dropout, the gradient of a training-mode float64
// graph against central differences on a few sampled elements of each
// trainable parameter. The weights are jittered so that no ReLU input sits
// at its kink (zero-initialised biases after a dead unit would).
func TestRegistryGradients(t *testing.T) {
	for _, m := range zoo.All() {
		if !hasConvLayers(m) {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			const batch = 2
			loss := m.Recipe.Loss
			if loss == "" {
				loss = zoo.LossMSE
			}
			n, err := NewNet(m, m.InitWeights(5), Config{Batch: batch, Loss: loss, Grad: true, Training: true, Float64: true})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			rng := rand.New(rand.NewPCG(6, 7))
			for _, p := range n.trainable {
				for i, v := range p.Value().Data().([]float64) {
					p.Value().Data().([]float64)[i] = v + 0.01*(2*rng.Float64()-1)
				}
			}
			fill(rng, n.xBuf.([]float64), 0, 1)
			tgt := n.tBuf.([]float64)
			if m.Task == zoo.Classify {
				k := len(tgt) / batch
				for i := 0; i < batch; i++ {
					tgt[i*k+rng.IntN(k)] = 1
				}
			} else {
				fill(rng, tgt, 0, 1)
			}
			run := func() float64 {
				n.SetSeed(3)
				l, _, err := n.Run()
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			run()
			grads := make([][]float64, len(n.trainable))
			for i := range n.trainable {
				g, err := n.gradValue(i)
				if err != nil {
					t.Fatal(err)
				}
				grads[i] = slices.Clone(g.Data().([]float64))
			}
			const noise = 1e-7
			for i, p := range n.trainable {
				vals := p.Value().Data().([]float64)
				for _, j := range []int{0, rng.IntN(len(vals)), len(vals) - 1} {
					// A step that moves a pool's maximum to another element
					// of its window (or a ReLU across 0) jumps the loss; the
					// same gradient seen with a 10 or 100 times smaller step
					// is not a jump but the derivative.
					var num float64
					ana, ok := grads[i][j], false
					for _, eps := range []float64{1e-5, 1e-6, 1e-7} {
						orig := vals[j]
						vals[j] = orig + eps
						lp := run()
						vals[j] = orig - eps
						lm := run()
						vals[j] = orig
						num = (lp - lm) / (2 * eps)
						if d := math.Abs(num - ana); d <= noise || d <= 1e-4*(math.Abs(num)+math.Abs(ana)) {
							ok = true
							break
						}
					}
					if !ok {
						t.Errorf("%s[%d]: analytic %.9g, numeric %.9g", n.trainNames[i], j, ana, num)
					}
				}
			}
		})
	}
}

// TestTorchGradients compares the float32 training-mode gradients of the
// recipe's loss with PyTorch's, from the same weights and inputs: cnn
// (cross-entropy, BatchNorm with batch statistics) and conv-ae-deconv (MSE).
func TestTorchGradients(t *testing.T) {
	for _, name := range []string{"cnn", "conv-ae-deconv"} {
		t.Run(name, func(t *testing.T) {
			f, err := torch.Load("../fixtures/torch", name)
			if err != nil {
				t.Fatal(err)
			}
			if f.Expected["grad.loss"] == nil {
				t.Fatal("fixture has no gradients: regenerate fixtures/torch")
			}
			in := f.Expected["input"]
			batch := in.Shape[0]
			n, err := NewNet(f.Model, f.Weights, Config{Batch: batch, Loss: f.Model.Recipe.Loss, Grad: true, Training: true})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			copy(n.Input(), in.Data)
			if labels := f.Expected["grad.labels"]; labels != nil {
				tg := n.Target()
				clear(tg)
				for i, l := range labels.Data {
					tg[i*10+int(l)] = 1
				}
			} else {
				copy(n.Target(), in.Data)
			}
			loss, _, err := n.Run()
			if err != nil {
				t.Fatal(err)
			}
			if want := float64(f.Expected["grad.loss"].Data[0]); math.Abs(loss-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Errorf("loss %v, PyTorch %v", loss, want)
			}
			grads, err := n.Grads()
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range f.Model.Trainable() {
				want := f.Expected["grad."+p.Name]
				if want == nil {
					t.Fatalf("no PyTorch gradient of %s", p.Name)
				}
				scale := 0.0
				for _, v := range want.Data {
					scale = math.Max(scale, math.Abs(float64(v)))
				}
				// A conv bias just before a training-mode BatchNorm has a gradient
				// of exactly zero; both sides then hold rounding noise, hence the
				// absolute floor of 1e-5.
				if d := testutil.MaxAbsDiff(grads[i], want.Data); d > math.Max(1e-4*scale, 1e-5) {
					t.Errorf("gradient of %s: max |zoo - PyTorch| = %g (largest |gradient| %g)", p.Name, d, scale)
				}
			}
		})
	}
}
