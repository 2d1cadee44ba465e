package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/internal/openblas"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// fixture returns the 512 MNIST test images of fixtures/, split 384/128.
func fixture(t *testing.T) (*Data, *Data) {
	t.Helper()
	const path = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	r, err := dataset.OpenIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, err := ReadData(r, path)
	if err != nil {
		t.Fatal(err)
	}
	tr, val, err := d.Split(128, 9)
	if err != nil {
		t.Fatal(err)
	}
	return tr, val
}

// small returns manifold-ae with a quick recipe: batch 100 (so the last
// batch of 384 is short), the given epochs.
func small(t *testing.T, name string, epochs int) *zoo.Model {
	m, err := zoo.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	m.Recipe.BatchSize, m.Recipe.Epochs, m.Recipe.Seed = 100, epochs, 5
	return m
}

func weights(t *testing.T, dir string) zoo.Weights {
	t.Helper()
	w, _, err := safetensors.ReadFile(filepath.Join(dir, rundir.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestTrainRun(t *testing.T) {
	tr, val := fixture(t)
	dir := filepath.Join(t.TempDir(), "run")
	info, err := Run(context.Background(), Options{Model: small(t, "manifold-ae", 3), Train: tr, Val: val, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != rundir.StatusFinished || info.Epoch != 3 || len(info.Epochs) != 3 || info.Step != 3*4 {
		t.Fatalf("info %+v", info)
	}
	if !(info.Epochs[2].TrainLoss < info.Epochs[0].TrainLoss && info.Epochs[2].ValLoss < info.Epochs[0].ValLoss) {
		t.Errorf("loss did not fall: %+v", info.Epochs)
	}
	for _, f := range []string{rundir.WeightsFile, rundir.OptimizerFile, rundir.RunFile, rundir.MetricsFile, rundir.PlotFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, rundir.MetricsFile))
	if n := strings.Count(string(csv), "\n"); n != 4 {
		t.Errorf("metrics.csv has %d lines:\n%s", n, csv)
	}
	m := small(t, "manifold-ae", 3)
	if err := m.CheckWeights(weights(t, dir)); err != nil {
		t.Error(err)
	}
	// the validation loss in run.json is the loss of the saved weights
	n, err := NewNet(m, weights(t, dir), Config{Batch: val.N, Loss: zoo.LossMSE})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	copy(n.Input(), val.X)
	copy(n.Target(), val.X)
	got, _, _ := n.Run()
	if math.Abs(got-info.Epochs[2].ValLoss) > 1e-6 {
		t.Errorf("validation loss %v, recomputed %v", info.Epochs[2].ValLoss, got)
	}
	// an existing run folder is not overwritten
	_, err = Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: dir})
	var exists *ExistsError
	if !errors.As(err, &exists) || exists.Dir != dir || !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second run into %s: %v", dir, err)
	}
}

// TestHooks: OnStep is told of every step, OnEpoch of every epoch with
// its record, and neither changes what is trained.
func TestHooks(t *testing.T) {
	tr, val := fixture(t)
	root := t.TempDir()
	var steps []Step
	var epochs []rundir.Epoch
	var best []int
	opt := Options{Model: small(t, "manifold-ae", 2), Train: tr, Val: val, Dir: filepath.Join(root, "hooked"),
		OnStep: func(s Step) { steps = append(steps, s) },
		OnEpoch: func(ep rundir.Epoch, info *rundir.Info) {
			if info.Epochs[len(info.Epochs)-1] != ep {
				t.Errorf("epoch %d: info.Epochs ends with %+v", ep.Epoch, info.Epochs[len(info.Epochs)-1])
			}
			epochs, best = append(epochs, ep), append(best, info.BestEpoch)
		}}
	info, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 8 {
		t.Fatalf("%d steps, want 2 epochs of 4 batches", len(steps))
	}
	for i, s := range steps {
		if s.Epoch != i/4+1 || s.Epochs != 2 || s.Batch != i%4+1 || s.Batches != 4 || !(s.Loss > 0) || !(s.PerSecond > 0) {
			t.Errorf("step %d: %+v", i+1, s)
		}
	}
	if !slices.Equal(epochs, info.Epochs) || !slices.Equal(best, []int{1, info.BestEpoch}) {
		t.Errorf("OnEpoch saw %+v (best %v), run.json has %+v (best %d)", epochs, best, info.Epochs, info.BestEpoch)
	}
	plain := filepath.Join(root, "plain")
	if _, err := Run(context.Background(), Options{Model: small(t, "manifold-ae", 2), Train: tr, Val: val, Dir: plain}); err != nil {
		t.Fatal(err)
	}
	testutil.SameWeights(t, weights(t, opt.Dir), weights(t, plain))
}

// TestDeterministic: the same seed gives bit-identical weights.
func TestDeterministic(t *testing.T) {
	tr, val := fixture(t)
	root := t.TempDir()
	for _, name := range []string{"a", "b"} {
		m := small(t, "denoise-ae", 2) // with input noise
		if _, err := Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: filepath.Join(root, name)}); err != nil {
			t.Fatal(err)
		}
	}
	testutil.SameWeights(t, weights(t, filepath.Join(root, "a")), weights(t, filepath.Join(root, "b")))
}

