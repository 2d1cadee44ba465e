package rundir

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMetricsRoundTrip(t *testing.T) {
	epochs := []Epoch{
		{Epoch: 1, TrainLoss: 0.1, ValLoss: 0.2, Seconds: 1.5, PerSecond: 1000, TrainAccuracy: 0.5, ValAccuracy: 0.25},
		{Epoch: 2, TrainLoss: 1.0 / 3, ValLoss: 2e-9, Seconds: 0.25, PerSecond: 4000.5, TrainAccuracy: 0.75, ValAccuracy: 1},
	}
	for _, tc := range []struct {
		name     string
		accuracy bool
		text     string
	}{
		{"autoencoder", false, "epoch,train_loss,val_loss,seconds,images_per_second\n" +
			"1,0.1,0.2,1.5,1000\n2,0.3333333333333333,2e-09,0.25,4000.5\n"},
		{"classifier", true, "epoch,train_loss,val_loss,seconds,images_per_second,train_accuracy,val_accuracy\n" +
			"1,0.1,0.2,1.5,1000,0.5,0.25\n2,0.3333333333333333,2e-09,0.25,4000.5,0.75,1\n"},
	} {
		dir := t.TempDir()
		if err := WriteMetrics(dir, epochs, tc.accuracy); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, MetricsFile)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.text {
			t.Errorf("%s: metrics.csv\n%s\nwant\n%s", tc.name, b, tc.text)
		}
		got, err := ReadMetrics(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(epochs) {
			t.Fatalf("%s: %d epochs read back, want %d", tc.name, len(got), len(epochs))
		}
		for i, e := range got {
			want := epochs[i]
			if !tc.accuracy {
				if !math.IsNaN(e.TrainAccuracy) || !math.IsNaN(e.ValAccuracy) {
					t.Errorf("%s: epoch %d: accuracy %v/%v without the columns, want NaN", tc.name, i+1, e.TrainAccuracy, e.ValAccuracy)
				}
				e.TrainAccuracy, e.ValAccuracy = want.TrainAccuracy, want.ValAccuracy
			}
			if e != want {
				t.Errorf("%s: epoch %d read back as %+v, want %+v", tc.name, i+1, e, want)
			}
		}
	}
}

func TestReadMetrics(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name, text string
		want       []Epoch // nil with err
		err        string
	}{
		{"empty file", "", []Epoch{}, ""},
		{"header only", "epoch,train_loss,val_loss\n", []Epoch{}, ""},
		{"columns in any order, some missing", "train_loss,epoch\n0.5,3\n",
			[]Epoch{{Epoch: 3, TrainLoss: 0.5, ValLoss: nan, Seconds: nan, PerSecond: nan, TrainAccuracy: nan, ValAccuracy: nan}}, ""},
		{"empty cells", "epoch,train_loss,val_loss,seconds\n1,,0.25,\n",
			[]Epoch{{Epoch: 1, TrainLoss: nan, ValLoss: 0.25, Seconds: nan, PerSecond: nan, TrainAccuracy: nan, ValAccuracy: nan}}, ""},
		{"no epoch column", "step,train_loss\n1,2\n", nil, `has no column "epoch" (header [step train_loss]); want a zoo train metrics.csv`},
		{"no train_loss column", "epoch,val_loss\n1,2\n", nil, `has no column "train_loss"`},
		{"not a number", "epoch,train_loss\n1,0.5\n2,x\n", nil, `line 3: train_loss "x" is not a number`},
		{"fractional epoch", "epoch,train_loss\n1.5,0.5\n", nil, `line 2: epoch "1.5" is not an epoch number`},
		{"negative epoch", "epoch,train_loss\n-1,0.5\n", nil, `line 2: epoch "-1" is not an epoch number`},
		{"not CSV", "epoch,train_loss\n1,\"0.5\n", nil, "read "},
	} {
		path := filepath.Join(t.TempDir(), MetricsFile)
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadMetrics(path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: %v, want an error naming %s: %s", tc.name, err, path, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if !sameEpoch(got[i], tc.want[i]) {
				t.Errorf("%s: %+v, want %+v", tc.name, got[i], tc.want[i])
			}
		}
	}
	if _, err := ReadMetrics(filepath.Join(t.TempDir(), "missing.csv")); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

// sameEpoch compares epochs, taking NaN to equal NaN.
func sameEpoch(a, b Epoch) bool {
	eq := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	return a.Epoch == b.Epoch && eq(a.TrainLoss, b.TrainLoss) && eq(a.ValLoss, b.ValLoss) && eq(a.Seconds, b.Seconds) &&
		eq(a.PerSecond, b.PerSecond) && eq(a.TrainAccuracy, b.TrainAccuracy) && eq(a.ValAccuracy, b.ValAccuracy)
}

func TestWriteMetricsReplaces(t *testing.T) {
	dir := t.TempDir()
	if err := WriteMetrics(dir, []Epoch{{Epoch: 1}, {Epoch: 2}}, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteMetrics(dir, []Epoch{{Epoch: 1}}, false); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil || len(got) != 1 {
		t.Errorf("after a rewrite: %+v, %v", got, err)
	}
	if err := WriteMetrics(filepath.Join(dir, "missing"), nil, false); err == nil {
		t.Error("missing folder: no error")
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 1 {
		t.Errorf("%s holds %d entries, want metrics.csv alone", dir, len(es))
	}
}
