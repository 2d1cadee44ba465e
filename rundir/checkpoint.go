package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// Metadata keys of the checkpoint files.
const (
	metaStep   = "step"   // Info.Step when written; for best.safetensors, the step at the end of its epoch
	metaEpoch  = "epoch"  // Info.Epoch when written; for best.safetensors Info.BestEpoch
	metaSHA256 = "sha256" // the SHA-256 of the file's tensor data (safetensors.DataSHA256)
)

// checkpointFiles are the files of a checkpoint, besides run.json, in the
// order Save writes them.
var checkpointFiles = []string{WeightsFile, OptimizerFile, BestFile}

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
	// The files of the checkpoint before become the *.prev copies, and
	// run.json, written last, records both.
	sums := map[string]Sum{}
	keep := func() error {
		var before map[string]Sum
		if last, err := ReadInfo(dir); err == nil {
			before = last.Checksums
		}
		for _, name := range checkpointFiles {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				continue
			}
			if err := linkReplace(filepath.Join(dir, name), filepath.Join(dir, PrevFile(name))); err != nil {
				return fmt.Errorf("checkpoint %s: keep %s: %w", dir, name, err)
			}
			if sum, ok := before[name]; ok {
				sums[PrevFile(name)] = sum
			}
		}
		return nil
	}
	write := func(name string, w zoo.Weights, epoch, step int) func() error {
		sum := Sum{Step: step, SHA256: safetensors.DataSHA256(w)}
		meta := map[string]string{zoo.MetaModel: info.Model, zoo.MetaVersion: zoo.Version,
			metaEpoch: strconv.Itoa(epoch), metaStep: strconv.Itoa(step), metaSHA256: sum.SHA256}
		return func() error {
			sums[name] = sum
			return safetensors.WriteFile(filepath.Join(dir, name), w, meta)
		}
	}
	steps := []func() error{
		keep,
		write(WeightsFile, s.Weights, info.Epoch, info.Step),
		write(OptimizerFile, s.Optimizer, info.Epoch, info.Step),
	}
	if s.Best != nil {
		steps = append(steps, write(BestFile, s.Best, info.BestEpoch, info.BestEpoch*info.Batches()))
	}
	steps = append(steps, func() error {
		return WriteMetrics(dir, info.Epochs, info.Recipe.Loss.Task() == zoo.Classify)
	})
	if plot != nil {
		steps = append(steps, func() error { return plot(filepath.Join(dir, PlotFile)) })
	}
	return append(steps, func() error {
		info.Checksums = sums
		return WriteInfo(dir, info)
	})
}

// Checkpoint is a checkpoint read back by Load.
type Checkpoint struct {
	State
	// Unchecked says that run.json records no checksums (a run written
	// before zoo recorded them): the files could not be checked.
	Unchecked bool
	dir       string
	// stale are the files a step ahead of run.json, whose *.prev copies
	// were read instead.
	stale []string
}

