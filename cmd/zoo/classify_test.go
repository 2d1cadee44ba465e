package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

const (
	clsImages = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	clsLabels = "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
)

// digitNames are the class names the named test model carries in its
// metadata.
var digitNames = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// testClassifier is a nearest-class-mean classifier of the fixture images:
// Flatten and one Linear layer whose logit k is mu_k . x - |mu_k|^2 / 2.
type testClassifier struct {
	dir    string    // export folder, with model.onnx
	named  string    // the same model with zoo.classes in its metadata
	preds  []uint8   // plain-Go argmax of the logits of the fixture images
	labels []uint8   // fixture labels
	w, b   []float32 // weights [10, 784] and biases
}

func newTestClassifier(t *testing.T) *testClassifier {
	t.Helper()
	const d, k = 784, 10
	_, x, err := dataset.ReadAllFloat32(clsImages)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := dataset.ReadLabels(clsLabels)
	if err != nil {
		t.Fatal(err)
	}
	w, b := zoo.NewTensor(k, d), zoo.NewTensor(k)
	count := make([]float32, k)
	for i, l := range labels {
		count[l]++
		for j := 0; j < d; j++ {
			w.Data[int(l)*d+j] += x[i*d+j]
		}
	}
	for c := 0; c < k; c++ {
		var sq float64
		for j := 0; j < d; j++ {
			w.Data[c*d+j] /= count[c]
			sq += float64(w.Data[c*d+j]) * float64(w.Data[c*d+j])
		}
		b.Data[c] = float32(-sq / 2)
	}
	m := &zoo.Model{
		Name: "test-nearest-mean", Family: "test", Description: "nearest class mean", Task: zoo.Classify,
		Input: []int{1, 28, 28}, Dataset: "", // no data set: the export carries no class names
		Parts: []zoo.Part{
			{Name: "features", Layers: []zoo.Layer{zoo.Flatten{}}},
			{Name: "classifier", Layers: []zoo.Layer{zoo.Linear{In: d, Out: k}}},
		},
		Recipe: zoo.Recipe{Optimizer: "adam", LR: 1e-3, Loss: "cross-entropy", BatchSize: 64, Epochs: 1},
	}
	weights := zoo.Weights{"classifier.0.weight": w, "classifier.0.bias": b}
	tc := &testClassifier{dir: filepath.Join(t.TempDir(), m.Name), labels: labels, w: w.Data, b: b.Data}
	if _, err := export.WriteDir(tc.dir, m, weights, export.DirOptions{Weights: "test"}); err != nil {
		t.Fatal(err)
	}
	mp, err := export.Model(m, weights, export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := json.Marshal(digitNames)
	mp.MetadataProps = append(mp.MetadataProps, &onnxpb.StringStringEntryProto{Key: proto.String("zoo.classes"), Value: proto.String(string(names))})
	raw, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	tc.named = filepath.Join(t.TempDir(), "named.onnx")
	if err := os.WriteFile(tc.named, raw, 0o644); err != nil {
		t.Fatal(err)
	}

	// The predictions, computed here without onnxruntime.
	for i := range labels {
		best, bestZ := 0, float32(0)
		for c := 0; c < k; c++ {
			z := b.Data[c]
			for j := 0; j < d; j++ {
				z += w.Data[c*d+j] * x[i*d+j]
			}
			if c == 0 || z > bestZ {
				best, bestZ = c, z
			}
		}
		tc.preds = append(tc.preds, uint8(best))
	}
	return tc
}

// correct returns the number of correct predictions.
func (tc *testClassifier) correct() int {
	n := 0
	for i, p := range tc.preds {
		if p == tc.labels[i] {
			n++
		}
	}
	return n
}

func writeLabelFile(t *testing.T, dir string, labels []uint8) string {
	t.Helper()
	var b bytes.Buffer
	w, err := dataset.NewWriter(&b, dataset.U8, []int{len(labels)})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUint8(labels); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("labels-%d.idx", len(labels)))
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInferClassify(t *testing.T) {
	testenv.NeedORT(t)
	tc := newTestClassifier(t)
	correct := tc.correct()
	wantAcc := fmt.Sprintf("accuracy %.2f%% (%d/512 correct)", 100*float64(correct)/512, correct)
	t.Logf("nearest-mean classifier: %d/512 correct", correct)
	out := t.TempDir()
	preds, metrics := filepath.Join(out, "preds.idx"), filepath.Join(out, "metrics.json")

	// A classifier's folder classifies without --task.
	r := run(t, nil, "infer", tc.dir, clsImages, "--labels", clsLabels, "--out", preds, "--json", metrics, "--batch", "100")
	if r.code != 0 {
		t.Fatalf("infer: %+v", r)
	}
	for _, want := range []string{"classified 512 examples", wantAcc, "confusion matrix (rows: true class, columns: predicted class)",
		"true \\ predicted", "macro avg", "wrote " + preds} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	b, err := os.ReadFile(preds)
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]byte{0, 0, 8, 1, 0, 0, 2, 0}, tc.preds...); !bytes.Equal(b, want) {
		t.Errorf("preds.idx: %d bytes starting % x, want the IDX u8 header and the %d predictions", len(b), b[:min(len(b), 8)], len(tc.preds))
	}
	var rep struct {
		Task           string  `json:"task"`
		Accuracy       float64 `json:"accuracy"`
		Labels         string  `json:"labels"`
		Classification struct {
			Correct int       `json:"correct"`
			Matrix  [][]int64 `json:"confusion_matrix"`
		} `json:"classification"`
	}
	b, _ = os.ReadFile(metrics)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	matrix := make([][]int64, 10)
	for i := range matrix {
		matrix[i] = make([]int64, 10)
	}
	for i, p := range tc.preds {
		matrix[tc.labels[i]][p]++
	}
	if rep.Task != "classify" || rep.Accuracy != float64(correct)/512 || rep.Labels != clsLabels ||
		rep.Classification.Correct != correct || !slices.EqualFunc(rep.Classification.Matrix, matrix, slices.Equal) {
		t.Errorf("metrics.json: %+v", rep)
	}

	// An existing output is not replaced without --force.
	r = run(t, nil, "infer", tc.dir, clsImages, "--out", preds)
	if r.code != 1 || !strings.Contains(r.stderr, preds) || !strings.Contains(r.stderr, "--force") {
		t.Errorf("overwrite without --force: %+v", r)
	}
	if after, _ := os.ReadFile(preds); !bytes.Equal(after[8:], tc.preds) {
		t.Error("predictions replaced without --force")
	}
	if r := run(t, nil, "infer", tc.dir, "mnist-mini", "--out", preds, "--force"); r.code != 0 {
		t.Errorf("--force: %+v", r)
	} else if fi, _ := os.Stat(preds); fi == nil || fi.Size() != 8+2000 {
		t.Errorf("forced predictions size %v", fi)
	}

	// CSV with class names from the metadata, probabilities as NumPy.
	csvPath, probs := filepath.Join(out, "preds.csv"), filepath.Join(out, "probs.npy")
	r = run(t, nil, "infer", tc.named, clsImages, "--task", "classify", "--labels", clsLabels, "--out", csvPath, "--probs", probs)
	if r.code != 0 {
		t.Fatalf("infer named: %+v", r)
	}
	if !strings.Contains(r.stdout, wantAcc) || !strings.Contains(r.stdout, "7 seven") {
		t.Errorf("stdout lacks %q or the class names:\n%s", wantAcc, r.stdout)
	}
	f, _ := os.Open(csvPath)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	head := "index,predicted,predicted_name,confidence,label,label_name,correct,prob_0,prob_1,prob_2,prob_3,prob_4,prob_5,prob_6,prob_7,prob_8,prob_9"
	if len(rows) != 513 || strings.Join(rows[0], ",") != head {
		t.Fatalf("CSV: %d rows, header %q", len(rows), rows[0])
	}
	for i, row := range rows[1:] {
		p, l := tc.preds[i], tc.labels[i]
		ok := "0"
		if p == l {
			ok = "1"
		}
		want := []string{strconv.Itoa(i), strconv.Itoa(int(p)), digitNames[p], row[3], strconv.Itoa(int(l)), digitNames[l], ok}
		if !slices.Equal(row[:7], want) {
			t.Fatalf("CSV row %d: %q, want %q", i, row[:7], want)
		}
		conf, err1 := strconv.ParseFloat(row[3], 64)
		pp, err2 := strconv.ParseFloat(row[7+int(p)], 64)
		if err1 != nil || err2 != nil || conf != pp || conf < 0.1 || conf > 1 {
			t.Fatalf("CSV row %d: confidence %q, probability of the prediction %q", i, row[3], row[7+int(p)])
		}
	}
	if fi, _ := os.Stat(probs); fi == nil || fi.Size() != 128+512*10*4 {
		t.Errorf("probs.npy size %v", fi)
	}

	// A data set name brings its labels.
	r = run(t, nil, "infer", tc.dir, "mnist-mini")
	if r.code != 0 || !strings.Contains(r.stdout, "/2000 correct)") || !strings.Contains(r.stdout, "labels embedded:mnist-mini/t10k-labels") {
		t.Errorf("mnist-mini: %+v", r)
	}
	// Without labels, how often each class was predicted.
	r = run(t, nil, "infer", tc.dir, clsImages)
	if r.code != 0 || !strings.Contains(r.stdout, "predicted classes (no labels, no accuracy): 0: ") || strings.Contains(r.stdout, "accuracy ") {
		t.Errorf("no labels: %+v", r)
	}
	noTemps(t, out)
}

