package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// labelled returns the 512 MNIST test images of fixtures/ with their
// labels, split 384/128.
func labelled(t *testing.T) (*Data, *Data) {
	t.Helper()
	const images, labels = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz", "../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
	r, err := dataset.OpenIDX(images)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, err := ReadData(r, images)
	if err != nil {
		t.Fatal(err)
	}
	l, err := dataset.ReadLabels(labels)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetLabels(l, labels, "test"); err != nil {
		t.Fatal(err)
	}
	tr, val, err := d.Split(128, 9)
	if err != nil {
		t.Fatal(err)
	}
	return tr, val
}

// digits is a small MLP classifier on 28x28 images.
func digits() *zoo.Model {
	return &zoo.Model{
		Name: "digits", Task: zoo.Classify, Input: []int{1, 28, 28},
		Parts: []zoo.Part{{Name: "classifier", Layers: []zoo.Layer{
			zoo.Flatten{}, zoo.Linear{In: 784, Out: 64}, zoo.ReLU{}, zoo.Linear{In: 64, Out: 10},
		}}},
		Recipe: zoo.Recipe{Optimizer: "adam", LR: 1e-3, Loss: "cross-entropy", BatchSize: 64, Epochs: 6, Shuffle: true, Seed: 3},
	}
}

func TestTrainClassifier(t *testing.T) {
	tr, val := labelled(t)
	dir := filepath.Join(t.TempDir(), "run")
	m := digits()
	info, err := Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	first, last := info.Epochs[0], info.Epochs[len(info.Epochs)-1]
	if last.ValAccuracy < 0.75 || last.TrainAccuracy <= first.TrainAccuracy || last.ValLoss >= first.ValLoss {
		t.Errorf("training did not learn: first %+v, last %+v", first, last)
	}

	// The reported validation accuracy is the argmax accuracy of the plain-Go
	// forward pass on the final weights.
	w := weights(t, dir)
	out, _, err := reference.Forward(m, w, val.X, val.N)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := range val.N {
		row := out[i*10 : (i+1)*10]
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		if best == int(val.Labels[i]) {
			correct++
		}
	}
	if want := float64(correct) / float64(val.N); last.ValAccuracy != want {
		t.Errorf("validation accuracy %v, reference forward gives %v", last.ValAccuracy, want)
	}

	csv, err := os.ReadFile(filepath.Join(dir, rundir.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(csv), "epoch,train_loss,val_loss,seconds,images_per_second,train_accuracy,val_accuracy\n") {
		t.Errorf("metrics.csv header: %q", strings.SplitN(string(csv), "\n", 2)[0])
	}
	got, err := rundir.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Val.LabelsName == "" || got.Epochs[len(got.Epochs)-1].ValAccuracy != last.ValAccuracy {
		t.Errorf("run.json lacks the labels or the accuracy: %+v", got.Epochs[len(got.Epochs)-1])
	}
}

func TestTrainClassifierLabelErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(tr, val *Data)
		want   string
	}{
		{"no labels", func(tr, val *Data) { tr.Labels = nil }, "has no labels"},
		{"short labels", func(tr, val *Data) { val.Labels = val.Labels[:5] }, "has 5 labels for 128 examples"},
		{"label out of range", func(tr, val *Data) { tr.Labels[7] = 12 }, "is 12, but the model has 10 classes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, val := labelled(t)
			tc.change(tr, val)
			_, err := Run(context.Background(), Options{Model: digits(), Train: tr, Val: val, Dir: filepath.Join(t.TempDir(), "run")})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	var d Data
	d.N = 3
	if err := d.SetLabels([]uint8{1}, "l.idx", ""); err == nil || !strings.Contains(err.Error(), "1 labels for the 3 images") {
		t.Errorf("SetLabels: %v", err)
	}
}
