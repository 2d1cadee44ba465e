package main

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

// evalJSON is the part of eval.json the tests read.
type evalJSON struct {
	Model          struct{ Name, Task string }
	Images         int
	Accuracy       *float64
	Classification *struct {
		Correct  int64
		Matrix   [][]int64 `json:"confusion_matrix"`
		PerClass []struct {
			Class     int
			Recall    *float64
			Precision *float64
		} `json:"per_class"`
	}
	Reconstruction *struct {
		Images   int
		MSE      float64
		ClassMSE []*float64 `json:"class_mse"`
		Worst    []struct {
			Index, Label int
			MSE          float64
		}
	}
	Files map[string]string
}

func readEvalJSON(t *testing.T, path string) evalJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e evalJSON
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func pngSize(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg.Width, cfg.Height
}

// TestEvalClassifier evaluates the nearest-class-mean classifier on the
// fixture: accuracy, confusion matrix and per-class numbers against the
// predictions computed in plain Go.
func TestEvalClassifier(t *testing.T) {
	testenv.NeedORT(t)
	tc := newTestClassifier(t)
	out := filepath.Join(t.TempDir(), "eval")
	r := run(t, nil, "eval", tc.dir, clsImages, "--labels", clsLabels, "--out", out)
	if r.code != 0 {
		t.Fatalf("eval: %+v", r)
	}
	e := readEvalJSON(t, filepath.Join(out, "eval.json"))
	want := make([][]int64, 10)
	for i := range want {
		want[i] = make([]int64, 10)
	}
	for i, l := range tc.labels {
		want[l][tc.preds[i]]++
	}
	if e.Model.Task != "classify" || e.Images != 512 || e.Accuracy == nil || *e.Accuracy != float64(tc.correct())/512 ||
		e.Classification == nil || e.Classification.Correct != int64(tc.correct()) {
		t.Fatalf("eval.json %+v, want %d of 512 correct", e, tc.correct())
	}
	for c := range 10 {
		var support, predicted int64
		for k := range 10 {
			if got := e.Classification.Matrix[c][k]; got != want[c][k] {
				t.Errorf("confusion[%d][%d] = %d, want %d", c, k, got, want[c][k])
			}
			support += want[c][k]
			predicted += want[k][c]
		}
		pc := e.Classification.PerClass[c]
		if pc.Recall == nil || *pc.Recall != float64(want[c][c])/float64(support) ||
			pc.Precision == nil || *pc.Precision != float64(want[c][c])/float64(predicted) {
			t.Errorf("class %d: recall %v, precision %v; want %d/%d, %d/%d", c, pc.Recall, pc.Precision, want[c][c], support, want[c][c], predicted)
		}
	}
	if w, h := pngSize(t, filepath.Join(out, "confusion.png")); [2]int{w, h} != func() [2]int { a, b := figure.ConfusionSize(10); return [2]int{a, b} }() {
		t.Errorf("confusion.png is %dx%d", w, h)
	}
	txt, err := os.ReadFile(filepath.Join(out, "confusion.txt"))
	if err != nil || !strings.HasPrefix(string(txt), "true \\ predicted") || strings.Count(string(txt), "\n") != 11 {
		t.Errorf("confusion.txt %q, %v", txt, err)
	}
	for _, s := range []string{"accuracy ", "macro avg", "confusion matrix", "wrote " + filepath.Join(out, "confusion.png")} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	// No overwrite without --force, and nothing half-written.
	r = run(t, nil, "eval", tc.dir, clsImages, "--labels", clsLabels, "--out", out)
	if r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second eval without --force: %+v", r)
	}
	if r = run(t, nil, "eval", tc.dir, clsImages, "--labels", clsLabels, "--out", out, "--force"); r.code != 0 {
		t.Errorf("eval --force: %+v", r)
	}
	noTemps(t, out)
	// A classifier needs labels.
	if r = run(t, nil, "eval", tc.dir, clsImages); r.code != 2 || !strings.Contains(r.stderr, "--labels FILE") {
		t.Errorf("eval without labels: %+v", r)
	}
}

// TestEvalAutoencoder evaluates relu-ae-30 with seeded weights on the
// fixture: its MSE, MSE per class and worst images against the plain-Go
// reference forward pass of the same weights.
func TestEvalAutoencoder(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	out := filepath.Join(t.TempDir(), "eval")
	r := run(t, nil, "eval", model, pcaImages, "--labels", pcaLabels, "--worst", "5", "--out", out)
	if r.code != 0 {
		t.Fatalf("eval: %+v", r)
	}
	e := readEvalJSON(t, filepath.Join(out, "eval.json"))

	m, err := zoo.Lookup("relu-ae-30")
	if err != nil {
		t.Fatal(err)
	}
	_, x, err := dataset.ReadAllFloat32(pcaImages)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := dataset.ReadLabels(pcaLabels)
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := reference.Forward(m, m.InitWeights(0), x, 512)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	img := make([]float64, 512)
	classSum, classN := make([]float64, 10), make([]float64, 10)
	for i := range img {
		for j := range 784 {
			d := float64(y[i*784+j]) - float64(x[i*784+j])
			img[i] += d * d / 784
		}
		total += img[i] / 512
		classSum[labels[i]] += img[i]
		classN[labels[i]]++
	}
	rec := e.Reconstruction
	if e.Model.Task != "reconstruct" || rec == nil || rec.Images != 512 || math.Abs(rec.MSE-total) > 1e-6 || len(rec.ClassMSE) != 10 || len(rec.Worst) != 5 {
		t.Fatalf("eval.json %+v; reference MSE %g", e, total)
	}
	for c := range 10 {
		if w := classSum[c] / classN[c]; rec.ClassMSE[c] == nil || math.Abs(*rec.ClassMSE[c]-w) > 1e-6 {
			t.Errorf("class %d MSE %v, reference %g", c, rec.ClassMSE[c], w)
		}
	}
	for k, wst := range rec.Worst {
		if math.Abs(wst.MSE-img[wst.Index]) > 1e-6 || wst.Label != int(labels[wst.Index]) {
			t.Errorf("worst %d: %+v, reference MSE %g label %d", k, wst, img[wst.Index], labels[wst.Index])
		}
		for i := range img {
			if img[i] > wst.MSE+1e-6 && !func() bool {
				for _, o := range rec.Worst[:k] {
					if o.Index == i {
						return true
					}
				}
				return false
			}() {
				t.Errorf("image %d (reference MSE %g) is worse than worst %d (%+v) and not listed before it", i, img[i], k, wst)
			}
		}
	}
	if w, h := pngSize(t, filepath.Join(out, "worst.png")); [2]int{w, h} != func() [2]int { a, b := figure.RowsSize(2, 5, 28, 28); return [2]int{a, b} }() {
		t.Errorf("worst.png is %dx%d", w, h)
	}
	if _, err := os.Stat(filepath.Join(out, "confusion.png")); err == nil {
		t.Error("confusion.png written for an autoencoder")
	}
}
