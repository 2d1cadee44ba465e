package infer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// TestWriteText pins the text of zoo infer, zoo eval and zoo compare pca
// (testdata/text.golden, written by the commands' own printing before it
// moved here): a classifier with and without labels and class names, an
// autoencoder, its part, and comparisons with and without labels.
func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	sep := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("@@@@\n")
	}
	for _, r := range textReports() {
		sep(r.WriteText(&b))
	}
	for _, e := range textEvaluations() {
		sep(e.WriteText(&b))
	}
	for _, c := range textComparisons() {
		sep(c.WriteText(&b))
	}
	want, err := os.ReadFile("testdata/text.golden")
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("text differs from testdata/text.golden:\n%s", b.String())
	}
}

// TestWriteFiles checks the files of an evaluation and a comparison: the
// JSON form naming every file, the confusion matrix, the extra files, and
// --force.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	ev := textEvaluations()[0]
	if err := ev.WriteFiles(dir, false, map[string][]byte{"confusion.png": []byte("png")}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"json": filepath.Join(dir, EvalFile), ConfusionFile: filepath.Join(dir, ConfusionFile), "confusion.png": filepath.Join(dir, "confusion.png")}
	var back struct {
		Files  map[string]string `json:"files"`
		Images int               `json:"images"`
	}
	b, err := os.ReadFile(filepath.Join(dir, EvalFile))
	if err != nil || json.Unmarshal(b, &back) != nil || back.Images != 7 || len(back.Files) != len(want) {
		t.Fatalf("%s: %s (%v)", EvalFile, b, err)
	}
	for k, p := range want {
		if back.Files[k] != p || ev.Files[k] != p {
			t.Errorf("files[%q] = %q (JSON), %q, want %q", k, back.Files[k], ev.Files[k], p)
		}
	}
	var matrix strings.Builder
	if err := ev.Confusion.WriteMatrix(&matrix, ev.ClassNames); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ConfusionFile)); string(b) != matrix.String() {
		t.Errorf("%s: %q, want %q", ConfusionFile, b, matrix.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "confusion.png")); string(b) != "png" {
		t.Errorf("confusion.png: %q", b)
	}
	if err := ev.WriteFiles(dir, false, nil); err == nil || !strings.Contains(err.Error(), atomicfile.ErrExists.Error()) {
		t.Errorf("again without force: %v", err)
	}
	if err := ev.WriteFiles(dir, true, nil); err != nil {
		t.Errorf("again with force: %v", err)
	}

	// A comparison without a figure writes its JSON alone.
	rep := textComparisons()[1]
	if err := rep.WriteFiles(dir, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, PCAFigureFile)); !os.IsNotExist(err) || len(rep.Files) != 1 {
		t.Errorf("no figure: %v, files %v", err, rep.Files)
	}
	if err := rep.WriteFiles(dir, true, []byte("png")); err != nil {
		t.Fatal(err)
	}
	if rep.Files["png"] != filepath.Join(dir, PCAFigureFile) || rep.Files["json"] != filepath.Join(dir, PCAFile) {
		t.Errorf("files %v", rep.Files)
	}
	b, _ = os.ReadFile(filepath.Join(dir, PCAFile))
	if !bytes.Contains(b, []byte(`"png": "`+filepath.Join(dir, PCAFigureFile)+`"`)) || !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("%s: %s", PCAFile, b)
	}
}

// textConfusion is a confusion matrix of 3 classes over 7 examples.
func textConfusion() *analysis.Confusion {
	c, err := analysis.NewConfusion(3)
	if err != nil {
		panic(err)
	}
	if err := c.AddAll([]uint8{0, 0, 1, 1, 2, 2, 2}, []uint8{0, 1, 1, 1, 2, 0, 2}); err != nil {
		panic(err)
	}
	return c
}

func f64(v float64) *float64 { return &v }

// textReports are runs of zoo infer: a classifier with labels, without
// labels with and without class names, an autoencoder.
func textReports() []*Report {
	conf := textConfusion()
	return []*Report{
		{File: "models/cnn/model.onnx", Task: zoo.Classify, Input: "t10k.gz", Images: 7, Provider: "CPUExecutionProvider", Seconds: 0.0123, PerSecond: 569.1,
			Classes: 3, ClassNames: []string{"cat", "dog", "emu"}, PredictedCounts: []int64{2, 3, 2}, Labels: "labels.gz",
			Predictions: "p.csv", PredictionsFormat: "csv", Probs: "probs.npy", Output: "logits.idx", Format: "idx",
			Scores: Scores{LogLoss: f64(0.6931), Confusion: conf}},
		{Model: "cnn", File: "models/cnn/model.onnx", Task: zoo.Classify, Input: "x.idx", Images: 7, Provider: "CUDAExecutionProvider", Seconds: 1.5, PerSecond: 4.67,
			Classes: 3, ClassNames: []string{"cat", "dog", "emu"}, PredictedCounts: []int64{2, 3, 2}},
		{Model: "cnn", File: "models/cnn/model.onnx", Task: zoo.Classify, Input: "x.idx", Images: 7, Provider: "CPUExecutionProvider", Seconds: 1.5, PerSecond: 4.67,
			Classes: 3, PredictedCounts: []int64{0, 7, 0}},
		{Model: "relu-ae-30", File: "m/model.onnx", Task: zoo.Reconstruct, Input: "mnist", Images: 2000, Provider: "CPUExecutionProvider", Seconds: 0.25, PerSecond: 8000,
			MSE: f64(0.0994191), Output: "r.npy", Format: "npy"},
		{Model: "relu-ae-30", File: "m/encoder.onnx", Task: zoo.Encode, Input: "mnist", Images: 2000, Provider: "CPUExecutionProvider", Seconds: 0.25, PerSecond: 8000},
	}
}

