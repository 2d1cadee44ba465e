package train

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// The tolerances of TestTorchTrajectories: the loss of every step, and
// every tensor after the last, relative to the tensor's largest value.
const (
	trajectoryLossTol   = 1e-4
	trajectoryWeightTol = 1e-3
)

// TestTorchTrajectories trains zoo and PyTorch side by side: from the same
// weights (reference.SyntheticWeights) on the same batches, 20 steps of the
// recipe's optimizer and loss must give PyTorch's loss at every step and
// its weights and running statistics at the end (the fixtures of
// fixtures/torch/trajectory, made by make_trajectories.py). The one
// exception is the bias of a layer whose output reaches a BatchNorm2d with
// nothing between but max pooling: BatchNorm removes it, so its true
// gradient is 0 and what each engine computes is rounding noise, which
// Adam turns into full-size steps; that BatchNorm's running_mean, which
// averages the bias as it went, differs as much (its running_var does
// not, and is compared; TestTorchConvFixtures checks the running statistics
// of one training-mode forward against PyTorch).
func TestTorchTrajectories(t *testing.T) {
	for _, name := range []string{"cnn", "cnn-cifar", "conv-ae-cifar", "conv-ae-deconv", "conv-ae-deconv-unpool", "tiny-ae-2"} {
		t.Run(name, func(t *testing.T) {
			want, meta, err := safetensors.ReadFile(filepath.Join("..", "fixtures", "torch", "trajectory", name+".safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := zoo.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			var torchLosses []float64
			var rec struct {
				Optimizer zoo.Optimizer `json:"optimizer"`
				LR        float64       `json:"lr"`
				Momentum  float64       `json:"momentum"`
				Loss      zoo.Loss      `json:"loss"`
			}
			if err := json.Unmarshal([]byte(meta["losses"]), &torchLosses); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(meta["recipe"]), &rec); err != nil {
				t.Fatal(err)
			}
			r := m.Recipe
			if rec.Optimizer != r.Optimizer || rec.LR != r.LR || rec.Momentum != r.Momentum || rec.Loss != r.Loss {
				t.Fatalf("the fixture trains with %+v, the recipe is %+v", rec, r)
			}
			batch, _ := strconv.Atoi(meta["batch"])
			images, _ := strconv.Atoi(meta["images"])
			steps, _ := strconv.Atoi(meta["steps"])
			if batch <= 0 || images%batch != 0 || steps%(images/batch) != 0 || len(torchLosses) != steps {
				t.Fatalf("fixture: batch %d, images %d, steps %d, %d losses", batch, images, steps, len(torchLosses))
			}
			m.Recipe.BatchSize, m.Recipe.Epochs, m.Recipe.Shuffle = batch, steps/(images/batch), false
			tr := trajectoryData(t, meta["data"], images, m.Task == zoo.Classify)
			val := &Data{Images: tr.Images, Len: tr.Len}
			val.N, val.X = 16, tr.X[:16*tr.Len]
			if tr.Labels != nil {
				val.Labels = tr.Labels[:16]
			}

			var losses []float64
			dir := filepath.Join(t.TempDir(), "run")
			_, err = Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: dir,
				Init: reference.SyntheticWeights(m), InitFrom: "synthetic",
				OnStep: func(s Step) { losses = append(losses, s.Loss) }})
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range losses {
				if d := math.Abs(l - torchLosses[i]); d > trajectoryLossTol*math.Abs(torchLosses[i]) {
					t.Errorf("step %d: loss %.9g, PyTorch %.9g (relative difference %.2g)", i+1, l, torchLosses[i], d/math.Abs(torchLosses[i]))
				}
			}
			got := weights(t, dir)
			exempt := biasesBeforeBatchNorm(t, m)
			for _, k := range want.Names() {
				g, w := got[k], want[k]
				if g == nil || len(g.Data) != len(w.Data) {
					t.Errorf("%s: zoo's weights lack it or its size differs", k)
					continue
				}
				var scale, diff float64
				for i, v := range w.Data {
					scale = max(scale, math.Abs(float64(v)))
					diff = max(diff, math.Abs(float64(g.Data[i])-float64(v)))
				}
				switch {
				case w.Int64 && g.Data[0] != w.Data[0]:
					t.Errorf("%s: %v, PyTorch %v", k, g.Data[0], w.Data[0])
				case exempt[k]:
					t.Logf("%s: relative difference %.2g (a bias before BatchNorm, or its running mean: not compared)", k, diff/scale)
				case diff > trajectoryWeightTol*scale:
					t.Errorf("%s: largest difference %.3g, %.2g of its largest value %.3g", k, diff, diff/scale, scale)
				}
			}
		})
	}
}

// trajectoryData returns the images of a trajectory fixture: the first n
// of fixtures/mnist-512 (with their labels for a classifier), or n of the
// generated CIFAR-10 images of make_trajectories.py.
func trajectoryData(t *testing.T, kind string, n int, labels bool) *Data {
	t.Helper()
	switch kind {
	case "mnist-512":
		images, labelFile := dataImages, dataLabels
		r, err := dataset.OpenIDX(images)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		d, err := ReadData(r, images)
		if err != nil {
			t.Fatal(err)
		}
		d.N, d.X = n, d.X[:n*d.Len]
		if labels {
			l, err := dataset.ReadLabels(labelFile)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.SetLabels(l[:n], labelFile, "test"); err != nil {
				t.Fatal(err)
			}
		}
		return d
	case "cifar-formula":
		d := &Data{Images: dataset.Images{Name: "generated", N: n, Shape: []int{3, 32, 32}, X: make([]float32, n*3072),
			Labels: make([]uint8, n)}, Len: 3072}
		for k := range d.X {
			d.X[k] = float32(uint64(k)*2654435761>>13&255) / 255
		}
		for i := range d.Labels {
			d.Labels[i] = uint8(i * 7 % 10)
		}
		return d
	}
	t.Fatalf("fixture: unknown data %q", kind)
	return nil
}

// biasesBeforeBatchNorm returns the names of the biases of m whose layer's
// output goes to a BatchNorm2d through nothing but max pooling, and of the
// running_mean of that BatchNorm2d.
func biasesBeforeBatchNorm(t *testing.T, m *zoo.Model) map[string]bool {
	t.Helper()
	steps, err := m.Steps()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for i, s := range steps {
		j := i + 1
		for j < len(steps) && steps[j].Part == s.Part && isLayer[zoo.MaxPool2d](steps[j].Layer) {
			j++
		}
		if j < len(steps) && steps[j].Part == s.Part && isLayer[zoo.BatchNorm2d](steps[j].Layer) {
			for _, p := range s.Params {
				if filepath.Ext(p.Name) == ".bias" {
					out[p.Name], out[steps[j].Prefix+".running_mean"] = true, true
				}
			}
		}
	}
	return out
}

func isLayer[L zoo.Layer](l zoo.Layer) bool {
	_, ok := l.(L)
	return ok
}
