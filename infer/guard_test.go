package infer

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/fileguard"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

// TestJobSameFiles: a job whose output is one of its inputs (by any path
// to it) or another output is refused before anything is opened or
// written: the input is left as it was and no file appears.
func TestJobSameFiles(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	model := exportModel(t, m, m.InitWeights(1))
	dir := t.TempDir()
	data := filepath.Join(dir, "in.idx.gz")
	b, err := os.ReadFile(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(data, filepath.Join(dir, "hard.idx")); err != nil {
		t.Fatal(err)
	}
	labels := writeLabels(t, readLabels(t))
	cls := classifierDir(t)
	for _, tc := range []struct {
		name string
		job  Job
		want string
	}{
		{"out is the data", Job{Model: model, Data: data, Out: data, Force: true}, "output " + data + " is the same file as data " + data},
		{"out is the data by another path", Job{Model: model, Data: data, Out: dir + "/../" + filepath.Base(dir) + "/./in.idx.gz", Force: true}, "is the same file as data"},
		{"out is a hard link to the data", Job{Model: model, Data: data, Out: filepath.Join(dir, "hard.idx"), Force: true}, "is the same file as data"},
		{"out is the model", Job{Model: model, Data: data, Out: filepath.Join(model, zoo.ModelFile), Force: true}, "is the same file as model"},
		{"json is the data", Job{Model: model, Data: data, JSON: data, Force: true}, "JSON report " + data + " is the same file as data"},
		{"out and json one file", Job{Model: model, Data: data, Out: filepath.Join(dir, "o.idx"), JSON: filepath.Join(dir, ".", "o.idx")}, "are the same file"},
		{"out and probs one file", Job{Model: cls, Data: data, Labels: labels, Out: filepath.Join(dir, "p.idx"), Probs: filepath.Join(dir, "p.idx")}, "probabilities " + filepath.Join(dir, "p.idx") + " are the same file"},
		{"logits are the labels", Job{Model: cls, Data: data, Labels: labels, Logits: labels, Force: true}, "logits " + labels + " is the same file as labels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadDir(dir)
			_, err := tc.job.Run(context.Background())
			var se *fileguard.SameFileError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("files before %v, after %v", before, after)
			}
			if got, _ := os.ReadFile(data); !slices.Equal(got, b) {
				t.Error("the data changed")
			}
		})
	}
}

// TestMergeSameFiles: zoo merge refuses an output that is one of the parts,
// by any path to it, before it writes anything.
func TestMergeSameFiles(t *testing.T) {
	dir := t.TempDir()
	part := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 9}, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := part("a.idx"), part("b.idx")
	if err := os.Symlink(b, filepath.Join(dir, "link.idx")); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{a, b, dir + "/./a.idx", filepath.Join(dir, "link.idx")} {
		if _, err := MergeIDX(context.Background(), out, []string{a, b}, true); err == nil || !strings.Contains(err.Error(), "is the same file as part") {
			t.Errorf("merge into %s: %v", out, err)
		}
	}
	for _, p := range []string{a, b} {
		if got, _ := os.ReadFile(p); len(got) != 10 {
			t.Errorf("%s changed: %d bytes", p, len(got))
		}
	}
	if n, err := MergeIDX(context.Background(), filepath.Join(dir, "all.idx"), []string{a, b}, false); err != nil || n != 4 {
		t.Errorf("a fresh output: %d items, %v", n, err)
	}
}

// TestCheckOutputs: zoo eval's and compare pca's outputs are checked
// against the existing files and the inputs, whatever path names them.
func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "eval.json") // an input called like an output
	if err := os.WriteFile(data, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, EvalFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev := EvalOptions{Model: "m.onnx", Data: data}
	pca := PCAOptions{Model: "m.onnx", Train: filepath.Join(dir, PCAFile), Test: "mnist-mini"}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"eval: the data", ev.CheckOutputs(dir, true, EvalFile), "output " + filepath.Join(dir, EvalFile) + " is the same file as data " + data},
		{"eval: an existing file", ev.CheckOutputs(other, false, EvalFile), EvalFile + " already exists (use --force to replace it)"},
		{"eval: replaced with force", ev.CheckOutputs(other, true, EvalFile), ""},
		{"eval: a new folder", ev.CheckOutputs(filepath.Join(other, "new"), false, EvalFile), ""},
		{"compare: the training data", pca.CheckOutputs(dir+"/.", true, PCAFile), "is the same file as training data"},
	} {
		switch {
		case tc.want == "" && tc.err != nil:
			t.Errorf("%s: %v", tc.name, tc.err)
		case tc.want != "" && (tc.err == nil || !strings.Contains(tc.err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(other, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the check created the folder: %v", err)
	}
}

// TestThreads: a session takes 0 (onnxruntime's choice) or 1 to 4 threads
// per CPU; other counts are refused before anything is loaded.
func TestThreads(t *testing.T) {
	most := 4 * goruntime.NumCPU()
	for _, tc := range []struct {
		n  int
		ok bool
	}{{0, true}, {1, true}, {most, true}, {-1, false}, {most + 1, false}, {10000, false}} {
		err := Options{Threads: tc.n}.Check()
		var te *ThreadsError
		if tc.ok != (err == nil) || !tc.ok && (!errors.As(err, &te) || te.Max != most || !strings.Contains(err.Error(), "want 1 to")) {
			t.Errorf("threads %d: %v", tc.n, err)
		}
		if !tc.ok {
			if _, err := Open("no-such-model.onnx", Options{Threads: tc.n}); !errors.As(err, &te) {
				t.Errorf("Open with %d threads: %v", tc.n, err)
			}
		}
	}
}

// TestOpenNotRegular: a named pipe as the model is refused at once.
func TestOpenNotRegular(t *testing.T) {
	testenv.NeedORT(t)
	fifo := filepath.Join(t.TempDir(), "model.onnx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Open(fifo, Options{}); done <- err }()
	select {
	case err := <-done:
		var nr *fileguard.NotRegularError
		if !errors.As(err, &nr) || !strings.Contains(err.Error(), "open model "+fifo+": "+fifo+" is a named pipe (FIFO), not a regular file") {
			t.Errorf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("Open blocked on a named pipe")
	}
}

// TestComparePCAStreamed: the comparison fits PCA to the training images
// read as a stream, to the same components as a fit of the images in
// memory; a NaN in them is named with its file and example.
func TestComparePCAStreamed(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	model := filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile)
	opt := PCAOptions{Model: model, Train: fixtureImages, Test: fixtureImages, Ks: []int{2, 8},
		Index: func(int) ([]int, error) { return []int{0}, nil }, Batch: 100, Session: Options{Threads: 1}}
	rep, err := ComparePCA(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	x := images(t, 512)
	full, err := analysis.FitPCA(x, 512, 784, 8)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.ExplainedVariance, full.ExplainedVariance()) || rep.Train.Set.X != nil {
		t.Errorf("streamed fit: variance %v, in memory %v; training images held: %v", rep.ExplainedVariance, full.ExplainedVariance(), rep.Train.Set.X != nil)
	}
	x[300*784+9] = float32(nanValue())
	nan := filepath.Join(t.TempDir(), "nan.idx")
	writeF32(t, nan, x, 512)
	opt.Train = nan
	var nf *dataset.NonFiniteError
	if _, err := ComparePCA(context.Background(), opt); !errors.As(err, &nf) || nf.Index != 300 || nf.Value != 9 || nf.File != nan {
		t.Errorf("NaN in the training images: %v", err)
	}
}

func nanValue() float64 { return math.NaN() }
