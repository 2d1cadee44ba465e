package infer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

// isolateData points the data search path at an empty folder and returns
// it; the onnxruntime library stays where it was found.
func isolateData(t *testing.T) string {
	t.Helper()
	lib, err := LibraryPath()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(LibEnv, lib)
	dir := t.TempDir()
	t.Setenv("ZOO_DATA", dir)
	t.Setenv("XDG_CACHE_HOME", dir)
	return dir
}

// classifierDir exports a nearest-mean classifier of the fixture images.
func classifierDir(t *testing.T) string {
	t.Helper()
	m := linearClassifier("test-classifier", []int{1, 28, 28}, 10)
	return exportModel(t, m, nearestMean(images(t, 512), readLabels(t), 784, 10))
}

func TestJobReconstruct(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	model := exportModel(t, m, m.InitWeights(1))
	dir := t.TempDir()
	out, js := filepath.Join(dir, "recon.idx"), filepath.Join(dir, "report.json")
	var verbose bytes.Buffer
	j := &Job{Model: model, Data: fixtureImages, Out: out, JSON: js, Batch: 100, Shard: 1, Shards: 2,
		Session: Options{Threads: 1}, Verbose: &verbose}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Task != zoo.Reconstruct || rep.Images != 256 || rep.MSE == nil || rep.File != filepath.Join(model, zoo.ModelFile) {
		t.Errorf("report %+v", rep)
	}
	h, x, err := dataset.ReadAllFloat32(out)
	if err != nil || h.Count() != 256 || len(h.Dims) != 3 || len(x) != 256*784 {
		t.Errorf("output %v, %d values, %v", h, len(x), err)
	}
	if _, err := os.Stat(js); err != nil {
		t.Error(err)
	}
	for _, want := range []string{"shard 1/2: examples 256 to 511 of 512", "task reconstruct", "data " + fixtureImages} {
		if !strings.Contains(verbose.String(), want) {
			t.Errorf("verbose output lacks %q:\n%s", want, verbose.String())
		}
	}

	// The outputs exist: nothing is written without Force, and the report
	// claimed first is not left behind.
	js2 := filepath.Join(dir, "again.json")
	j = &Job{Model: model, Data: fixtureImages, Out: out, JSON: js2, Session: Options{Threads: 1}}
	if _, err := j.Run(context.Background()); err == nil || !strings.Contains(err.Error(), out) {
		t.Errorf("existing output: %v", err)
	}
	if _, err := os.Stat(js2); !os.IsNotExist(err) {
		t.Errorf("%s left after a failure: %v", js2, err)
	}
	j.Force = true
	if _, err := j.Run(context.Background()); err != nil {
		t.Errorf("Force: %v", err)
	}
}

func TestJobClassify(t *testing.T) {
	testenv.NeedORT(t)
	model := classifierDir(t)
	dir := t.TempDir()
	preds, probs := filepath.Join(dir, "preds.csv"), filepath.Join(dir, "probs.npy")
	// The task comes from the model; the labels from the file given.
	j := &Job{Model: model, Data: fixtureImages, Labels: fixtureLabels, Out: preds, Probs: probs, Session: Options{Threads: 1}}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Task != zoo.Classify || rep.Accuracy == nil || *rep.Accuracy < 0.5 || rep.Labels != fixtureLabels ||
		rep.Predictions != preds || rep.PredictionsFormat != FormatCSV || rep.Probs != probs {
		t.Errorf("report %+v", rep)
	}
	for _, p := range []string{preds, probs} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	// A shard of the images and of their labels.
	j = &Job{Model: model, Data: fixtureImages, Labels: fixtureLabels, Shard: 0, Shards: 4, Session: Options{Threads: 1}}
	if rep, err := j.Run(context.Background()); err != nil || rep.Images != 128 || rep.Confusion.Total() != 128 {
		t.Errorf("shard: %+v, %v", rep, err)
	}
}

