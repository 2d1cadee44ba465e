package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

func tinyModel(input []int, enc, dec []zoo.Layer) *zoo.Model {
	return &zoo.Model{Name: "tiny", Task: zoo.Reconstruct, Input: input,
		Parts: []zoo.Part{{Name: "encoder", Layers: enc}, {Name: "decoder", Layers: dec}}}
}

// fill sets a float64 buffer to seeded values in [lo, hi).
func fill(rng *rand.Rand, d []float64, lo, hi float64) {
	for i := range d {
		d[i] = lo + (hi-lo)*rng.Float64()
	}
}

// TestGradients checks the gradient of every lowered layer and loss
// against central finite differences, in float64.
func TestGradients(t *testing.T) {
	for _, tc := range []struct {
		name     string
		m        *zoo.Model
		loss     zoo.Loss
		sparsity float64
		classify bool
		training bool
	}{
		{"linear-relu-sigmoid-mse", tinyModel([]int{5}, []zoo.Layer{zoo.Linear{In: 5, Out: 4}, zoo.ReLU{}}, []zoo.Layer{zoo.Linear{In: 4, Out: 5}, zoo.Sigmoid{}}), zoo.LossMSE, 0, false, false},
		{"linear-tanh-identity-msesum", tinyModel([]int{5}, []zoo.Layer{zoo.Linear{In: 5, Out: 3}, zoo.Tanh{}}, []zoo.Layer{zoo.Linear{In: 3, Out: 5}, zoo.Identity{}}), zoo.LossMSESum, 0, false, false},
		{"sparsity-l1", tinyModel([]int{5}, []zoo.Layer{zoo.Linear{In: 5, Out: 6}, zoo.ReLU{}}, []zoo.Layer{zoo.Linear{In: 6, Out: 5}, zoo.ReLU{}}), zoo.LossMSE, 0.05, false, false},
		{"flatten-unflatten", tinyModel([]int{1, 2, 3}, []zoo.Layer{zoo.Flatten{}, zoo.Linear{In: 6, Out: 3}, zoo.Tanh{}}, []zoo.Layer{zoo.Linear{In: 3, Out: 6}, zoo.Unflatten{Shape: []int{1, 2, 3}}}), zoo.LossMSE, 0, false, false},
		{"cross-entropy", &zoo.Model{Name: "cls", Task: zoo.Classify, Input: []int{5},
			Parts: []zoo.Part{{Name: "features", Layers: []zoo.Layer{zoo.Linear{In: 5, Out: 6}, zoo.Tanh{}}}, {Name: "classifier", Layers: []zoo.Layer{zoo.Linear{In: 6, Out: 4}}}}}, zoo.LossCrossEntropy, 0, true, false},
		// Convolutional layers, in tanh networks to keep clear of ReLU kinks.
		{"conv-pool-batchnorm-train", convClassifier(), zoo.LossCrossEntropy, 0, true, true},
		{"conv-pool-batchnorm-eval", convClassifier(), zoo.LossCrossEntropy, 0, true, false},
		{"conv-unpool-7x7-deconv", tinyModel([]int{1, 7, 7},
			[]zoo.Layer{zoo.Conv2d{In: 1, Out: 2, Kernel: 3, Padding: 1}, zoo.Tanh{}, zoo.MaxPool2d{Kernel: 2, Indices: true}},
			[]zoo.Layer{zoo.MaxUnpool2d{Kernel: 2, Pool: "encoder.2", Size: []int{7, 7}}, zoo.ConvTranspose2d{In: 2, Out: 1, Kernel: 3, Stride: 1, Padding: 1}, zoo.Sigmoid{}}),
			zoo.LossMSE, 0, false, true},
		{"strided-conv-deconv", tinyModel([]int{2, 8, 8},
			[]zoo.Layer{zoo.Conv2d{In: 2, Out: 2, Kernel: 4, Stride: 2, Padding: 1}, zoo.Tanh{}, zoo.Conv2d{In: 2, Out: 3, Kernel: 5, Padding: 2}, zoo.Tanh{}},
			[]zoo.Layer{zoo.ConvTranspose2d{In: 3, Out: 2, Kernel: 4, Stride: 2, Padding: 1}, zoo.Tanh{}, zoo.ConvTranspose2d{In: 2, Out: 1, Kernel: 3, Stride: 2}, zoo.Tanh{},
				zoo.Conv2d{In: 1, Out: 1, Kernel: 5}, zoo.ConvTranspose2d{In: 1, Out: 1, Kernel: 2, Stride: 2}}),
			zoo.LossMSESum, 0, false, true},
		{"dropout-train", tinyModel([]int{6}, []zoo.Layer{zoo.Linear{In: 6, Out: 5}, zoo.Tanh{}, zoo.Dropout{P: 0.5}}, []zoo.Layer{zoo.Linear{In: 5, Out: 6}}), zoo.LossMSE, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const batch = 3
			w := tc.m.InitWeights(11)
			n, err := NewNet(tc.m, w, Config{Batch: batch, Loss: tc.loss, Sparsity: tc.sparsity, SparsityOn: "encoder", Grad: true, Training: tc.training, Float64: true})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			rng := rand.New(rand.NewPCG(1, 2))
			fill(rng, n.xBuf.([]float64), -1, 1)
			tgt := n.tBuf.([]float64)
			if tc.classify {
				for i := 0; i < batch; i++ {
					for j := 0; j < 4; j++ {
						tgt[i*4+j] = 0
					}
					tgt[i*4+rng.IntN(4)] = 1
				}
			} else {
				fill(rng, tgt, 0, 1)
			}
			// The same dropout masks in every run.
			run := func() (float64, error) {
				n.SetSeed(42)
				l, _, err := n.Run()
				return l, err
			}
			if _, err := run(); err != nil {
				t.Fatal(err)
			}
			grads := make([][]float64, len(n.trainable))
			for i := range n.trainable {
				g, err := n.gradValue(i)
				if err != nil {
					t.Fatal(err)
				}
				grads[i] = append([]float64(nil), g.Data().([]float64)...)
			}
			// A step of 1e-5 balances truncation and rounding error; a
			// difference below 1e-7 is rounding noise of the loss (it also
			// covers gradients that are exactly zero, such as a convolution
			// bias before a training-mode BatchNorm).
			const eps, noise = 1e-5, 1e-7
			worst := 0.0
			for i, p := range n.trainable {
				vals := p.Value().Data().([]float64)
				for j := range vals {
					orig := vals[j]
					vals[j] = orig + eps
					lp, err := run()
					if err != nil {
						t.Fatal(err)
					}
					vals[j] = orig - eps
					lm, _ := run()
					vals[j] = orig
					num := (lp - lm) / (2 * eps)
					ana := grads[i][j]
					rel := math.Abs(num-ana) / math.Max(1e-7, math.Abs(num)+math.Abs(ana))
					worst = math.Max(worst, rel)
					if rel > 1e-5 && math.Abs(num-ana) > noise {
						t.Errorf("%s[%d]: analytic %.9g, numeric %.9g (relative error %.2g)", n.trainNames[i], j, ana, num, rel)
					}
				}
			}
			t.Logf("worst relative error %.2g over %d parameters", worst, tc.m.NumParams())
		})
	}
}

