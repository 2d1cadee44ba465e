package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/optim"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// Files of a run folder.
const (
	WeightsFile   = "model.safetensors"     // the model's weights, PyTorch state_dict names
	OptimizerFile = "optimizer.safetensors" // optimizer state, for resume
	BestFile      = "best.safetensors"      // best weights so far, with early stopping
	RunFile       = "run.json"              // recipe, data, progress and metrics
	MetricsFile   = "metrics.csv"           // one row per epoch
	PlotFile      = "loss.png"              // train and validation loss per epoch
)

// Run statuses.
const (
	StatusRunning      = "running"
	StatusInterrupted  = "interrupted"
	StatusFinished     = "finished"
	StatusEarlyStopped = "early-stopped"
	StatusFailed       = "failed"
)

// ErrInterrupted is returned, wrapped, when the context was cancelled: the
// current batch was finished and a checkpoint saved.
var ErrInterrupted = errors.New("interrupted")

// Epoch holds the metrics of one epoch.
type Epoch struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	ValLoss   float64 `json:"val_loss"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"images_per_second"`
	// TrainAccuracy and ValAccuracy are the fractions of examples
	// classified correctly, for classifiers: over the epoch's training
	// batches as they were trained (training mode), and over the
	// validation set in evaluation mode.
	TrainAccuracy float64 `json:"train_accuracy,omitempty"`
	ValAccuracy   float64 `json:"val_accuracy,omitempty"`
}

// Info is the content of run.json: everything needed to understand a run
// and to resume it.
type Info struct {
	Model   string     `json:"model"`
	Family  string     `json:"family"`
	Recipe  zoo.Recipe `json:"recipe"`
	Train   Data       `json:"train_data"`
	Val     Data       `json:"val_data"`
	Status  string     `json:"status"`
	Error   string     `json:"error,omitempty"`
	Started time.Time  `json:"started"`
	Updated time.Time  `json:"updated"`
	// Versions of zoo, Go and the machine the run was made with.
	Versions map[string]string `json:"versions"`
	// Args are the caller's notes on how the data was chosen (command-line
	// flags), kept so that a resume can load the same data.
	Args map[string]string `json:"args,omitempty"`

	// Progress: Epoch epochs are complete, and Batch batches of the next;
	// PartialLoss and PartialN accumulate the train loss of that epoch.
	Epoch          int     `json:"epoch"`
	Batch          int     `json:"batch"`
	Step           int     `json:"step"`
	PartialLoss    float64 `json:"partial_loss,omitempty"`
	PartialN       int     `json:"partial_n,omitempty"`
	PartialCorrect int     `json:"partial_correct,omitempty"`

	// Early stopping.
	BestEpoch int     `json:"best_epoch,omitempty"`
	BestVal   float64 `json:"best_val_loss,omitempty"`
	Bad       int     `json:"epochs_without_improvement,omitempty"`

	Epochs []Epoch `json:"epochs"`
}

// Options are the settings of Run.
type Options struct {
	// Model is the spec to train, with the recipe to use.
	Model *zoo.Model
	// Train and Val are the data; Val may be nil when the recipe asks for a
	// hold-out split (Recipe.ValSplit), which is then taken from Train.
	Train, Val *Data
	// Dir is the run folder. It must not exist, unless Resume is set.
	Dir string
	// Resume continues the run in Dir; Model, Train and Val must be the
	// run's (Resume checks the model name, the data digests and sizes).
	Resume bool
	// Args are recorded in run.json (see Info.Args).
	Args map[string]string
	// Progress receives progress: a bar when Terminal, else one line per
	// epoch; nil is quiet.
	Progress io.Writer
	Terminal bool
}

// Run trains the model and keeps the run folder up to date: after every
// epoch the weights, optimizer state, run.json, metrics.csv and loss.png
// are written atomically. When ctx is cancelled, Run finishes the current
// batch, saves a checkpoint and returns an error wrapping ErrInterrupted
// that says how to resume. A NaN or infinite loss stops training with an
// error and keeps the last checkpoint. The same seed, data and options give
// bit-identical weights, whether or not the run was interrupted and resumed.
func Run(ctx context.Context, opt Options) (*Info, error) {
	t, err := newTrainer(opt)
	if err != nil {
		return nil, err
	}
	defer t.close()
	return t.run(ctx)
}