// TestInferClassifyErrors: each misuse gives a one-line error naming the
// problem, a non-zero exit code, and no output file.
func TestInferClassifyErrors(t *testing.T) {
	testenv.NeedORT(t)
	tc := newTestClassifier(t)
	ae := exported(t)
	dir := t.TempDir()
	short := writeLabelFile(t, dir, tc.labels[:510])
	bad := slices.Clone(tc.labels)
	bad[300] = 12
	outOfRange := writeLabelFile(t, dir, bad)
	classifier := filepath.Join(tc.dir, "model.onnx")
	for _, c := range []struct {
		name string
		args []string
		want []string
		code int
	}{
		{"label count", []string{classifier, clsImages, "--labels", short}, []string{"labels " + short + ": 510 labels for 512 images"}, 1},
		{"label out of range", []string{classifier, clsImages, "--labels", outOfRange}, []string{outOfRange, "label 12 of example 300 is not one of the model's 10 classes"}, 1},
		{"missing labels", []string{classifier, clsImages, "--labels", filepath.Join(dir, "nope.idx")}, []string{filepath.Join(dir, "nope.idx"), "no such file"}, 1},
		{"classify an autoencoder", []string{ae, clsImages, "--task", "classify"}, []string{"relu-ae-30/model.onnx", `performs "reconstruct", not "classify": it is not a classifier`}, 1},
		{"reconstruct with a classifier", []string{classifier, clsImages, "--task", "reconstruct"}, []string{classifier, `is a classifier: it performs "classify", not "reconstruct"`}, 1},
		{"encode with a classifier folder", []string{tc.dir, clsImages, "--task", "encode"}, []string{classifier, `not "encode"`}, 1},
		{"labels for an autoencoder", []string{ae, clsImages, "--labels", clsLabels}, []string{"--labels applies to --task classify only, not reconstruct"}, 2},
		{"probs with encode", []string{ae, clsImages, "--task", "encode", "--probs", filepath.Join(dir, "p.idx")}, []string{"--probs applies to --task classify only"}, 2},
		{"csv with reconstruct", []string{ae, clsImages, "--format", "csv"}, []string{"--format csv applies to --task classify only"}, 2},
		{"unknown task", []string{classifier, clsImages, "--task", "segment"}, []string{`unknown task "segment"`}, 2},
		{"bad format", []string{classifier, clsImages, "--format", "png"}, []string{`unknown predictions format "png"`}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			outDir := t.TempDir()
			args := append([]string{"infer"}, c.args...)
			args = append(args, "--out", filepath.Join(outDir, "out.csv"), "--json", filepath.Join(outDir, "m.json"))
			r := run(t, nil, args...)
			if r.code != c.code {
				t.Errorf("exit code %d, want %d (%+v)", r.code, c.code, r)
			}
			msg := strings.TrimSuffix(r.stderr, "\n")
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "zoo: ") {
				t.Errorf("want one line starting with 'zoo: ', got %q", r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
				t.Errorf("files left behind: %v", ents)
			}
		})
	}
}