// convClassifier is a small classifier with every layer of the cnn model
// and a 7x7 input pooled to 3x3.
func convClassifier() *zoo.Model {
	return &zoo.Model{Name: "conv-cls", Task: zoo.Classify, Input: []int{2, 7, 7},
		Parts: []zoo.Part{
			{Name: "features", Layers: []zoo.Layer{
				zoo.Conv2d{In: 2, Out: 3, Kernel: 3, Padding: 1}, zoo.MaxPool2d{Kernel: 2}, zoo.BatchNorm2d{Channels: 3}, zoo.Tanh{},
				zoo.Conv2d{In: 3, Out: 2, Kernel: 3, Padding: 1}, zoo.BatchNorm2d{Channels: 2}, zoo.Tanh{},
			}},
			{Name: "classifier", Layers: []zoo.Layer{zoo.Flatten{}, zoo.Linear{In: 18, Out: 4}}},
		}}
}

// TestLossValues checks each loss against a direct computation.
func TestLossValues(t *testing.T) {
	m := &zoo.Model{Name: "id", Task: zoo.Classify, Input: []int{3},
		Parts: []zoo.Part{{Name: "p", Layers: []zoo.Layer{zoo.Identity{}}}}}
	x := []float64{0.5, -1, 2, 1.5, 0, -0.5}
	tg := []float64{0, 0, 1, 1, 0, 0}
	for _, tc := range []struct {
		loss zoo.Loss
		want float64
	}{
		{zoo.LossMSE, (0.25 + 1 + 1 + 0.25 + 0 + 0.25) / 6},
		{zoo.LossMSESum, (0.25 + 1 + 1 + 0.25 + 0 + 0.25) / 2},
		{zoo.LossCrossEntropy, (-(2 - math.Log(math.Exp(0.5)+math.Exp(-1)+math.Exp(2))) - (1.5 - math.Log(math.Exp(1.5)+1+math.Exp(-0.5)))) / 2},
	} {
		n, err := NewNet(m, zoo.Weights{}, Config{Batch: 2, Loss: tc.loss, Float64: true})
		if err != nil {
			t.Fatal(err)
		}
		copy(n.xBuf.([]float64), x)
		copy(n.tBuf.([]float64), tg)
		got, _, err := n.Run()
		n.Close()
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s = %v (%v), want %v", tc.loss, got, err, tc.want)
		}
	}
}

