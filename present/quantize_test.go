package present

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// TestMeasureQuantized measures an autoencoder and a classifier with their
// int8 files on mnist-mini, through export.WriteDir's Measure: the metric
// of each, near each other, and the card states them.
func TestMeasureQuantized(t *testing.T) {
	testenv.NeedORT(t)
	for _, tc := range []struct {
		model    string
		classify bool
		maxDiff  float64 // |int8 - float32|, relative for the MSE, in points for the accuracy
	}{
		{"manifold-ae", false, 0.02},
		{"cnn", true, 0.01},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m, _ := zoo.Lookup(tc.model)
			var got *export.QuantQuality
			measure := MeasureQuantized(export.Int8, dataset.MiniName, false, infer.Options{Threads: 1}, nil, nil)
			dir := filepath.Join(t.TempDir(), m.Name)
			_, err := export.WriteDir(dir, m, m.InitWeights(2), export.DirOptions{
				Weights: "test", Quantize: export.Int8,
				Measure: func(d string) (*export.QuantQuality, error) {
					q, err := measure(d)
					got = q
					return q, err
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || got.Images != 2000 || got.Classify != tc.classify || got.Data != "t10k-images-idx3-ubyte.gz" && got.Data != dataset.MiniName {
				t.Fatalf("measured %+v", got)
			}
			d := math.Abs(got.Quantized - got.Float32)
			if !tc.classify {
				d /= got.Float32
			}
			t.Logf("%s", got)
			if !(got.Float32 > 0) || d > tc.maxDiff {
				t.Errorf("float32 %g, int8 %g: differ by %g > %g", got.Float32, got.Quantized, d, tc.maxDiff)
			}
		})
	}
}

// TestQuantEvalData: a run on a catalogue data set is measured on its test
// split; a run on files, or no run, on the model's own data set.
func TestQuantEvalData(t *testing.T) {
	m, _ := zoo.Lookup("relu-ae-30")
	if got := QuantEvalData(m, ""); got != m.Dataset+":test" {
		t.Errorf("no run: %q", got)
	}
	for _, tc := range []struct{ data, want string }{
		{"fashion-mnist", "fashion-mnist:test"},
		{"kmnist:train", "kmnist:test"},
		{"/data/train.idx", m.Dataset + ":test"},
	} {
		dir := t.TempDir()
		info := &rundir.Info{Model: m.Name, Args: map[string]string{"data": tc.data}}
		if err := rundir.WriteInfo(dir, info); err != nil {
			t.Fatal(err)
		}
		if got := QuantEvalData(m, dir); got != tc.want {
			t.Errorf("run on %s: %q, want %q", tc.data, got, tc.want)
		}
	}
}
