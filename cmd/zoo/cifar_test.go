package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
)

// writeCIFAR writes a CIFAR-10 batch file of n records in the official
// layout (label byte, then 3072 pixel bytes), learnable: the mean
// brightness of channel label%3 is raised.
func writeCIFAR(t *testing.T, path string, n int, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, 0, n*3073)
	var labels []byte
	for range n {
		l := byte(rng.IntN(10))
		labels = append(labels, l)
		b = append(b, l)
		for c := range 3 {
			for range 1024 {
				v := rng.IntN(128)
				if c == int(l)%3 {
					v += 100 + int(l)*12
				}
				b = append(b, byte(min(v, 255)))
			}
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return labels
}

// TestCIFARClassifier trains cnn-cifar on CIFAR-10 batch files, exports the
// run and classifies the test batch, whose labels come from the same file.
func TestCIFARClassifier(t *testing.T) {
	testenv.NeedORT(t)
	dir := t.TempDir()
	trainBin, testBin := filepath.Join(dir, "data_batch_1.bin"), filepath.Join(dir, "test_batch.bin")
	writeCIFAR(t, trainBin, 96, 1)
	labels := writeCIFAR(t, testBin, 40, 2)
	runs, models := filepath.Join(dir, "runs"), filepath.Join(dir, "models")
	r := run(t, nil, "train", "cnn-cifar", "--data", trainBin, "--val-data", testBin, "--epochs", "2", "--batch", "32",
		"--out", runs, "--name", "r", "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "validation accuracy") {
		t.Fatalf("train: %+v", r)
	}
	b, err := os.ReadFile(filepath.Join(runs, "cnn-cifar", "r", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Train struct {
			N      int    `json:"n"`
			Labels string `json:"labels"`
		} `json:"train_data"`
		Epochs []struct {
			ValAccuracy float64 `json:"val_accuracy"`
		} `json:"epochs"`
	}
	if err := json.Unmarshal(b, &info); err != nil || info.Train.N != 96 || info.Train.Labels != trainBin || len(info.Epochs) != 2 {
		t.Fatalf("run.json: %v %s", err, b)
	}
	if r := run(t, nil, "export", filepath.Join(runs, "cnn-cifar", "r"), "--out", models); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	if r := run(t, nil, "verify", filepath.Join(models, "cnn-cifar"), "--rtol", "1e-4", "--atol", "1e-5"); r.code != 0 {
		t.Fatalf("verify: %+v", r)
	}
	js := filepath.Join(dir, "m.json")
	r = run(t, nil, "infer", filepath.Join(models, "cnn-cifar"), testBin, "--json", js)
	if r.code != 0 {
		t.Fatalf("infer: %+v", r)
	}
	var rep struct {
		Accuracy float64 `json:"accuracy"`
		Labels   string  `json:"labels"`
	}
	b, _ = os.ReadFile(js)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	// The accuracy zoo infer reports from the file's own labels is the last
	// epoch's validation accuracy of the same weights on the same file.
	want := info.Epochs[len(info.Epochs)-1].ValAccuracy
	if fmt.Sprintf("%.6f", rep.Accuracy) != fmt.Sprintf("%.6f", want) || len(labels) != 40 {
		t.Errorf("infer accuracy %v, training validation accuracy %v (%s)", rep.Accuracy, want, b)
	}
	if !strings.Contains(r.stdout, "airplane") {
		t.Errorf("no CIFAR-10 class names in\n%s", r.stdout)
	}

	// cifar-10 by name is not on the search path here: a clear error, no mnist-mini fallback.
	r = run(t, []string{"ZOO_DATA=" + dir, "XDG_CACHE_HOME=" + dir}, "train", "cnn-cifar", "--out", runs, "--quiet")
	if r.code == 0 || !strings.Contains(r.stderr, "zoo data fetch cifar-10") {
		t.Errorf("missing cifar-10: %+v", r)
	}
}

// TestShowParamCounts checks the totals zoo show prints against the
// notebooks' counts (PyTorch's sum of parameters().numel()).
func TestShowParamCounts(t *testing.T) {
	for model, want := range map[string]string{"mlp-cifar": "813398", "cnn-cifar": "109050", "cnn": "14746"} {
		r := run(t, nil, "show", model)
		if r.code != 0 {
			t.Fatalf("show %s: %+v", model, r)
		}
		var total string
		for _, line := range strings.Split(r.stdout, "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "total" {
				total = f[1]
			}
		}
		if total != want {
			t.Errorf("zoo show %s: total %q, want %s", model, total, want)
		}
	}
}
