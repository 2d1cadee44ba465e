package progress

import (
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/train"
	"github.com/zoo-ml/zoo/zoo"
)

// TestTrainProgress: off a terminal, one line per epoch (a star on the
// best, accuracy for classifiers) and nothing per step.
func TestTrainProgress(t *testing.T) {
	var out strings.Builder
	p := New(&out, false, "cnn")
	info := &rundir.Info{Recipe: zoo.Recipe{Epochs: 3}}
	p.Step(train.Step{Epoch: 1, Epochs: 3, Batch: 1, Batches: 4, Loss: 0.5, PerSecond: 100})
	for _, tc := range []struct {
		ep   rundir.Epoch
		best int
	}{
		{rundir.Epoch{Epoch: 1, TrainLoss: 0.5, ValLoss: 0.25, Seconds: 1.25, PerSecond: 1234.4}, 1},
		{rundir.Epoch{Epoch: 2, TrainLoss: 0.4, ValLoss: 0.3, Seconds: 1, PerSecond: 1000, TrainAccuracy: 0.9, ValAccuracy: 0.85125}, 1},
	} {
		info.BestEpoch = tc.best
		p.Epoch(tc.ep, info)
	}
	p.Finish()
	want := "cnn epoch 1/3  train 0.500000  val 0.250000  1.2 s  1234 img/s *\n" +
		"cnn epoch 2/3  train 0.400000  val 0.300000  acc 90.00% / 85.12%  1.0 s  1000 img/s\n"
	if out.String() != want {
		t.Errorf("progress\n%q\nwant\n%q", out.String(), want)
	}
	var none *Train
	none.Finish() // quiet: no progress at all
}