// stopAfter is a context whose Err reports cancellation from its n-th call
// on: the training loop checks it once per batch, so it interrupts after
// exactly n batches.
type stopAfter struct {
	context.Context
	n atomic.Int64
}

func (s *stopAfter) Err() error {
	if s.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestResume: 2 epochs, then 2 more resumed, equals 4 straight; and an
// interrupt in the middle of an epoch resumes to the same weights too.
func TestResume(t *testing.T) {
	tr, val := fixture(t)
	root := t.TempDir()
	straight := filepath.Join(root, "straight")
	if _, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: straight}); err != nil {
		t.Fatal(err)
	}

	// 2 epochs, then the same run resumed with 4.
	split := filepath.Join(root, "split")
	if _, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 2), Train: tr, Val: val, Dir: split}); err != nil {
		t.Fatal(err)
	}
	info, _ := rundir.ReadInfo(split)
	info.Recipe.Epochs = 4
	info.Status = rundir.StatusInterrupted
	rewriteInfo(t, split, info)
	if _, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: split, Resume: true}); err != nil {
		t.Fatal(err)
	}
	testutil.SameWeights(t, weights(t, straight), weights(t, split))

	// Interrupted after 6 batches (epoch 2, batch 2 of 4), then resumed.
	cut := filepath.Join(root, "cut")
	ctx := &stopAfter{Context: context.Background()}
	ctx.n.Store(6)
	_, err := Run(ctx, Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: cut})
	// The error says where to resume (the CLI turns it into a command line).
	var stopped *InterruptedError
	if !errors.Is(err, ErrInterrupted) || !errors.As(err, &stopped) || stopped.Dir != cut || stopped.Model != "sparse-ae" ||
		err.Error() != "interrupted at epoch 2, batch 2; checkpoint saved" {
		t.Fatalf("interrupted run: %v", err)
	}
	info, _ = rundir.ReadInfo(cut)
	if info.Status != rundir.StatusInterrupted || info.Epoch != 1 || info.Batch != 2 {
		t.Fatalf("after the interrupt: status %s, epoch %d, batch %d", info.Status, info.Epoch, info.Batch)
	}
	final, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: cut, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	testutil.SameWeights(t, weights(t, straight), weights(t, cut))
	want, _ := rundir.ReadInfo(straight)
	for i, e := range final.Epochs {
		if e.TrainLoss != want.Epochs[i].TrainLoss || e.ValLoss != want.Epochs[i].ValLoss {
			t.Errorf("epoch %d: losses %v/%v, straight %v/%v", i+1, e.TrainLoss, e.ValLoss, want.Epochs[i].TrainLoss, want.Epochs[i].ValLoss)
		}
	}

	// Resuming a finished run, or with another model, is an error.
	if _, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: cut, Resume: true}); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("resume finished run: %v", err)
	}
	if _, err := Run(context.Background(), Options{Model: small(t, "shallow-ae-64", 4), Train: tr, Val: val, Dir: split, Resume: true}); err == nil || !strings.Contains(err.Error(), "trains sparse-ae") {
		t.Errorf("resume with another model: %v", err)
	}
}

func rewriteInfo(t *testing.T, dir string, info *rundir.Info) {
	t.Helper()
	if err := rundir.WriteInfo(dir, info); err != nil {
		t.Fatal(err)
	}
}