// TestForwardMatchesReference runs every registry model forward in
// gorgonia (float32) and in the plain-Go reference on the same weights.
func TestForwardMatchesReference(t *testing.T) {
	const batch = 16
	for _, m := range zoo.All() {
		t.Run(m.Name, func(t *testing.T) {
			w := m.InitWeights(3)
			n, err := NewNet(m, w, Config{Batch: batch})
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			rng := rand.New(rand.NewPCG(4, 5))
			x := n.Input()
			for i := range x {
				x[i] = rng.Float32()
			}
			if _, _, err := n.Run(); err != nil {
				t.Fatal(err)
			}
			want, _, err := reference.Forward(m, w, x, batch)
			if err != nil {
				t.Fatal(err)
			}
			got := n.Output()
			d := 0.0
			for i := range got {
				d = math.Max(d, math.Abs(float64(got[i]-want[i])))
			}
			if d > 1e-5 {
				t.Errorf("max |gorgonia - reference| = %g > 1e-5", d)
			}
		})
	}
}

// TestSharedWeights: a float32 net reads the weights' memory, so changing
// a weight in place changes the next output.
func TestSharedWeights(t *testing.T) {
	m, _ := zoo.Lookup("tiny-ae-2")
	w := m.InitWeights(0)
	n, err := NewNet(m, w, Config{Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, _, err := n.Run(); err != nil {
		t.Fatal(err)
	}
	before := append([]float32(nil), n.Output()...)
	for i := range w["decoder.0.bias"].Data {
		w["decoder.0.bias"].Data[i]++
	}
	if _, _, err := n.Run(); err != nil {
		t.Fatal(err)
	}
	if n.Output()[0] == before[0] {
		t.Fatal("output unchanged after changing the weights in place")
	}
}

// TestGradientsDoNotAccumulate: gorgonia adds each run's gradients to the
// previous ones; Net.Run must start from zero, and a graph whose weights
// changed in place must give what a fresh graph gives.
func TestGradientsDoNotAccumulate(t *testing.T) {
	m, _ := zoo.Lookup("manifold-ae")
	w := m.InitWeights(1)
	n, err := NewNet(m, w, Config{Batch: 4, Loss: zoo.LossMSE, Grad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for i := range n.Input() {
		n.Input()[i] = float32(i%7) / 7
		n.Target()[i] = float32(i%5) / 5
	}
	grads := func(n *Net) [][]float32 {
		if _, _, err := n.Run(); err != nil {
			t.Fatal(err)
		}
		g, _ := n.Grads()
		c := make([][]float32, len(g))
		for i := range g {
			c[i] = append([]float32(nil), g[i]...)
		}
		return c
	}
	first, second := grads(n), grads(n)
	for i := range first {
		if !slices.Equal(first[i], second[i]) {
			t.Fatalf("gradient %d changed between two runs on the same data", i)
		}
	}
	for _, p := range w {
		for i := range p.Data {
			p.Data[i] *= 1.5
		}
	}
	after := grads(n)
	fresh, err := NewNet(m, w, Config{Batch: 4, Loss: zoo.LossMSE, Grad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	copy(fresh.Input(), n.Input())
	copy(fresh.Target(), n.Target())
	for i, g := range grads(fresh) {
		if !slices.Equal(g, after[i]) {
			t.Fatalf("gradient %d of a reused graph differs from a fresh graph's", i)
		}
	}
}