type trainer struct {
	opt       Options
	m         *zoo.Model
	r         zoo.Recipe
	w         zoo.Weights
	params    [][]float32
	optimizer optim.Optimizer
	info      *Info
	train     *Data
	val       *Data
	nets      map[int]*Net // training graphs by batch size
	evals     map[int]*Net // evaluation graphs by batch size
	best      zoo.Weights
	bar       *progress
	classes   int // classes of a classifier; 0 for autoencoders
}

func newTrainer(opt Options) (*trainer, error) {
	m := opt.Model
	if m == nil || opt.Train == nil {
		return nil, errors.New("train: no model or no training data")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	t := &trainer{opt: opt, m: m, r: m.Recipe, train: opt.Train, val: opt.Val, nets: map[int]*Net{}, evals: map[int]*Net{}}
	if t.r.ValSplit > 0 && t.val == nil {
		var err error
		if t.train, t.val, err = opt.Train.Split(t.r.ValSplit, t.r.SplitSeed); err != nil {
			return nil, err
		}
	}
	if t.val == nil {
		return nil, fmt.Errorf("train %s: no validation data", m.Name)
	}
	for _, d := range []*Data{t.train, t.val} {
		if d.Len != zoo.Numel(m.Input) {
			return nil, fmt.Errorf("train %s: %s holds examples of %d values, the model takes %v", m.Name, d.Name, d.Len, m.Input)
		}
		if d.N == 0 {
			return nil, fmt.Errorf("train %s: %s holds no examples", m.Name, d.Name)
		}
	}
	if m.Task == zoo.Classify {
		if err := t.checkLabels(); err != nil {
			return nil, err
		}
	}

	var names []string
	var sizes []int
	for _, p := range m.Trainable() {
		names = append(names, p.Name)
		sizes = append(sizes, p.Size())
	}
	var err error
	if t.optimizer, err = optim.New(t.r, names, sizes); err != nil {
		return nil, fmt.Errorf("train %s: %w", m.Name, err)
	}
	if opt.Resume {
		err = t.load()
	} else {
		err = t.start()
	}
	if err != nil {
		return nil, err
	}
	for _, p := range m.Trainable() {
		t.params = append(t.params, t.w[p.Name].Data)
	}
	return t, nil
}

// checkLabels checks that a classifier's data have one label per example,
// each below the number of classes the model outputs.
func (t *trainer) checkLabels() error {
	out, err := t.m.OutShape()
	if err != nil {
		return err
	}
	if len(out) != 1 {
		return fmt.Errorf("train %s: a classifier must output [classes], not %v", t.m.Name, out)
	}
	t.classes = out[0]
	for _, d := range []*Data{t.train, t.val} {
		if d.Labels == nil {
			return fmt.Errorf("train %s: %s has no labels; a classifier needs them", t.m.Name, d.Name)
		}
		if len(d.Labels) != d.N {
			return fmt.Errorf("train %s: %s has %d labels for %d examples", t.m.Name, d.Name, len(d.Labels), d.N)
		}
		for i, l := range d.Labels {
			if int(l) >= t.classes {
				return fmt.Errorf("train %s: label %d of %s (%s) is %d, but the model has %d classes", t.m.Name, i, d.Name, d.LabelsName, l, t.classes)
			}
		}
	}
	return nil
}

// start creates the run folder and the initial weights.
func (t *trainer) start() error {
	dir := t.opt.Dir
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("run folder %s already exists: resume it with --resume %s, or choose another", dir, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create run folder: %w", err)
	}
	t.w = t.m.InitWeights(uint64(t.r.Seed))
	now := time.Now().UTC()
	t.info = &Info{
		Model: t.m.Name, Family: t.m.Family, Recipe: t.r, Train: *t.train, Val: *t.val,
		Status: StatusRunning, Started: now, Updated: now, Args: t.opt.Args,
		Versions: map[string]string{"zoo": zoo.Version, "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH,
			"cpus": strconv.Itoa(runtime.NumCPU()), "gorgonia": "v0.9.18", "blas": BLAS()},
	}
	return t.writeInfo()
}

// load reads a run folder to resume it.
func (t *trainer) load() error {
	dir := t.opt.Dir
	info, err := ReadInfo(dir)
	if err != nil {
		return err
	}
	switch {
	case info.Model != t.m.Name:
		return fmt.Errorf("resume %s: the run trains %s, not %s", dir, info.Model, t.m.Name)
	case info.Status == StatusFinished || info.Status == StatusEarlyStopped:
		return fmt.Errorf("resume %s: the run is %s after %d epochs; nothing to resume", dir, info.Status, info.Epoch)
	case info.Recipe != t.r:
		return fmt.Errorf("resume %s: the recipe differs from the run's (resume takes the run's recipe)", dir)
	}
	for _, c := range []struct{ run, now *Data }{{&info.Train, t.train}, {&info.Val, t.val}} {
		if c.run.N != c.now.N || c.run.SHA256 != c.now.SHA256 || c.run.LabelsSHA256 != c.now.LabelsSHA256 {
			return fmt.Errorf("resume %s: data %s (%d examples) is not the run's %s (%d examples)", dir, c.now.Name, c.now.N, c.run.Name, c.run.N)
		}
	}
	step := strconv.Itoa(info.Step)
	var restore []string
	var prev bool
	if t.w, prev, err = t.readCheckpointFile(WeightsFile, "step", step); err != nil {
		return err
	}
	if prev {
		restore = append(restore, WeightsFile)
	}
	state, prev, err := t.readCheckpointFile(OptimizerFile, "step", step)
	if err != nil {
		return err
	}
	if prev {
		restore = append(restore, OptimizerFile)
	}
	if err := t.optimizer.LoadState(state); err != nil {
		return fmt.Errorf("resume %s: %s: %w", dir, OptimizerFile, err)
	}
	if t.r.Patience > 0 && info.BestEpoch > 0 {
		if t.best, prev, err = t.readCheckpointFile(BestFile, "epoch", strconv.Itoa(info.BestEpoch)); err != nil {
			return err
		}
		if prev {
			restore = append(restore, BestFile)
		}
	}
	// A checkpoint cut short by a kill left some files a step ahead of
	// run.json: put the previous ones back, so that the folder is whole
	// again before the next checkpoint keeps it as the previous one.
	for _, name := range restore {
		if err := linkReplace(filepath.Join(dir, previous(name)), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("resume %s: restore %s: %w", dir, name, err)
		}
	}
	info.Status, info.Error = StatusRunning, ""
	t.info = info
	return nil
}

// readCheckpointFile reads the checkpoint file name of the run folder,
// whose metadata key (step or epoch) must equal want, run.json's. A file a
// step ahead, left by a checkpoint cut short, is passed over for the
// previous checkpoint's copy, and prev says so.
func (t *trainer) readCheckpointFile(name, key, want string) (w zoo.Weights, prev bool, err error) {
	path := filepath.Join(t.opt.Dir, name)
	w, at, err := t.readWeights(path, key)
	if err == nil && at == want {
		return w, false, nil
	}
	old := filepath.Join(t.opt.Dir, previous(name))
	if pw, pat, perr := t.readWeights(old, key); perr == nil && pat == want {
		return pw, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return nil, false, fmt.Errorf("resume: %s is at %s %s but %s at %s %s, and %s does not hold %s %s either (the checkpoint was cut short)",
		path, key, at, RunFile, key, want, previous(name), key, want)
}

// readWeights reads a weights or optimizer file of the run, checks it
// against the model and returns it with the value of its metadata key.
func (t *trainer) readWeights(path, key string) (zoo.Weights, string, error) {
	w, meta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("resume: %w", err)
	}
	if name := meta[zoo.MetaModel]; name != t.m.Name {
		what := "weights"
		if filepath.Base(path) == OptimizerFile || filepath.Base(path) == previous(OptimizerFile) {
			what = "the optimizer state"
		}
		return nil, "", fmt.Errorf("resume: %s holds %s of model %q, but the run (%s) trains %s", path, what, name, RunFile, t.m.Name)
	}
	if filepath.Base(path) != OptimizerFile && filepath.Base(path) != previous(OptimizerFile) {
		if err := t.m.CheckWeights(w); err != nil {
			return nil, "", fmt.Errorf("resume: %s: %w", path, err)
		}
	}
	return w, meta[key], nil
}

// previous names the copy of a checkpoint file that the next checkpoint
// keeps: model.safetensors -> model.prev.safetensors.
func previous(name string) string {
	ext := filepath.Ext(name)
	return name[:len(name)-len(ext)] + ".prev" + ext
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

// ReadInfo reads the run.json of a run folder.
func ReadInfo(dir string) (*Info, error) {
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil {
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("run folder %s: %s: %w", dir, RunFile, err)
	}
	return &info, nil
}

func (t *trainer) close() {
	for _, n := range t.nets {
		n.Close()
	}
	for _, n := range t.evals {
		n.Close()
	}
}

// net returns the training graph for batch size b.
func (t *trainer) net(b int) (*Net, error) {
	if n, ok := t.nets[b]; ok {
		return n, nil
	}
	n, err := NewNet(t.m, t.w, Config{Batch: b, Loss: t.r.Loss, Sparsity: t.r.Sparsity, SparsityOn: t.r.SparsityOn, Grad: true, Training: true})
	if err != nil {
		return nil, err
	}
	t.nets[b] = n
	return n, nil
}

// eval returns the evaluation graph for batch size b: the recipe's loss
// without the sparsity penalty and without gradients.
func (t *trainer) eval(b int) (*Net, error) {
	if n, ok := t.evals[b]; ok {
		return n, nil
	}
	n, err := NewNet(t.m, t.w, Config{Batch: b, Loss: t.r.Loss})
	if err != nil {
		return nil, err
	}
	t.evals[b] = n
	return n, nil
}

// permutation returns the order of the training examples in epoch e (from
// 1): a function of the seed and the epoch only, so a resumed run sees the
// same order.
func (t *trainer) permutation(e int) []int {
	n := t.train.N
	if !t.r.Shuffle {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	return rand.New(rand.NewPCG(uint64(t.r.Seed), uint64(e))).Perm(n)
}

// noiseRNG returns the generator of the input noise of one batch.
func (t *trainer) noiseRNG(e, b int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(t.r.Seed)^0x6e6f697365, uint64(e)<<32|uint64(b))) // "noise"
}

func (t *trainer) run(ctx context.Context) (*Info, error) {
	r, info := t.r, t.info
	B := r.BatchSize
	batches := (t.train.N + B - 1) / B
	t.bar = newProgress(t.opt.Progress, t.opt.Terminal, t.m.Name, r.Epochs, batches)
	defer t.bar.finish()
	for e := info.Epoch + 1; e <= r.Epochs; e++ {
		perm := t.permutation(e)
		start := time.Now()
		seen := 0
		for b := info.Batch; b < batches; b++ {
			lo, hi := b*B, min((b+1)*B, t.train.N)
			loss, correct, err := t.step(perm[lo:hi], e, b)
			if err != nil {
				return t.fail(err)
			}
			info.PartialCorrect += correct
			info.PartialLoss += loss * float64(hi-lo)
			info.PartialN += hi - lo
			info.Batch = b + 1
			info.Step++
			seen += hi - lo
			t.bar.batch(e, b+1, loss, float64(seen)/time.Since(start).Seconds())
			if ctx.Err() != nil && b+1 < batches {
				return t.interrupt(e)
			}
		}
		secs := time.Since(start).Seconds()
		val, valAcc, err := t.validate()
		if err != nil {
			return t.fail(err)
		}
		ep := Epoch{Epoch: e, TrainLoss: info.PartialLoss / float64(info.PartialN), ValLoss: val, Seconds: secs, PerSecond: float64(seen) / secs}
		if t.classes > 0 {
			ep.TrainAccuracy, ep.ValAccuracy = float64(info.PartialCorrect)/float64(info.PartialN), valAcc
		}
		info.Epochs = append(info.Epochs, ep)
		info.Epoch, info.Batch, info.PartialLoss, info.PartialN, info.PartialCorrect = e, 0, 0, 0, 0
		stop := t.earlyStop(ep)
		t.bar.epoch(ep, info.BestEpoch)
		if stop {
			info.Status = StatusEarlyStopped
			if err := t.restoreBest(); err != nil {
				return t.fail(err)
			}
		}
		if e == r.Epochs && !stop {
			info.Status = StatusFinished
		}
		if err := t.checkpoint(); err != nil {
			return nil, err
		}
		if stop {
			break
		}
		if ctx.Err() != nil && e < r.Epochs {
			return t.interrupt(e + 1)
		}
	}
	return info, nil
}

// dropoutSeed returns the seed of the dropout masks of batch b of epoch e:
// a function of the recipe's seed, e and b only, so a resumed run drops
// the same units.
func (t *trainer) dropoutSeed(e, b int) uint64 {
	z := uint64(t.r.Seed) ^ 0x64726f706f7574 // "dropout"
	z += uint64(e)<<32 | uint64(b)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9 // splitmix64 finaliser
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// step trains on the examples idx of epoch e, batch b, and returns the
// loss and, for classifiers, how many examples the batch classified right.
func (t *trainer) step(idx []int, e, b int) (float64, int, error) {
	net, err := t.net(len(idx))
	if err != nil {
		return 0, 0, err
	}
	L := t.train.Len
	x, tgt := net.Input(), net.Target()
	if t.classes > 0 {
		for i, j := range idx {
			copy(x[i*L:(i+1)*L], t.train.X[j*L:(j+1)*L])
		}
		oneHot(tgt, t.train.Labels, idx, t.classes)
	} else {
		for i, j := range idx {
			copy(tgt[i*L:(i+1)*L], t.train.X[j*L:(j+1)*L])
		}
		copy(x, tgt)
	}
	if t.r.Noise.Kind != zoo.NoNoise {
		addNoise(x, t.r.Noise, t.noiseRNG(e, b))
	}
	net.SetSeed(t.dropoutSeed(e, b))
	loss, _, err := net.Run()
	if err != nil {
		return 0, 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, 0, fmt.Errorf("loss is %v at epoch %d, batch %d", loss, e, b+1)
	}
	correct := 0
	if t.classes > 0 {
		correct = countCorrect(net.Output(), t.train.Labels, idx, t.classes)
	}
	grads, err := net.Grads()
	if err != nil {
		return 0, 0, err
	}
	return loss, correct, t.optimizer.Step(t.params, grads)
}

// oneHot writes the one-hot targets of the examples idx.
func oneHot(tgt []float32, labels []uint8, idx []int, classes int) {
	clear(tgt)
	for i, j := range idx {
		tgt[i*classes+int(labels[j])] = 1
	}
}

// countCorrect counts the examples idx whose largest logit (the first, on
// ties) is at their label.
func countCorrect(logits []float32, labels []uint8, idx []int, classes int) int {
	n := 0
	for i, j := range idx {
		row := logits[i*classes : (i+1)*classes]
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		if best == int(labels[j]) {
			n++
		}
	}
	return n
}

// addNoise corrupts the input x: Gaussian noise of standard deviation
// level, or salt-and-pepper setting a fraction level of the values to 0 or 1.
func addNoise(x []float32, n zoo.Noise, rng *rand.Rand) {
	switch n.Kind {
	case zoo.Gaussian:
		for i := range x {
			x[i] += float32(rng.NormFloat64() * n.Level)
		}
	case zoo.SaltAndPepper:
		for i := range x {
			if rng.Float64() < n.Level {
				x[i] = float32(rng.IntN(2))
			}
		}
	}
}

// validate returns the mean loss over the validation set, in evaluation
// mode, and for classifiers the accuracy.
func (t *trainer) validate() (loss, accuracy float64, err error) {
	const chunk = 1000
	L, N := t.val.Len, t.val.N
	var sum float64
	correct := 0
	for lo := 0; lo < N; lo += chunk {
		hi := min(lo+chunk, N)
		net, err := t.eval(hi - lo)
		if err != nil {
			return 0, 0, err
		}
		copy(net.Input(), t.val.X[lo*L:hi*L])
		var idx []int
		if t.classes > 0 {
			idx = make([]int, hi-lo)
			for i := range idx {
				idx[i] = lo + i
			}
			oneHot(net.Target(), t.val.Labels, idx, t.classes)
		} else {
			copy(net.Target(), t.val.X[lo*L:hi*L])
		}
		loss, _, err := net.Run()
		if err != nil {
			return 0, 0, err
		}
		if t.classes > 0 {
			correct += countCorrect(net.Output(), t.val.Labels, idx, t.classes)
		}
		sum += loss * float64(hi-lo)
	}
	v := sum / float64(N)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, 0, fmt.Errorf("validation loss is %v", v)
	}
	return v, float64(correct) / float64(N), nil
}

// earlyStop records the best epoch and reports whether patience ran out.
func (t *trainer) earlyStop(ep Epoch) bool {
	info := t.info
	if info.BestEpoch == 0 || ep.ValLoss < info.BestVal {
		info.BestEpoch, info.BestVal, info.Bad = ep.Epoch, ep.ValLoss, 0
		if t.r.Patience > 0 {
			t.best = copyWeights(t.w)
		}
		return false
	}
	info.Bad++
	return t.r.Patience > 0 && info.Bad >= t.r.Patience
}

// restoreBest puts the best weights back, in place.
func (t *trainer) restoreBest() error {
	if t.best == nil {
		return errors.New("early stopping: no best weights kept")
	}
	for name, tensor := range t.best {
		copy(t.w[name].Data, tensor.Data)
	}
	return nil
}

func copyWeights(w zoo.Weights) zoo.Weights {
	c := zoo.Weights{}
	for k, v := range w {
		c[k] = &zoo.Tensor{Shape: append([]int(nil), v.Shape...), Data: append([]float32(nil), v.Data...)}
	}
	return c
}

// checkpoint writes the run folder: weights, optimizer state, best weights,
// metrics, plot, and run.json last, each file atomically.
//
// A kill can land between any two of these renames. So that run.json always
// names a checkpoint that can be resumed, the files of the last one are
// first kept as *.prev.safetensors (hard links); resume takes those where
// the newer files are a step ahead of run.json.
func (t *trainer) checkpoint() error {
	dir := t.opt.Dir
	for _, name := range []string{WeightsFile, OptimizerFile, BestFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			continue
		}
		if err := linkReplace(filepath.Join(dir, name), filepath.Join(dir, previous(name))); err != nil {
			return fmt.Errorf("checkpoint %s: keep %s: %w", dir, name, err)
		}
	}
	meta := map[string]string{zoo.MetaModel: t.m.Name, "epoch": strconv.Itoa(t.info.Epoch), "step": strconv.Itoa(t.info.Step)}
	if err := safetensors.WriteFile(filepath.Join(dir, WeightsFile), t.w, meta); err != nil {
		return err
	}
	if err := safetensors.WriteFile(filepath.Join(dir, OptimizerFile), t.optimizer.State(), meta); err != nil {
		return err
	}
	if t.best != nil {
		bm := map[string]string{zoo.MetaModel: t.m.Name, "epoch": strconv.Itoa(t.info.BestEpoch)}
		if err := safetensors.WriteFile(filepath.Join(dir, BestFile), t.best, bm); err != nil {
			return err
		}
	}
	if err := writeMetrics(dir, t.info); err != nil {
		return err
	}
	return t.writeInfo()
}