// TestNaN: a diverging run stops with an error and keeps the last good
// checkpoint.
func TestNaN(t *testing.T) {
	tr, val := fixture(t)
	dir := filepath.Join(t.TempDir(), "run")
	m := small(t, "manifold-ae", 1) // ReLU output: unbounded, so a huge step overflows whatever the BLAS
	if _, err := Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	good := weights(t, dir)
	info, _ := rundir.ReadInfo(dir)
	info.Recipe.Epochs, info.Recipe.LR, info.Status = 3, 1e30, rundir.StatusInterrupted
	rewriteInfo(t, dir, info)
	m.Recipe = info.Recipe
	_, err := Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: dir, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "loss is") || !strings.Contains(err.Error(), "last checkpoint (epoch 1)") {
		t.Fatalf("diverging run: %v", err)
	}
	testutil.SameWeights(t, good, weights(t, dir))
	info, _ = rundir.ReadInfo(dir)
	if info.Status != rundir.StatusFailed || info.Epoch != 1 || !strings.Contains(info.Error, "loss is") {
		t.Errorf("run.json after the failure: %+v", info)
	}
}

func TestEarlyStop(t *testing.T) {
	tr := &trainer{r: zoo.Recipe{Patience: 2}, info: &rundir.Info{}, w: zoo.Weights{"p": {Shape: []int{1}, Data: []float32{0}}}}
	var stops []bool
	for e, v := range []float64{5, 4, 4.5, 3, 3.5, 3.2, 1} {
		tr.w["p"].Data[0] = float32(e + 1)
		stops = append(stops, tr.earlyStop(rundir.Epoch{Epoch: e + 1, ValLoss: v}))
	}
	if want := []bool{false, false, false, false, false, true, false}; !slices.Equal(stops, want) {
		t.Errorf("stops %v, want %v", stops, want)
	}
	if tr.info.BestEpoch != 7 || tr.best["p"].Data[0] != 7 {
		t.Errorf("best epoch %d, best weights %v", tr.info.BestEpoch, tr.best["p"].Data)
	}
}

func TestNoise(t *testing.T) {
	for _, tc := range []struct {
		noise zoo.Noise
		check func([]float32) string
	}{
		{zoo.Noise{Kind: "gaussian", Level: 0.3}, func(x []float32) string {
			var s, ss float64
			for _, v := range x {
				s += float64(v)
				ss += float64(v) * float64(v)
			}
			mean, std := s/float64(len(x)), math.Sqrt(ss/float64(len(x)))
			if math.Abs(mean) > 0.01 || math.Abs(std-0.3) > 0.01 {
				return "mean/std off"
			}
			return ""
		}},
		{zoo.Noise{Kind: "salt-and-pepper", Level: 0.1}, func(x []float32) string {
			changed, ones := 0, 0
			for _, v := range x {
				if v != 0.5 {
					changed++
					if v == 1 {
						ones++
					} else if v != 0 {
						return "value not 0 or 1"
					}
				}
			}
			f := float64(changed) / float64(len(x))
			if math.Abs(f-0.1) > 0.01 || math.Abs(float64(ones)/float64(changed)-0.5) > 0.05 {
				return "fraction off"
			}
			return ""
		}},
	} {
		x := make([]float32, 100000)
		if tc.noise.Kind == "salt-and-pepper" {
			for i := range x {
				x[i] = 0.5
			}
		}
		tr := &trainer{r: zoo.Recipe{Seed: 1}}
		addNoise(x, tc.noise, tr.noiseRNG(1, 0))
		if msg := tc.check(x); msg != "" {
			t.Errorf("%v: %s", tc.noise, msg)
		}
	}
}

// keep hard-links the file name of dir as its *.prev copy, as a
// checkpoint does first.
func keep(dir, name string) error {
	prev := filepath.Join(dir, rundir.PrevFile(name))
	if err := os.Remove(prev); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Link(filepath.Join(dir, name), prev)
}

