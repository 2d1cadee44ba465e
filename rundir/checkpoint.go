package rundir

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// Metadata keys of the checkpoint files.
const (
	metaStep  = "step"  // model and optimizer: Info.Step when written
	metaEpoch = "epoch" // all three: the epoch, for best.safetensors Info.BestEpoch
)

// PrevFile names the copy of a checkpoint file that the next checkpoint
// keeps: model.safetensors -> model.prev.safetensors.
func PrevFile(name string) string {
	ext := filepath.Ext(name)
	return name[:len(name)-len(ext)] + ".prev" + ext
}

// State is what a checkpoint holds besides run.json.
type State struct {
	// Weights are the model's weights, Optimizer the optimizer's state.
	Weights, Optimizer zoo.Weights
	// Best are the weights of the best epoch, kept with early stopping
	// (recipe patience); nil otherwise.
	Best zoo.Weights
}

// Save writes a checkpoint of the run in the folder dir: the state s,
// metrics.csv and run.json from info (whose Updated it sets), each file
// atomically and in the order of the crash-recovery protocol (see the package
// documentation), so that
// a kill at any moment leaves a folder that Load can resume. plot, when not
// nil, is called with the path of loss.png once metrics.csv is written, to
// draw it.
func Save(dir string, info *Info, s State, plot func(path string) error) error {
	for _, step := range saveSteps(dir, info, s, plot) {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// saveSteps returns the writes of Save in order, each one rename (or one
// set of links), so that tests can cut a checkpoint short after any of
// them.
func saveSteps(dir string, info *Info, s State, plot func(path string) error) []func() error {
	keep := func() error {
		for _, name := range []string{WeightsFile, OptimizerFile, BestFile} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				continue
			}
			if err := linkReplace(filepath.Join(dir, name), filepath.Join(dir, PrevFile(name))); err != nil {
				return fmt.Errorf("checkpoint %s: keep %s: %w", dir, name, err)
			}
		}
		return nil
	}
	meta := map[string]string{zoo.MetaModel: info.Model, zoo.MetaVersion: zoo.Version, metaEpoch: strconv.Itoa(info.Epoch), metaStep: strconv.Itoa(info.Step)}
	steps := []func() error{
		keep,
		func() error { return safetensors.WriteFile(filepath.Join(dir, WeightsFile), s.Weights, meta) },
		func() error { return safetensors.WriteFile(filepath.Join(dir, OptimizerFile), s.Optimizer, meta) },
	}
	if s.Best != nil {
		bm := map[string]string{zoo.MetaModel: info.Model, zoo.MetaVersion: zoo.Version, metaEpoch: strconv.Itoa(info.BestEpoch)}
		steps = append(steps, func() error { return safetensors.WriteFile(filepath.Join(dir, BestFile), s.Best, bm) })
	}
	steps = append(steps, func() error {
		return WriteMetrics(dir, info.Epochs, info.Recipe.Loss.Task() == zoo.Classify)
	})
	if plot != nil {
		steps = append(steps, func() error { return plot(filepath.Join(dir, PlotFile)) })
	}
	return append(steps, func() error { return WriteInfo(dir, info) })
}

// Checkpoint is a checkpoint read back by Load.
type Checkpoint struct {
	State
	dir string
	// stale are the files a step ahead of run.json, whose *.prev copies
	// were read instead.
	stale []string
}

