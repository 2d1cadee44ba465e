package rundir

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// point is a checkpoint of a tiny-ae-2 run: run.json at epoch e, step
// 4e, and a state told apart by the seed of its weights.
type point struct {
	info  *Info
	state State
}

func checkpointAt(t *testing.T, e int, patience bool) point {
	t.Helper()
	info := sampleInfo(t, "tiny-ae-2", e, 4*e)
	m, _ := zoo.Lookup("tiny-ae-2")
	s := State{Weights: m.InitWeights(uint64(e)),
		Optimizer: zoo.Weights{"step": {Shape: []int{1}, Data: []float32{float32(4 * e)}}}}
	if patience {
		info.Recipe.Patience, info.BestEpoch = 3, max(e-1, 1)
		s.Best = m.InitWeights(uint64(100 + info.BestEpoch))
	}
	return point{info, s}
}

func tinyAE(t *testing.T) *zoo.Model {
	t.Helper()
	m, err := zoo.Lookup("tiny-ae-2")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameState(t *testing.T, what string, got, want zoo.Weights) {
	t.Helper()
	if !slices.Equal(got.Names(), want.Names()) {
		t.Fatalf("%s: tensors %v, want %v", what, got.Names(), want.Names())
	}
	for _, n := range want.Names() {
		if !slices.Equal(got[n].Data, want[n].Data) {
			t.Fatalf("%s: %s differs", what, n)
		}
	}
}

// stamp returns the metadata value key of a file of dir.
func stamp(t *testing.T, dir, name, key string) string {
	t.Helper()
	_, meta, err := safetensors.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return meta[key]
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	one, two := checkpointAt(t, 1, true), checkpointAt(t, 2, true)
	var plotted []string
	plot := func(path string) error {
		plotted = append(plotted, path)
		return os.WriteFile(path, []byte("png"), 0o644)
	}
	if err := Save(dir, one.info, one.state, plot); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, two.info, two.state, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plotted, []string{filepath.Join(dir, PlotFile)}) {
		t.Errorf("plot called with %v", plotted)
	}
	for _, f := range []struct{ name, key, want string }{
		{WeightsFile, metaStep, "8"}, {OptimizerFile, metaStep, "8"}, {BestFile, metaEpoch, "1"},
		{PrevFile(WeightsFile), metaStep, "4"}, {PrevFile(OptimizerFile), metaStep, "4"}, {PrevFile(BestFile), metaEpoch, "1"},
		{WeightsFile, metaEpoch, "2"}, {WeightsFile, zoo.MetaModel, "tiny-ae-2"}, {BestFile, zoo.MetaModel, "tiny-ae-2"},
	} {
		if got := stamp(t, dir, f.name, f.key); got != f.want {
			t.Errorf("%s: %s %q, want %q", f.name, f.key, got, f.want)
		}
	}
	if ep, err := ReadMetrics(filepath.Join(dir, MetricsFile)); err != nil || len(ep) != 2 {
		t.Errorf("metrics.csv: %d epochs, %v", len(ep), err)
	}
	info, err := ReadInfo(dir)
	if err != nil || info.Step != 8 {
		t.Fatalf("run.json: %+v, %v", info, err)
	}
	c, err := Load(dir, info, tinyAE(t))
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, "weights", c.Weights, two.state.Weights)
	sameState(t, "optimizer", c.Optimizer, two.state.Optimizer)
	sameState(t, "best", c.Best, two.state.Best)
	if len(c.stale) != 0 {
		t.Errorf("stale files %v in a whole folder", c.stale)
	}

	// Without a patience, the best weights are neither written nor read.
	plain := t.TempDir()
	p := checkpointAt(t, 1, false)
	if err := Save(plain, p.info, p.state, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(plain, BestFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("best.safetensors without early stopping: %v", err)
	}
	p.info.BestEpoch = 1
	if c, err := Load(plain, p.info, tinyAE(t)); err != nil || c.Best != nil {
		t.Errorf("load without a patience: best %v, %v", c.Best != nil, err)
	}

	// A failed write is returned.
	boom := errors.New("boom")
	if err := Save(plain, p.info, p.state, func(string) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("failing plot: %v", err)
	}
}

