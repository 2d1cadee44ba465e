package infer

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/zoo"
)

func TestEvaluateClassifier(t *testing.T) {
	model := filepath.Join(classifierDir(t), zoo.ModelFile)
	ev, err := Evaluate(context.Background(), EvalOptions{Model: model, Data: fixtureImages, Labels: fixtureLabels, Batch: 100, Session: Options{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	// The same numbers as a stream of the same data.
	rep, err := open(t, model).Stream(context.Background(), openIDX(t, fixtureImages), StreamOptions{Task: zoo.Classify, Batch: 100, Labels: openIDX(t, fixtureLabels)})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Model.Task != zoo.Classify || ev.Model.Name != "test-classifier" || ev.Images != 512 || ev.Labels != fixtureLabels ||
		*ev.Accuracy != *rep.Accuracy || *ev.LogLoss != *rep.LogLoss || ev.Confusion.Correct() != rep.Confusion.Correct() || ev.Reconstruction != nil {
		t.Errorf("evaluation %+v, stream %+v", ev, rep)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	order := []string{`"model":{"name":"test-classifier"`, `"data":`, `"labels":`, `"images":512`, `"seconds":`, `"accuracy":`, `"log_loss":`, `"classification":`}
	last := -1
	for _, key := range order {
		i := strings.Index(string(b), key)
		if i <= last {
			t.Errorf("eval.json: %s missing or out of order in %s", key, b)
		}
		last = i
	}

	// Without labels a classifier cannot be evaluated.
	_, err = Evaluate(context.Background(), EvalOptions{Model: model, Data: fixtureImages, Batch: 100, Session: Options{Threads: 1}})
	var ee *EvalError
	if !errors.As(err, &ee) || *ee != (EvalError{Model: model, Data: fixtureImages, Task: zoo.Classify}) {
		t.Errorf("no labels: %v", err)
	}
}

func TestEvaluateAutoencoder(t *testing.T) {
	isolateData(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	dir := exportModel(t, m, m.InitWeights(1))
	model := filepath.Join(dir, zoo.ModelFile)
	ev, err := Evaluate(context.Background(), EvalOptions{Model: model, Data: fixtureImages, Labels: fixtureLabels, Worst: 5, Batch: 100, Session: Options{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	d := ev.Examples
	if ev.Model.Task != zoo.Reconstruct || d == nil || d.N != 512 || d.Name != "t10k-images-idx3-ubyte.gz" || len(d.Labels) != 512 ||
		len(ev.Reconstructions) != 512*784 || len(ev.Reconstruction.Worst) != 5 || ev.Reconstruction.ClassMSE == nil || ev.Accuracy != nil {
		t.Fatalf("evaluation %+v", ev)
	}
	var sum float64
	for i, y := range ev.Reconstructions {
		sum += (float64(y) - float64(d.X[i])) * (float64(y) - float64(d.X[i]))
	}
	if mse := sum / float64(len(d.X)); math.Abs(mse-ev.Reconstruction.MSE) > 1e-9 {
		t.Errorf("MSE %g, want %g", ev.Reconstruction.MSE, mse)
	}

	// A data set not on the search path: mnist-mini and its labels.
	var notices []dataset.Notice
	ev, err = Evaluate(context.Background(), EvalOptions{Model: model, Data: "kmnist", Batch: 100, Session: Options{Threads: 1},
		Notice: func(n dataset.Notice) { notices = append(notices, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || notices[0].N != 2000 || ev.Images != 2000 || len(ev.Examples.Labels) != 2000 || ev.Examples.ClassNames[3] != "3" {
		t.Errorf("fallback: notices %+v, evaluation %+v", notices, ev)
	}

	// A part is not evaluated.
	enc := filepath.Join(dir, zoo.Encode.File())
	_, err = Evaluate(context.Background(), EvalOptions{Model: enc, Data: fixtureImages, Batch: 100, Session: Options{Threads: 1}})
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Task != zoo.Encode || !strings.Contains(err.Error(), "evaluation takes a whole model") {
		t.Errorf("encoder: %v", err)
	}
}

func TestComparePCA(t *testing.T) {
	m, _ := zoo.Lookup("tiny-ae-2")
	model := filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile)
	index := func(n int) ([]int, error) { return []int{0, 1, n - 1}, nil }
	opt := PCAOptions{Model: model, Train: fixtureImages, Test: fixtureImages, Labels: fixtureLabels, Ks: []int{2, 8},
		Index: index, Batch: 100, Session: Options{Threads: 1}}
	rep, err := ComparePCA(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Test.Images != 512 || rep.Test.Labels != fixtureLabels || rep.Test.Path != fixtureImages || rep.Train.Labels != "" ||
		len(rep.PCA) != 2 || len(rep.Index) != 3 || rep.Index[2] != 511 || len(rep.IndexLabels) != 3 || len(rep.ClassCounts) != 10 {
		t.Fatalf("report %+v", rep)
	}
	// The autoencoder's error is the one Evaluate measures.
	ev, err := Evaluate(context.Background(), EvalOptions{Model: model, Data: fixtureImages, Batch: 100, Session: Options{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.Autoencoder.MSE-ev.Reconstruction.MSE) > 1e-9 || rep.PCA[1].MSE >= rep.PCA[0].MSE {
		t.Errorf("autoencoder MSE %g (evaluation %g), PCA %g, %g", rep.Autoencoder.MSE, ev.Reconstruction.MSE, rep.PCA[0].MSE, rep.PCA[1].MSE)
	}

	cls := filepath.Join(classifierDir(t), zoo.ModelFile)
	badIndex := errors.New("bad index")
	for _, tc := range []struct {
		name   string
		change func(o *PCAOptions)
		check  func(err error) bool
	}{
		{"too many components", func(o *PCAOptions) { o.Ks = []int{2, 1000} }, func(err error) bool {
			var ce *ComponentsError
			return errors.As(err, &ce) && *ce == ComponentsError{K: 1000, Dim: 784, Images: 512, Data: fixtureImages}
		}},
		{"a classifier", func(o *PCAOptions) { o.Model = cls }, func(err error) bool {
			var ne *NotAutoencoderError
			return errors.As(err, &ne) && ne.Task == zoo.Classify
		}},
		{"index", func(o *PCAOptions) { o.Index = func(int) ([]int, error) { return nil, badIndex } }, func(err error) bool {
			return errors.Is(err, badIndex)
		}},
		{"test labels not labels", func(o *PCAOptions) { o.Labels = fixtureImages }, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "want labels")
		}},
		{"cancelled", func(o *PCAOptions) {}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opt
			tc.change(&o)
			ctx := context.Background()
			if tc.check == nil {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx, tc.check = c, func(err error) bool { return errors.Is(err, context.Canceled) }
			}
			if _, err := ComparePCA(ctx, o); !tc.check(err) {
				t.Errorf("got %v", err)
			}
		})
	}
}