func (t *trainer) writeInfo() error {
	t.info.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(t.info, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(t.opt.Dir, RunFile), append(b, '\n'), true)
}

// interrupt saves a checkpoint in the middle of epoch e and returns the
// error that says how to resume.
func (t *trainer) interrupt(e int) (*Info, error) {
	t.info.Status = StatusInterrupted
	if err := t.checkpoint(); err != nil {
		return nil, err
	}
	t.bar.finish()
	return t.info, fmt.Errorf("%w at epoch %d, batch %d; checkpoint saved; continue with: zoo train %s --resume %s",
		ErrInterrupted, e, t.info.Batch, t.m.Name, t.opt.Dir)
}

// fail records the error in run.json, leaving the last checkpoint's
// weights in place.
func (t *trainer) fail(err error) (*Info, error) {
	t.bar.finish()
	t.info.Status, t.info.Error = StatusFailed, err.Error()
	// Keep the last good checkpoint: only run.json changes, and only its
	// status, so the progress fields still describe the files beside it.
	last, rerr := ReadInfo(t.opt.Dir)
	if rerr == nil {
		last.Status, last.Error = StatusFailed, err.Error()
		t.info = last
	}
	if werr := t.writeInfo(); werr != nil {
		return nil, fmt.Errorf("train %s: %w (and recording it failed: %v)", t.m.Name, err, werr)
	}
	return t.info, fmt.Errorf("train %s: %w; the last checkpoint (epoch %d) is kept in %s", t.m.Name, err, t.info.Epoch, t.opt.Dir)
}
