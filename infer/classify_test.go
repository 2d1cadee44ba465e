package infer

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

const fixtureLabels = "../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"

// linearClassifier is a classifier spec: Flatten, then one Linear layer from
// the flattened input to classes logits.
func linearClassifier(name string, input []int, classes int) *zoo.Model {
	in := 1
	for _, d := range input {
		in *= d
	}
	return &zoo.Model{
		Name: name, Family: "test", Description: "linear classifier for tests", Task: zoo.Classify,
		Input: input, Dataset: "", // no data set: export writes no class names
		Parts: []zoo.Part{
			{Name: "features", Layers: []zoo.Layer{zoo.Flatten{}}},
			{Name: "classifier", Layers: []zoo.Layer{zoo.Linear{In: in, Out: classes}}},
		},
		Recipe: zoo.Recipe{Optimizer: "adam", LR: 1e-3, Loss: "cross-entropy", BatchSize: 64, Epochs: 1},
	}
}

// nearestMean returns the weights of a nearest-class-mean classifier of the
// images x (each of length d) with the given labels: logit k is
// mu_k . x - |mu_k|^2 / 2, largest for the class mean closest to x.
func nearestMean(x []float32, labels []uint8, d, classes int) zoo.Weights {
	w, b := zoo.NewTensor(classes, d), zoo.NewTensor(classes)
	count := make([]float64, classes)
	for i, l := range labels {
		count[l]++
		for j := 0; j < d; j++ {
			w.Data[int(l)*d+j] += x[i*d+j]
		}
	}
	for k := 0; k < classes; k++ {
		var sq float64
		for j := 0; j < d; j++ {
			w.Data[k*d+j] /= float32(max(count[k], 1))
			sq += float64(w.Data[k*d+j]) * float64(w.Data[k*d+j])
		}
		b.Data[k] = float32(-sq / 2)
	}
	return zoo.Weights{"classifier.0.weight": w, "classifier.0.bias": b}
}