// Load reads the checkpoint that info, the run.json of the run folder dir,
// names: model.safetensors and optimizer.safetensors at info.Step and, when
// the recipe has a patience and info.BestEpoch is set, best.safetensors at
// that epoch. Each may come from its *.prev copy, by the crash-recovery
// protocol (see the package documentation). run.json's position must hold
// together (Info.CheckPosition), the files must hold info.Model, the step
// and epoch of run.json, and tensor data whose SHA-256 is the one their
// metadata and run.json record, and the weights must fit m, the model spec
// of the run. Every error names the file at fault.
//
// Load changes nothing in dir: a caller that rejects what it read leaves
// the folder as it was. Call Repair once the checkpoint is accepted.
func Load(dir string, info *Info, m *zoo.Model) (*Checkpoint, error) {
	if err := zoo.CheckFormer(info.Model, info.Versions["zoo"]); err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	if err := info.CheckPosition(); err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	c := &Checkpoint{dir: dir, Unchecked: !info.Checked()}
	for _, f := range []struct {
		name string
		w    *zoo.Weights
		skip bool
	}{
		{WeightsFile, &c.Weights, false},
		{OptimizerFile, &c.Optimizer, false},
		{BestFile, &c.Best, info.Recipe.Patience <= 0 || info.BestEpoch <= 0},
	} {
		if f.skip {
			continue
		}
		cf, prev, err := readCheckpoint(dir, f.name, info, false)
		if err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		if f.name != OptimizerFile {
			if err := m.CheckWeights(cf.w); err != nil {
				if _, note, aerr := m.AdoptWeights(cf.w); aerr == nil {
					return nil, fmt.Errorf("resume: %s holds %s, not the model's own names; a run with those names cannot be resumed (its optimizer state carries them too): export it, which renames them, or start a new run", cf.path, note)
				}
				return nil, fmt.Errorf("resume: %s: %w", cf.path, err)
			}
		}
		if err := cf.check(f.name, info); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		*f.w = cf.w
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

// position is the position a checkpoint file records in its metadata: the
// key (step, or epoch for best.safetensors) and its value.
type position struct {
	key  string
	want int
}

// stampOf returns what the checkpoint file name must record to belong to
// the checkpoint run.json (info) names, and the step of run.json's record
// of its checksum.
func stampOf(name string, info *Info) (position, int) {
	if name == BestFile {
		return position{metaEpoch, info.BestEpoch}, info.BestEpoch * info.Batches()
	}
	return position{metaStep, info.Step}, info.Step
}

// checkpointFile is a checkpoint file read back: its tensors, metadata and
// the SHA-256 of its tensor data.
type checkpointFile struct {
	path string
	w    zoo.Weights
	meta map[string]string
	sum  string
}

// readCheckpoint reads the checkpoint file name of the run folder dir, the
// one at the step (or epoch) run.json (info) names; the caller checks it
// further (checkpointFile.check). A file that is absent or a step ahead,
// left by a checkpoint cut short, is passed over for the previous
// checkpoint's copy when that one is at run.json's step, and prev says so. With unstamped, a file that records no position passes in a run
// that records no checksums (weights put in a run folder by hand).
func readCheckpoint(dir, name string, info *Info, unstamped bool) (f *checkpointFile, prev bool, err error) {
	st, _ := stampOf(name, info)
	want := strconv.Itoa(st.want)
	f, err = readCheckpointFile(filepath.Join(dir, name), info.Model, info.Checked())
	if err == nil && (f.at(st.key) == want || unstamped && !info.Checked() && f.meta[st.key] == "") {
		return f, false, nil
	}
	ahead := false
	if err == nil {
		n, aerr := strconv.Atoi(f.at(st.key))
		ahead = aerr == nil && n > st.want
	}
	if ahead || errors.Is(err, fs.ErrNotExist) {
		pf, perr := readCheckpointFile(filepath.Join(dir, PrevFile(name)), info.Model, info.Checked())
		if perr == nil && pf.at(st.key) == want {
			return pf, true, nil
		}
	}
	switch {
	case err != nil:
		return nil, false, err
	case !ahead:
		return nil, false, fmt.Errorf("%s is at %s %s, but %s names %s %d: it is not the checkpoint's file (an earlier one's, or one changed by hand)",
			f.path, st.key, f.at(st.key), RunFile, st.key, st.want)
	}
	return nil, false, fmt.Errorf("%s is at %s %s but %s at %s %d, and %s does not hold %s %d either (the checkpoint was cut short)",
		f.path, st.key, f.at(st.key), RunFile, st.key, st.want, PrevFile(name), st.key, st.want)
}

// readCheckpointFile reads a checkpoint file and checks that it holds the
// state of model. Unless strict, a file that names no model (as files
// written by hand do) passes.
func readCheckpointFile(path, model string, strict bool) (*checkpointFile, error) {
	w, meta, sum, err := safetensors.ReadFileSHA256(path)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(path)
	if name := meta[zoo.MetaModel]; name != model && (strict || name != "") {
		what := "weights"
		if base == OptimizerFile || base == PrevFile(OptimizerFile) {
			what = "the optimizer state"
		}
		return nil, fmt.Errorf("%s holds %s of model %q, but the run (%s) trains %s", path, what, name, RunFile, model)
	}
	return &checkpointFile{path: path, w: w, meta: meta, sum: sum}, nil
}

// at returns the value of the metadata key, "none" when absent.
func (f *checkpointFile) at(key string) string {
	if v, ok := f.meta[key]; ok {
		return v
	}
	return "none"
}

// intact checks that the file's tensor data has the SHA-256 its metadata
// records, when it records one.
func (f *checkpointFile) intact() error {
	if want, ok := f.meta[metaSHA256]; ok && want != f.sum {
		return fmt.Errorf("%s is damaged: its tensor data has SHA-256 %s, its metadata records %s", f.path, f.sum, want)
	}
	return nil
}

// check checks the file, read to be the checkpoint file name that run.json
// (info) names: its data is intact, and, when run.json records checksums,
// it is the file run.json records under name, written at run.json's epoch
// and step (best.safetensors: at the end of its epoch).
func (f *checkpointFile) check(name string, info *Info) error {
	if err := f.intact(); err != nil {
		return err
	}
	if !info.Checked() {
		return nil
	}
	_, step := stampOf(name, info)
	rec, ok := info.Checksums[name]
	switch {
	case !ok:
		return fmt.Errorf("%s records no checksum of %s", RunFile, name)
	case rec.Step != step:
		return fmt.Errorf("%s records %s at step %d, but names the checkpoint of step %d", RunFile, name, rec.Step, step)
	case f.meta[metaSHA256] == "":
		return fmt.Errorf("%s carries no checksum, but %s records one: it is not the file %s names", f.path, RunFile, RunFile)
	case f.sum != rec.SHA256:
		return fmt.Errorf("%s does not match %s: its tensor data has SHA-256 %s, %s records %s (step %d)", f.path, RunFile, f.sum, RunFile, rec.SHA256, rec.Step)
	case f.at(metaStep) != strconv.Itoa(step):
		return fmt.Errorf("%s is at step %s, but %s names step %d", f.path, f.at(metaStep), RunFile, step)
	case name != BestFile && f.at(metaEpoch) != strconv.Itoa(info.Epoch):
		return fmt.Errorf("%s is at epoch %s, but %s names epoch %d", f.path, f.at(metaEpoch), RunFile, info.Epoch)
	}
	return nil
}

// linkReplace makes dst a hard link to src (a copy where the file system
// has no hard links), replacing dst atomically.
func linkReplace(src, dst string) error {
	tmp := filepath.Join(filepath.Dir(dst), strings.TrimSuffix(atomicfile.TempPattern(filepath.Base(dst)), "*")+"link")
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

// A FileCheck is the verdict on one checkpoint file of a run folder
// (CheckFiles).
type FileCheck struct {
	// Name is the file's name in the folder.
	Name string
	// Err says why the file fails; nil when it passes.
	Err error
	// Note says what a passing file could not be checked against, or why a
	// file that is not run.json's passes.
	Note string
}

// CheckFiles checks each checkpoint file of the run folder dir (model,
// optimizer and best .safetensors and their *.prev copies) against its own
// metadata and run.json (info): it must read, hold info.Model, have tensor
// data whose SHA-256 is the one its metadata records, and be the file that
// run.json records under its name (a *.prev copy: under its name or the
// name it copies, as a checkpoint cut short while keeping its files leaves
// it). A file a step ahead of run.json, left by a checkpoint cut short,
// passes with a note: Load reads its *.prev copy instead. In a run whose
// run.json records no checksums (written before zoo recorded them), a file
// passes on its own checksum, or unchecked, with a note.
func CheckFiles(dir string, info *Info) []FileCheck {
	var checks []FileCheck
	for _, main := range checkpointFiles {
		for _, name := range []string{main, PrevFile(main)} {
			path := filepath.Join(dir, name)
			if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			c := FileCheck{Name: name}
			c.Note, c.Err = checkFile(path, name, main, info)
			checks = append(checks, c)
		}
	}
	return checks
}

// checkFile checks one file for CheckFiles: name in the folder, main the
// name of the file it is (name) or copies (a *.prev copy).
func checkFile(path, name, main string, info *Info) (string, error) {
	f, err := readCheckpointFile(path, info.Model, info.Checked())
	if err != nil {
		return "", err
	}
	if err := f.intact(); err != nil {
		return "", err
	}
	var recs []Sum
	for _, n := range []string{name, main} {
		if rec, ok := info.Checksums[n]; ok {
			recs = append(recs, rec)
		}
	}
	if !info.Checked() {
		if f.meta[metaSHA256] == "" {
			return "unchecked: neither the file nor " + RunFile + " records its checksum", nil
		}
		return "checked against its own checksum only: " + RunFile + " records none", nil
	}
	if _, ok := info.Checksums[name]; !ok {
		switch {
		case name == main:
			return "", fmt.Errorf("%s records no checksum of %s", RunFile, name)
		case len(recs) > 0 && f.sum == recs[0].SHA256:
			return "", nil // a copy of run.json's file, kept by a checkpoint cut short
		case f.meta[metaSHA256] == "":
			return "unchecked: neither the file nor " + RunFile + " records its checksum", nil
		}
		return "", fmt.Errorf("%s records no checksum of %s", RunFile, name)
	}
	for _, rec := range recs {
		if f.sum == rec.SHA256 && f.at(metaStep) == strconv.Itoa(rec.Step) {
			return "", nil
		}
	}
	st, _ := stampOf(main, info)
	if n, err := strconv.Atoi(f.at(st.key)); name == main && err == nil && n > st.want {
		return fmt.Sprintf("a step ahead of %s (a checkpoint cut short): resuming takes %s instead", RunFile, PrevFile(main)), nil
	}
	return "", fmt.Errorf("%s does not match %s: its tensor data has SHA-256 %s at step %s, %s records %s at step %d",
		path, RunFile, f.sum, f.at(metaStep), RunFile, recs[0].SHA256, recs[0].Step)
}