// TestResumeAfterCutCheckpoint: a kill can land between any two renames of
// a checkpoint. Whatever files are a step ahead of run.json, resume takes
// the previous checkpoint's copies and ends at the weights of a run never
// cut, and the folder is whole again for the next cut.
func TestResumeAfterCutCheckpoint(t *testing.T) {
	tr, val := fixture(t)
	root := t.TempDir()
	straight := filepath.Join(root, "straight")
	if _, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: straight}); err != nil {
		t.Fatal(err)
	}
	// A run interrupted at step 6, with the checkpoint of step 4 kept.
	cut := filepath.Join(root, "cut")
	ctx := &stopAfter{Context: context.Background()}
	ctx.n.Store(6)
	if _, err := Run(ctx, Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: cut}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	for _, f := range []string{rundir.PrevFile(rundir.WeightsFile), rundir.PrevFile(rundir.OptimizerFile)} {
		if _, meta, err := safetensors.ReadFile(filepath.Join(cut, f)); err != nil || meta["step"] != "4" {
			t.Fatalf("%s: step %q, %v; want the checkpoint of step 4", f, meta["step"], err)
		}
	}
	// The next checkpoint, killed after it kept the previous files and
	// after 0, 1 or 2 of its renames (files of a later step).
	for ahead := 0; ahead <= 2; ahead++ {
		dir := filepath.Join(root, fmt.Sprint("ahead", ahead))
		if err := os.CopyFS(dir, os.DirFS(cut)); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{rundir.WeightsFile, rundir.OptimizerFile} {
			if err := keep(dir, name); err != nil {
				t.Fatal(err)
			}
			if i < ahead {
				b, err := os.ReadFile(filepath.Join(straight, name))
				if err != nil {
					t.Fatal(err)
				}
				// As the checkpoint writes: a new file renamed over the
				// name (the old one lives on as the hard link).
				if err := atomicfile.WriteFile(filepath.Join(dir, name), b, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Resumed, interrupted once more (a second checkpoint after the
		// repair), then resumed to the end.
		ctx := &stopAfter{Context: context.Background()}
		ctx.n.Store(3)
		if _, err := Run(ctx, Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: dir, Resume: true}); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("ahead %d: resumed run: %v", ahead, err)
		}
		if _, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: dir, Resume: true}); err != nil {
			t.Fatalf("ahead %d: second resume: %v", ahead, err)
		}
		testutil.SameWeights(t, weights(t, straight), weights(t, dir))
	}

	// Files a step ahead with no previous copy of run.json's step: an error
	// that says the checkpoint was cut short.
	bad := filepath.Join(root, "bad")
	if err := os.CopyFS(bad, os.DirFS(cut)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{rundir.WeightsFile, rundir.PrevFile(rundir.WeightsFile)} {
		b, _ := os.ReadFile(filepath.Join(straight, rundir.WeightsFile))
		if err := atomicfile.WriteFile(filepath.Join(bad, f), b, true); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 4), Train: tr, Val: val, Dir: bad, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "cut short") || !strings.Contains(err.Error(), rundir.WeightsFile) {
		t.Errorf("no checkpoint at run.json's step: %v", err)
	}
}

// TestResumeKeepsBLASThreads: a run records the OpenBLAS threads it ran
// with, and resuming it under another count uses the recorded one (saying
// so) and restores the count afterwards, so its weights are those of a run
// never stopped.
func TestResumeKeepsBLASThreads(t *testing.T) {
	tr, val := fixture(t)
	root := t.TempDir()
	before := openblas.Threads()
	t.Cleanup(func() { openblas.SetThreads(before) })
	openblas.SetThreads(2)
	began := openblas.Threads() // 1 without OpenBLAS
	straight := filepath.Join(root, "straight")
	if _, err := Run(context.Background(), Options{Model: small(t, "relu-ae-30", 4), Train: tr, Val: val, Dir: straight}); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(root, "cut")
	ctx := &stopAfter{Context: context.Background()}
	ctx.n.Store(6)
	if _, err := Run(ctx, Options{Model: small(t, "relu-ae-30", 4), Train: tr, Val: val, Dir: cut}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	info, _ := rundir.ReadInfo(cut)
	if got := info.Versions[blasThreadsKey]; got != strconv.Itoa(began) {
		t.Fatalf("run.json %s %q, want %d", blasThreadsKey, got, began)
	}
	openblas.SetThreads(1)
	var notices []string
	if _, err := Run(context.Background(), Options{Model: small(t, "relu-ae-30", 4), Train: tr, Val: val, Dir: cut, Resume: true,
		OnNotice: func(msg string) { notices = append(notices, msg) }}); err != nil {
		t.Fatal(err)
	}
	said := slices.ContainsFunc(notices, func(s string) bool { return strings.Contains(s, "OpenBLAS threads: resuming with") })
	if said != (began > 1) {
		t.Errorf("notices %q: want one about the threads only when the run began with more than 1 (%d)", notices, began)
	}
	if got := openblas.Threads(); got != 1 {
		t.Errorf("OpenBLAS threads after the resumed run: %d, want 1 again", got)
	}
	testutil.SameWeights(t, weights(t, straight), weights(t, cut))
}