func readLabels(t *testing.T) []uint8 {
	t.Helper()
	l, err := dataset.ReadLabels(fixtureLabels)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// writeLabels writes labels as a 1-D u8 IDX file and returns its path.
func writeLabels(t *testing.T, labels []uint8) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "labels.idx")
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
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func openIDX(t *testing.T, path string) *dataset.Reader {
	t.Helper()
	r, err := dataset.OpenIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestClassify streams the fixture through a nearest-mean classifier with
// labels, in batches that do and do not divide the file, and checks the
// predictions, probabilities and metrics against a plain-Go argmax and
// softmax over the reference forward pass.
func TestClassify(t *testing.T) {
	testenv.NeedORT(t)
	const n, k = 512, 10
	x, labels := images(t, n), readLabels(t)
	m := linearClassifier("test-nearest-mean", []int{1, 28, 28}, k)
	w := nearestMean(x, labels, 784, k)
	s := open(t, filepath.Join(exportModel(t, m, w), zoo.ModelFile))
	if s.Task() != zoo.Classify || s.Classes() != k || s.ClassNames() != nil {
		t.Fatalf("task %q, %d classes, names %v", s.Task(), s.Classes(), s.ClassNames())
	}

	// What the report must say, computed independently.
	logits, _, err := reference.Forward(m, w, x, n)
	if err != nil {
		t.Fatal(err)
	}
	wantPred := make([]uint8, n)
	wantProbs := make([]float64, n*k)
	var correct int
	var nll float64
	matrix := make([][]int64, k)
	for i := range matrix {
		matrix[i] = make([]int64, k)
	}
	for i := 0; i < n; i++ {
		z := logits[i*k : (i+1)*k]
		best, zmax := 0, math.Inf(-1)
		for j, v := range z {
			if float64(v) > zmax {
				best, zmax = j, float64(v)
			}
		}
		var sum float64
		for _, v := range z {
			sum += math.Exp(float64(v) - zmax)
		}
		for j, v := range z {
			wantProbs[i*k+j] = math.Exp(float64(v)-zmax) / sum
		}
		wantPred[i] = uint8(best)
		if best == int(labels[i]) {
			correct++
		}
		nll -= math.Log(wantProbs[i*k+int(labels[i])])
		matrix[labels[i]][best]++
	}
	wantAcc := float64(correct) / n
	t.Logf("nearest-mean accuracy on the fixture: %d/%d", correct, n)
	if correct < n/2 || correct == n {
		t.Fatalf("accuracy %d/%d: the test needs a classifier that is good but not perfect", correct, n)
	}

	for _, tc := range []struct {
		batch  int
		format string
	}{{100, FormatIDX}, {512, FormatCSV}, {7, FormatNPY}, {4096, FormatCSV}} {
		t.Run(fmt.Sprintf("batch%d-%s", tc.batch, tc.format), func(t *testing.T) {
			dir := t.TempDir()
			predPath, probPath := filepath.Join(dir, "preds."+tc.format), filepath.Join(dir, "probs.idx")
			pred, err := CreatePredictions(predPath, PredictionsOptions{Format: tc.format, Count: n, Classes: k, Labels: true})
			if err != nil {
				t.Fatal(err)
			}
			defer pred.Abort()
			probs, err := CreateOutput(probPath, FormatIDX, n, []int{k}, false)
			if err != nil {
				t.Fatal(err)
			}
			defer probs.Abort()
			rep, err := s.Stream(context.Background(), openIDX(t, fixtureImages), StreamOptions{
				Task: zoo.Classify, Batch: tc.batch, Labels: openIDX(t, fixtureLabels), Predictions: pred, Probs: probs,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := pred.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := probs.Commit(); err != nil {
				t.Fatal(err)
			}

			if rep.Images != n || rep.Classes != k || rep.Accuracy == nil || *rep.Accuracy != wantAcc {
				t.Errorf("report: %d images, %d classes, accuracy %v; want %d, %d, %v", rep.Images, rep.Classes, rep.Accuracy, n, k, wantAcc)
			}
			if rep.LogLoss == nil || math.Abs(*rep.LogLoss-nll/n) > 1e-5 {
				t.Errorf("log loss %v, want %v", rep.LogLoss, nll/n)
			}
			if c := rep.Classification; c == nil || c.Correct != int64(correct) || !slices.EqualFunc(c.Matrix, matrix, slices.Equal) {
				t.Errorf("confusion matrix\n%v\nwant\n%v", rep.Classification, matrix)
			}
			var counts []int64
			for j := 0; j < k; j++ {
				var c int64
				for _, row := range matrix {
					c += row[j]
				}
				counts = append(counts, c)
			}
			if !slices.Equal(rep.PredictedCounts, counts) {
				t.Errorf("predicted counts %v, want %v", rep.PredictedCounts, counts)
			}
			if rep.Predictions != predPath || rep.PredictionsFormat != tc.format || rep.Probs != probPath || rep.Labels != fixtureLabels {
				t.Errorf("report names %q (%s), %q, %q", rep.Predictions, rep.PredictionsFormat, rep.Probs, rep.Labels)
			}

			_, gotProbs, err := dataset.ReadAllFloat32(probPath)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range gotProbs {
				if math.Abs(float64(p)-wantProbs[i]) > 1e-5 {
					t.Fatalf("probability %d: %v, want %v", i, p, wantProbs[i])
				}
			}
			checkPredictions(t, predPath, tc.format, wantPred, labels, wantProbs, k)
		})
	}
}

// checkPredictions reads back a predictions file.
func checkPredictions(t *testing.T, path, format string, want, labels []uint8, probs []float64, k int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := len(want)
	switch format {
	case FormatIDX:
		if !bytes.HasPrefix(b, []byte{0, 0, 8, 1}) || len(b) != 8+n {
			t.Fatalf("IDX u8 file of %d bytes starting % x", len(b), b[:8])
		}
		got, err := dataset.ReadLabels(path)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("IDX predictions differ (%v)", err)
		}
	case FormatNPY:
		hdr := npyHeaderOf("|u1", []int{n})
		if !bytes.HasPrefix(b, hdr) || !strings.Contains(string(hdr), "'shape': (512,)") || !slices.Equal(b[len(hdr):], want) {
			t.Errorf("NPY predictions differ; header %q", b[:min(len(b), len(hdr))])
		}
	case FormatCSV:
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head := "index,predicted,confidence,label,correct,prob_0,prob_1,prob_2,prob_3,prob_4,prob_5,prob_6,prob_7,prob_8,prob_9"
		if len(rows) != n+1 || strings.Join(rows[0], ",") != head {
			t.Fatalf("CSV has %d rows, header %q", len(rows), rows[0])
		}
		for i, r := range rows[1:] {
			pred, _ := strconv.Atoi(r[1])
			conf, _ := strconv.ParseFloat(r[2], 64)
			label, _ := strconv.Atoi(r[3])
			correct := "0"
			if want[i] == labels[i] {
				correct = "1"
			}
			if r[0] != strconv.Itoa(i) || pred != int(want[i]) || label != int(labels[i]) || r[4] != correct ||
				math.Abs(conf-probs[i*k+pred]) > 1e-5 {
				t.Fatalf("CSV row %d: %q", i, r)
			}
			for j := 0; j < k; j++ {
				p, err := strconv.ParseFloat(r[5+j], 32)
				if err != nil || math.Abs(p-probs[i*k+j]) > 1e-5 {
					t.Fatalf("CSV row %d prob_%d %q, want %v", i, j, r[5+j], probs[i*k+j])
				}
			}
		}
	}
}

// TestPredictionsCSVNames: with class names the CSV has name columns,
// quoted where needed.
func TestPredictionsCSVNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.csv")
	p, err := CreatePredictions(path, PredictionsOptions{Format: FormatCSV, Count: 2, Classes: 2, Names: []string{"T-shirt/top", `a, "b"`}, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Abort()
	if err := p.Write([]uint8{1, 0}, []float32{0.25, 0.75, 1, 0}, []uint8{1, 1}); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	want := `index,predicted,predicted_name,confidence,label,label_name,correct,prob_0,prob_1
0,1,"a, ""b""",0.75,1,"a, ""b""",1,0.25,0.75
1,0,T-shirt/top,1,1,"a, ""b""",0,1,0
`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

func TestPredictionsErrors(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.idx")
	if err := os.WriteFile(existing, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		path string
		opt  PredictionsOptions
		want string
	}{
		{"exists", existing, PredictionsOptions{Format: FormatIDX, Count: 1, Classes: 2}, "--force"},
		{"too many classes", filepath.Join(dir, "a.idx"), PredictionsOptions{Format: FormatIDX, Count: 1, Classes: 300}, "300 classes"},
		{"names", filepath.Join(dir, "b.csv"), PredictionsOptions{Format: FormatCSV, Count: 1, Classes: 2, Names: []string{"x"}}, "1 class names for 2 classes"},
		{"format", filepath.Join(dir, "c.txt"), PredictionsOptions{Format: "txt", Count: 1, Classes: 2}, `unknown predictions format "txt"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CreatePredictions(tc.path, tc.opt)
			if err == nil {
				p.Abort()
			}
			if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %s with %q", err, tc.path, tc.want)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep" {
		t.Error("existing file replaced")
	}
	// Too few predictions: Commit fails and leaves nothing.
	short := filepath.Join(dir, "short.idx")
	p, err := CreatePredictions(short, PredictionsOptions{Format: FormatIDX, Count: 3, Classes: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write([]uint8{1}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(); err == nil || !strings.Contains(err.Error(), "1 of the 3") {
		t.Errorf("short commit: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
}

func TestPredictionFormatOf(t *testing.T) {
	for _, tc := range []struct{ path, flag, want string }{
		{"p.idx", "", FormatIDX}, {"p.idx-ubyte", "", FormatIDX}, {"p", "", FormatIDX},
		{"p.CSV", "", FormatCSV}, {"p.npy", "", FormatNPY}, {"p.csv", "idx", FormatIDX}, {"p.idx", "csv", FormatCSV},
	} {
		if got, err := PredictionFormatOf(tc.path, tc.flag); err != nil || got != tc.want {
			t.Errorf("PredictionFormatOf(%q, %q) = %q, %v; want %q", tc.path, tc.flag, got, err, tc.want)
		}
	}
	if _, err := PredictionFormatOf("p.idx", "png"); err == nil {
		t.Error("png accepted")
	}
}

func TestClassNames(t *testing.T) {
	cnn, err := zoo.Lookup("cnn")
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Lookup(cnn.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		meta map[string]string
		k    int
		want []string
	}{
		{"metadata", map[string]string{zoo.MetaClasses: `["cat","dog"]`, "zoo.model": "cnn"}, 2, []string{"cat", "dog"}},
		{"registry classifier", map[string]string{"zoo.model": "cnn"}, 10, d.Classes},
		{"metadata of the wrong length falls back", map[string]string{zoo.MetaClasses: `["cat"]`, "zoo.model": "cnn"}, 10, d.Classes},
		{"registry, wrong number of classes", map[string]string{"zoo.model": "cnn"}, 3, nil},
		{"autoencoder", map[string]string{"zoo.model": "relu-ae-30"}, 10, nil},
		{"unknown model", map[string]string{"zoo.model": "nope"}, 10, nil},
		{"no metadata", nil, 10, nil},
		{"bad JSON", map[string]string{zoo.MetaClasses: `["cat",`}, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classNames(tc.meta, tc.k); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClassifyErrors(t *testing.T) {
	testenv.NeedORT(t)
	const k = 10
	m := linearClassifier("test-classifier", []int{1, 28, 28}, k)
	classifier := open(t, filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile))
	ae, _ := zoo.Lookup("tiny-ae-2")
	autoencoder := open(t, filepath.Join(exportModel(t, ae, ae.InitWeights(1)), zoo.ModelFile))
	labels := readLabels(t)
	bad := slices.Clone(labels)
	bad[300] = 12
	short, wrong := writeLabels(t, labels[:510]), writeLabels(t, bad)
	noPred := func(t *testing.T) *Predictions { return nil }
	for _, tc := range []struct {
		name   string
		s      *Session
		task   zoo.Task
		labels string
		pred   func(*testing.T) *Predictions
		want   string
	}{
		{"label count", classifier, zoo.Classify, short, noPred, "labels " + short + ": 510 labels for 512 images in " + fixtureImages},
		{"label out of range", classifier, zoo.Classify, wrong, noPred, "label 12 of example 300 is not one of the model's 10 classes"},
		{"images as labels", classifier, zoo.Classify, fixtureImages, noPred, "want one u8 label per image"},
		{"classify an autoencoder", autoencoder, zoo.Classify, "", noPred, "it is not a classifier"},
		{"reconstruct with a classifier", classifier, zoo.Reconstruct, "", noPred, `is a classifier: it performs "classify", not "reconstruct"`},
		{"encode with a classifier", classifier, zoo.Encode, "", noPred, `is a classifier`},
		{"labels without classify", autoencoder, zoo.Reconstruct, fixtureLabels, noPred, "need the classify task"},
		{"predictions without classify", autoencoder, zoo.Reconstruct, "", func(t *testing.T) *Predictions {
			p, err := CreatePredictions(filepath.Join(t.TempDir(), "p.idx"), PredictionsOptions{Format: FormatIDX, Count: 512, Classes: 10})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Abort)
			return p
		}, "need the classify task"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := StreamOptions{Task: tc.task, Batch: 64, Predictions: tc.pred(t)}
			if tc.labels != "" {
				opt.Labels = openIDX(t, tc.labels)
			}
			_, err := tc.s.Stream(context.Background(), openIDX(t, fixtureImages), opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestClassifyMemory streams a million tiny examples with labels, writing
// IDX predictions, and checks that the Go heap allocations do not grow with
// the number of examples: the buffers hold one batch.
func TestClassifyMemory(t *testing.T) {
	testenv.NeedORT(t)
	if testing.Short() {
		t.Skip("streams a million examples")
	}
	const n, k, d = 1 << 20, 3, 4
	m := linearClassifier("test-tiny", []int{d}, k)
	s := open(t, filepath.Join(exportModel(t, m, m.InitWeights(3)), zoo.ModelFile))
	dir := t.TempDir()
	writeIDX := func(name string, dims []int, fill func(i int) byte) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := dataset.NewWriter(f, dataset.U8, dims)
		if err != nil {
			t.Fatal(err)
		}
		item := make([]byte, 1<<16)
		total := 1
		for _, v := range dims {
			total *= v
		}
		for off := 0; off < total; off += len(item) {
			chunk := item[:min(len(item), total-off)]
			for i := range chunk {
				chunk[i] = fill(off + i)
			}
			if err := w.WriteUint8(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	imgs := writeIDX("images.idx", []int{n, d}, func(i int) byte { return byte(i * 7919 >> 3) })
	lbls := writeIDX("labels.idx", []int{n}, func(i int) byte { return byte(i % k) })
	pred, err := CreatePredictions(filepath.Join(dir, "preds.idx"), PredictionsOptions{Format: FormatIDX, Count: n, Classes: k, Labels: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pred.Abort()

	goruntime.GC()
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	rep, err := s.Stream(context.Background(), openIDX(t, imgs), StreamOptions{Task: zoo.Classify, Batch: 4096, Labels: openIDX(t, lbls), Predictions: pred})
	if err != nil {
		t.Fatal(err)
	}
	goruntime.ReadMemStats(&after)
	if err := pred.Commit(); err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d examples in %.2f s (%.0f/s), %d bytes allocated on the Go heap, accuracy %.4f",
		rep.Images, rep.Seconds, rep.PerSecond, alloc, *rep.Accuracy)
	if rep.Images != n || rep.Classification.Examples != n {
		t.Errorf("%d images classified, want %d", rep.Images, n)
	}
	if alloc > 8<<20 {
		t.Errorf("streaming %d examples allocated %d bytes; want it bounded by the batch buffers", n, alloc)
	}
}