// TestJobData checks the data a job reads: a data set found, mnist-mini
// standing in for one that is not, and a data set without labels.
func TestJobData(t *testing.T) {
	testenv.NeedORT(t)
	data := isolateData(t)
	model := classifierDir(t)
	var notices []dataset.Notice
	notice := func(n dataset.Notice) { notices = append(notices, n) }

	j := &Job{Model: model, Data: "kmnist", Session: Options{Threads: 1}, Notice: notice}
	rep, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || notices[0].Set != "kmnist" || notices[0].N != 2000 || !errors.Is(notices[0].Err, dataset.ErrNotFound) {
		t.Errorf("notices %+v", notices)
	}
	if rep.Images != 2000 || !strings.HasPrefix(rep.Input, "embedded:mnist-mini/") || rep.Accuracy == nil || rep.ClassNames == nil {
		t.Errorf("fallback report %+v", rep)
	}

	// kmnist's test images, without their labels: no accuracy.
	b, err := os.ReadFile(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(data, "kmnist"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "kmnist", "t10k-images-idx3-ubyte.gz"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	notices = nil
	rep, err = j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || notices[0].Role != dataset.TestLabels || notices[0].N != 0 || rep.Images != 512 || rep.Accuracy != nil {
		t.Errorf("no labels: notices %+v, report %+v", notices, rep)
	}
	// kmnist's classes name the classes of a model without names.
	if len(rep.ClassNames) != 10 || rep.ClassNames[0] != "o" {
		t.Errorf("class names %q", rep.ClassNames)
	}
}

func TestJobErrors(t *testing.T) {
	testenv.NeedORT(t)
	isolateData(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	ae := exportModel(t, m, m.InitWeights(1))
	cls := classifierDir(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.idx")
	for _, tc := range []struct {
		name string
		job  Job
		want string
		as   any
	}{
		{"labels for an autoencoder", Job{Model: ae, Data: fixtureImages, Labels: fixtureLabels}, "performs reconstruct: labels applies to classify only", &OptionError{Option: "Labels", Task: zoo.Reconstruct}},
		{"csv for an autoencoder", Job{Model: ae, Data: fixtureImages, Format: FormatCSV, Out: out}, "format csv applies to classify only", &OptionError{Option: "Format", Task: zoo.Reconstruct}},
		{"unknown format", Job{Model: ae, Data: fixtureImages, Format: "png", Out: out}, `unknown output format "png"`, &OptionError{Option: "Format"}},
		{"unknown predictions format", Job{Model: cls, Data: fixtureImages, Format: "png", Out: out}, `unknown predictions format "png"`, &OptionError{Option: "Format"}},
		{"bad split", Job{Model: ae, Data: "mnist:dev"}, `split "dev" is not train or test`, &dataset.SplitError{Arg: "mnist:dev", Split: "dev"}},
		{"no data set", Job{Model: ae, Data: "nope"}, `data "nope" is neither a file nor a data set`, nil},
		{"data set of another shape", Job{Model: ae, Data: "cifar-10"}, "the embedded mnist-mini set has [1 28 28] images, cifar-10 has [3 32 32]", nil},
		{"labels sharded with the images", Job{Model: cls, Data: fixtureImages, Labels: fixtureLabels, Shard: 0, Shards: 2, Out: out}, "", nil},
		{"codes that are images", Job{Model: ae, Data: fixtureImages, Task: zoo.Decode, Out: out}, "decode takes float codes", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := tc.job
			j.Session = Options{Threads: 1}
			_, err := j.Run(context.Background())
			if tc.want == "" { // labels are sharded with the images
				if err != nil {
					t.Errorf("%v", err)
				}
				os.Remove(out)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			switch want := tc.as.(type) {
			case *OptionError:
				var oe *OptionError
				if !errors.As(err, &oe) || oe.Option != want.Option || oe.Task != want.Task {
					t.Errorf("got %#v, want %+v", err, want)
				}
			case *dataset.SplitError:
				var se *dataset.SplitError
				if !errors.As(err, &se) || *se != *want {
					t.Errorf("got %#v, want %+v", err, want)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s left after a failure", out)
			}
		})
	}
}