// textEvaluations are evaluations of zoo eval: a classifier, an
// autoencoder with labels and class names, one without labels.
func textEvaluations() []*Evaluation {
	c := &Evaluation{Data: "mnist-mini", Labels: "l.gz", Images: 7, Seconds: 0.034, ClassNames: []string{"cat", "dog", "emu"},
		Scores: Scores{LogLoss: f64(1.25), Confusion: textConfusion()},
		Files:  map[string]string{"json": "e/eval.json", "confusion.txt": "e/confusion.txt", "confusion.png": "e/confusion.png"}}
	c.Model.File, c.Model.Task = "models/cnn/model.onnx", zoo.Classify
	r := &Evaluation{Data: "kmnist", Images: 5, Seconds: 1.5,
		Reconstruction: &analysis.ReconstructionEval{Images: 5, MSE: 0.1234567, ClassCounts: []int{2, 0, 3}, ClassMSE: []*float64{f64(0.1), nil, f64(0.2)},
			Worst: []analysis.ImageError{{Index: 4, Label: 2, MSE: 0.3}, {Index: 0, Label: 0, MSE: 0.25}}},
		Examples: &dataset.Images{ClassNames: []string{"o", "ki", "su"}},
		Files:    map[string]string{"json": "e/eval.json", "worst.png": "e/worst.png"}}
	r.Model.Name, r.Model.Task = "relu-ae-30", zoo.Reconstruct
	u := &Evaluation{Data: "x.idx", Images: 3, Seconds: 0.5,
		Reconstruction: &analysis.ReconstructionEval{Images: 3, MSE: 0.5,
			Worst: []analysis.ImageError{{Index: 1, Label: -1, MSE: 0.75}}},
		Examples: &dataset.Images{}}
	u.Model.Name, u.Model.Task = "tiny-ae-2", zoo.Reconstruct
	return []*Evaluation{c, r, u}
}

// textComparisons are comparisons of zoo compare pca: with labels and
// files, and without either.
func textComparisons() []*PCAReport {
	set := &dataset.Images{N: 4, Shape: []int{2, 2}}
	l := &PCAReport{Train: &ImageSet{Data: "train.gz", Images: 10}, Test: &ImageSet{Data: "mnist", Images: 4, Dims: []int{2, 2}, Labels: "labels.gz", Set: set},
		PCAComparison: &analysis.PCAComparison{FitSeconds: 0.126,
			Autoencoder: analysis.ReconError{MSE: 0.05, ClassMSE: []*float64{f64(0.04), nil, f64(0.06)}, SquaredError: []float64{1.5, 2.25}},
			PCA: []*analysis.ReconError{
				{K: 1, ExplainedVarianceRatio: 0.5, MSE: 0.1, ClassMSE: []*float64{f64(0.09), nil, f64(0.11)}, SquaredError: []float64{3, 4}},
				{K: 2, ExplainedVarianceRatio: 0.75, MSE: 0.07, ClassMSE: []*float64{f64(0.065), nil, f64(0.075)}, SquaredError: []float64{2, 2.5}},
			},
			ClassCounts: []int{2, 0, 2}, Index: []int{3, 0}, IndexLabels: []int{2, 0}},
		Files: map[string]string{"json": "c/compare-pca.json", "png": "c/compare-pca.png"}}
	l.Model.Name = "relu-ae-30"
	l.Autoencoder.ReconError = l.PCAComparison.Autoencoder
	u := &PCAReport{Train: &ImageSet{Data: "train.gz", Images: 10}, Test: &ImageSet{Data: "x.idx", Images: 4, Dims: []int{4}, Set: &dataset.Images{N: 4, Shape: []int{4}}},
		PCAComparison: &analysis.PCAComparison{FitSeconds: 2,
			Autoencoder: analysis.ReconError{MSE: 0.05, SquaredError: []float64{1.5}},
			PCA:         []*analysis.ReconError{{K: 3, ExplainedVarianceRatio: 0.9, MSE: 0.01, SquaredError: []float64{0.125}}},
			Index:       []int{1}}}
	u.Model.File = "m/model.onnx"
	u.Autoencoder.ReconError = u.PCAComparison.Autoencoder
	return []*PCAReport{l, u}
}