// TestSaveCutShort kills a checkpoint after each of its writes: whatever
// was renamed, Load reads the checkpoint run.json names, Repair makes the
// folder whole, and the next checkpoint, cut short again, is recovered too.
func TestSaveCutShort(t *testing.T) {
	m := tinyAE(t)
	for _, patience := range []bool{false, true} {
		one, two, three := checkpointAt(t, 1, patience), checkpointAt(t, 2, patience), checkpointAt(t, 3, patience)
		n := len(saveSteps(t.TempDir(), two.info, two.state, nil))
		for cut := 0; cut <= n; cut++ {
			name := fmt.Sprintf("patience %v, cut after %d of %d writes", patience, cut, n)
			dir := t.TempDir()
			if err := Save(dir, one.info, one.state, nil); err != nil {
				t.Fatal(err)
			}
			for _, step := range saveSteps(dir, two.info, two.state, nil)[:cut] {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			want := one
			if cut == n {
				want = two
			}
			info, err := ReadInfo(dir)
			if err != nil || info.Step != want.info.Step {
				t.Fatalf("%s: run.json %+v, %v", name, info, err)
			}
			c, err := Load(dir, info, m)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sameState(t, name+": weights", c.Weights, want.state.Weights)
			sameState(t, name+": optimizer", c.Optimizer, want.state.Optimizer)
			if patience {
				sameState(t, name+": best", c.Best, want.state.Best)
			}
			if err := c.Repair(); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{WeightsFile, OptimizerFile} {
				if got := stamp(t, dir, f, metaStep); got != fmt.Sprint(want.info.Step) {
					t.Errorf("%s: %s after Repair at step %s, want %d", name, f, got, want.info.Step)
				}
			}
			// The next checkpoint, cut short after its new weights.
			for _, step := range saveSteps(dir, three.info, three.state, nil)[:2] {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			if c, err = Load(dir, info, m); err != nil {
				t.Fatalf("%s, then the next one cut short: %v", name, err)
			}
			sameState(t, name+", then the next one cut short: weights", c.Weights, want.state.Weights)
		}
	}
}

// TestLoad covers folders that Save did not leave: prev files alone,
// files of other steps and of other models.
func TestLoad(t *testing.T) {
	m := tinyAE(t)
	one, two := checkpointAt(t, 1, true), checkpointAt(t, 2, true)
	other, err := zoo.Lookup("tiny-ae-4")
	if err != nil {
		t.Fatal(err)
	}
	write := func(dir, name string, w zoo.Weights, meta map[string]string) {
		t.Helper()
		if err := safetensors.WriteFile(filepath.Join(dir, name), w, meta); err != nil {
			t.Fatal(err)
		}
	}
	at := func(model string, key string, v int) map[string]string {
		return map[string]string{zoo.MetaModel: model, key: fmt.Sprint(v)}
	}
	for _, tc := range []struct {
		name  string
		edit  func(dir string) // applied to a folder saved at checkpoint one
		err   string           // "" for a load of checkpoint one
		stale []string
	}{
		{"whole", func(string) {}, "", nil},
		{"prev files only", func(dir string) {
			for _, f := range []string{WeightsFile, OptimizerFile, BestFile} {
				if err := os.Rename(filepath.Join(dir, f), filepath.Join(dir, PrevFile(f))); err != nil {
					t.Fatal(err)
				}
			}
		}, "", []string{WeightsFile, OptimizerFile, BestFile}},
		{"weights a step ahead", func(dir string) {
			if err := linkReplace(filepath.Join(dir, WeightsFile), filepath.Join(dir, PrevFile(WeightsFile))); err != nil {
				t.Fatal(err)
			}
			write(dir, WeightsFile, two.state.Weights, at("tiny-ae-2", metaStep, 8))
		}, "", []string{WeightsFile}},
		{"best weights an epoch ahead", func(dir string) {
			if err := linkReplace(filepath.Join(dir, BestFile), filepath.Join(dir, PrevFile(BestFile))); err != nil {
				t.Fatal(err)
			}
			write(dir, BestFile, two.state.Weights, at("tiny-ae-2", metaEpoch, 2))
		}, "", []string{BestFile}},
		{"mismatched steps", func(dir string) {
			write(dir, WeightsFile, two.state.Weights, at("tiny-ae-2", metaStep, 8))
			write(dir, PrevFile(WeightsFile), two.state.Weights, at("tiny-ae-2", metaStep, 0))
		}, WeightsFile + " is at step 8 but run.json at step 4, and model.prev.safetensors does not hold step 4 either (the checkpoint was cut short)", nil},
		{"no prev copy of a file ahead", func(dir string) {
			write(dir, OptimizerFile, two.state.Optimizer, at("tiny-ae-2", metaStep, 8))
		}, OptimizerFile + " is at step 8 but run.json at step 4", nil},
		{"best weights of another epoch", func(dir string) {
			write(dir, BestFile, one.state.Best, at("tiny-ae-2", metaEpoch, 3))
		}, BestFile + " is at epoch 3 but run.json at epoch 1", nil},
		{"no weights", func(dir string) { os.Remove(filepath.Join(dir, WeightsFile)) }, "resume: open ", nil},
		{"weights of another model", func(dir string) {
			write(dir, WeightsFile, other.InitWeights(0), at("tiny-ae-4", metaStep, 4))
		}, WeightsFile + ` holds weights of model "tiny-ae-4", but the run (run.json) trains tiny-ae-2`, nil},
		{"optimizer state of another model", func(dir string) {
			write(dir, OptimizerFile, one.state.Optimizer, at("tiny-ae-4", metaStep, 4))
		}, OptimizerFile + ` holds the optimizer state of model "tiny-ae-4", but the run (run.json) trains tiny-ae-2`, nil},
		{"weights that do not fit", func(dir string) {
			write(dir, WeightsFile, zoo.Weights{"x": {Shape: []int{1}, Data: []float32{1}}}, at("tiny-ae-2", metaStep, 4))
		}, WeightsFile + ": ", nil},
		{"no best weights", func(dir string) { os.Remove(filepath.Join(dir, BestFile)) }, BestFile, nil},
	} {
		dir := t.TempDir()
		if err := Save(dir, one.info, one.state, nil); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{WeightsFile, OptimizerFile, BestFile} { // no prev copies yet
			os.Remove(filepath.Join(dir, PrevFile(f)))
		}
		tc.edit(dir)
		before := snapshot(t, dir)
		c, err := Load(dir, one.info, m)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		sameState(t, tc.name+": weights", c.Weights, one.state.Weights)
		sameState(t, tc.name+": optimizer", c.Optimizer, one.state.Optimizer)
		sameState(t, tc.name+": best", c.Best, one.state.Best)
		if !slices.Equal(c.stale, tc.stale) {
			t.Errorf("%s: stale %v, want %v", tc.name, c.stale, tc.stale)
		}
		// Load changed nothing; Repair puts run.json's files in place.
		if after := snapshot(t, dir); !maps.Equal(after, before) {
			t.Errorf("%s: Load changed the folder", tc.name)
		}
		if err := c.Repair(); err != nil {
			t.Fatalf("%s: repair: %v", tc.name, err)
		}
		again, err := Load(dir, one.info, m)
		if err != nil || len(again.stale) != 0 {
			t.Errorf("%s: after Repair: stale %v, %v", tc.name, again.stale, err)
		}
	}
}

// snapshot returns the files of dir by name.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

func TestPrevFile(t *testing.T) {
	for in, want := range map[string]string{WeightsFile: "model.prev.safetensors", OptimizerFile: "optimizer.prev.safetensors",
		BestFile: "best.prev.safetensors", "noext": "noext.prev"} {
		if got := PrevFile(in); got != want {
			t.Errorf("PrevFile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLinkReplace(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := atomicfile.WriteFile(src, []byte("new"), true); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := linkReplace(src, dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "new" {
		t.Errorf("dst holds %q", b)
	}
	if err := linkReplace(filepath.Join(dir, "missing"), dst); err == nil {
		t.Error("missing source: no error")
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 2 {
		t.Errorf("%d entries left, want a and b", len(es))
	}
}