// Load reads the checkpoint that info, the run.json of the run folder dir,
// names: model.safetensors and optimizer.safetensors at info.Step and, when
// the recipe has a patience and info.BestEpoch is set, best.safetensors at
// that epoch. Each may come from its *.prev copy, by the crash-recovery
// protocol (see the package documentation). The files must hold info.Model, and the weights must fit
// m, the model spec of the run.
//
// Load changes nothing in dir: a caller that rejects what it read leaves
// the folder as it was. Call Repair once the checkpoint is accepted.
func Load(dir string, info *Info, m *zoo.Model) (*Checkpoint, error) {
	if err := zoo.CheckFormer(info.Model, info.Versions["zoo"]); err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	c := &Checkpoint{dir: dir}
	step := strconv.Itoa(info.Step)
	for _, f := range []struct {
		name, key, want string
		w               *zoo.Weights
		skip            bool
	}{
		{WeightsFile, metaStep, step, &c.Weights, false},
		{OptimizerFile, metaStep, step, &c.Optimizer, false},
		{BestFile, metaEpoch, strconv.Itoa(info.BestEpoch), &c.Best, info.Recipe.Patience <= 0 || info.BestEpoch <= 0},
	} {
		if f.skip {
			continue
		}
		w, prev, err := readCheckpointFile(dir, f.name, f.key, f.want, info.Model, m)
		if err != nil {
			return nil, err
		}
		*f.w = w
		if prev {
			c.stale = append(c.stale, f.name)
		}
	}
	return c, nil
}

// Repair puts back the *.prev copies that Load read in place of files a
// step ahead of run.json, so that the folder is whole again before the next
// Save keeps its files as the previous ones.
func (c *Checkpoint) Repair() error {
	for _, name := range c.stale {
		if err := linkReplace(filepath.Join(c.dir, PrevFile(name)), filepath.Join(c.dir, name)); err != nil {
			return fmt.Errorf("resume %s: restore %s: %w", c.dir, name, err)
		}
	}
	c.stale = nil
	return nil
}

// readCheckpointFile reads the checkpoint file name of the run folder dir,
// whose metadata key (step or epoch) must equal want, run.json's. A file a
// step ahead, left by a checkpoint cut short, is passed over for the
// previous checkpoint's copy, and prev says so.
func readCheckpointFile(dir, name, key, want, model string, m *zoo.Model) (w zoo.Weights, prev bool, err error) {
	path := filepath.Join(dir, name)
	w, at, err := readStamped(path, key, model, m)
	if err == nil && at == want {
		return w, false, nil
	}
	if pw, pat, perr := readStamped(filepath.Join(dir, PrevFile(name)), key, model, m); perr == nil && pat == want {
		return pw, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return nil, false, fmt.Errorf("resume: %s is at %s %s but %s at %s %s, and %s does not hold %s %s either (the checkpoint was cut short)",
		path, key, at, RunFile, key, want, PrevFile(name), key, want)
}

// readStamped reads a checkpoint file, checks that it holds the state of
// model (and weights that fit m, but for the optimizer's files) and returns
// it with the value of its metadata key.
func readStamped(path, key, model string, m *zoo.Model) (zoo.Weights, string, error) {
	w, meta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("resume: %w", err)
	}
	base := filepath.Base(path)
	optimizer := base == OptimizerFile || base == PrevFile(OptimizerFile)
	if name := meta[zoo.MetaModel]; name != model {
		what := "weights"
		if optimizer {
			what = "the optimizer state"
		}
		return nil, "", fmt.Errorf("resume: %s holds %s of model %q, but the run (%s) trains %s", path, what, name, RunFile, model)
	}
	if !optimizer {
		if err := m.CheckWeights(w); err != nil {
			if _, note, aerr := m.AdoptWeights(w); aerr == nil {
				return nil, "", fmt.Errorf("resume: %s holds %s, not the model's own names; a run with those names cannot be resumed (its optimizer state carries them too): export it, which renames them, or start a new run", path, note)
			}
			return nil, "", fmt.Errorf("resume: %s: %w", path, err)
		}
	}
	return w, meta[key], nil
}

// linkReplace makes dst a hard link to src (a copy where the file system
// has no hard links), replacing dst atomically.
func linkReplace(src, dst string) error {
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".link")
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		b, rerr := os.ReadFile(src)
		if rerr != nil {
			return rerr
		}
		return atomicfile.WriteFile(dst, b, true)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
