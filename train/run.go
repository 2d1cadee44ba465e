package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"time"

	"github.com/zoo-ml/zoo/internal/openblas"
	"github.com/zoo-ml/zoo/optim"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// ErrInterrupted is returned, wrapped in an *InterruptedError, when the
// context was cancelled: the current batch was finished and a checkpoint
// saved.
var ErrInterrupted = errors.New("interrupted")

// InterruptedError says where an interrupted run stopped; Run with
// Options.Resume continues it. It wraps ErrInterrupted.
type InterruptedError struct {
	Model string // the model the run trains
	Dir   string // the run folder
	// Epoch is the epoch under way and Batch the batches of it done.
	Epoch, Batch int
}

// Error says where the run stopped.
func (e *InterruptedError) Error() string {
	return fmt.Sprintf("%v at epoch %d, batch %d; checkpoint saved", ErrInterrupted, e.Epoch, e.Batch)
}

// Unwrap returns ErrInterrupted.
func (e *InterruptedError) Unwrap() error { return ErrInterrupted }

// ExistsError is returned when the run folder of a new run exists already.
// It wraps fs.ErrExist.
type ExistsError struct {
	Dir string // the run folder
}

// Error names the folder.
func (e *ExistsError) Error() string { return "run folder " + e.Dir + " already exists" }

// Unwrap returns fs.ErrExist.
func (e *ExistsError) Unwrap() error { return fs.ErrExist }

// Step is where a run stands after a training step, as Options.OnStep
// sees it.
type Step struct {
	// Epoch is the epoch under way (from 1) of the recipe's Epochs.
	Epoch, Epochs int
	// Batch is the batches of the epoch done, of Batches.
	Batch, Batches int
	// Loss is the loss of the step's batch.
	Loss float64
	// PerSecond is the examples trained per second in this epoch so far
	// (since the run started or resumed, for the epoch it resumed in).
	PerSecond float64
}

// Options are the settings of Run.
type Options struct {
	// Model is the spec to train, with the recipe to use.
	Model *zoo.Model
	// Train and Val are the data; Val may be nil when the recipe asks for a
	// hold-out split (Recipe.ValSplit), which is then taken from Train.
	Train, Val *Data
	// Dir is the run folder. For a new run it must not exist, or hold
	// nothing, or a run stopped before its first checkpoint (which starts
	// over: see rundir.Create); unless Resume is set.
	Dir string
	// Unique makes Dir a first choice, a name by the start time
	// (rundir.DefaultName): when it exists, the run takes the first of
	// Dir-2, Dir-3, ... that does not, and says so through OnNotice.
	Unique bool
	// Resume continues the run in Dir; Model, Train and Val must be the
	// run's (Resume checks the model name, the data digests and sizes).
	Resume bool
	// Args are recorded in run.json (see rundir.Info.Args).
	Args map[string]string
	// Init, when not nil, holds the weights a new run starts from instead
	// of the recipe's seeded initialisation: every parameter and buffer of
	// Model under its state_dict name (zoo.Model.CheckWeights; BatchNorm's
	// num_batches_tracked may be there and is ignored). Run copies them.
	// InitFrom says where they came from, for run.json (rundir.Info.InitFrom).
	Init     zoo.Weights
	InitFrom string
	// OnStep, when not nil, is called after every training step (a
	// progress bar, say).
	OnStep func(Step)
	// OnEpoch, when not nil, is called at the end of every epoch, before
	// its checkpoint, with the epoch's record and the run: info.Epochs ends
	// with ep, and info.BestEpoch is the best epoch so far. The hooks are
	// called from the goroutine of Run and must not change info.
	OnEpoch func(ep rundir.Epoch, info *rundir.Info)
	// OnNotice, when not nil, is told what Run does that the caller did not
	// ask for: a run folder started over, another name taken, a checkpoint
	// without checksums to check.
	OnNotice func(msg string)
}

// Describe says what the run trains: the model, the training data, the
// validation data (or the hold-out the recipe takes from the training
// data), with their numbers of images, the weights it starts from when
// given (Init), and the run folder.
func (o Options) Describe() string {
	val, n := fmt.Sprintf("a hold-out of %d", o.Model.Recipe.ValSplit), o.Model.Recipe.ValSplit
	if o.Val != nil {
		val, n = o.Val.Name, o.Val.N
	}
	from := ""
	if o.Init != nil {
		from = "; starting from the weights of " + o.InitFrom
	}
	return fmt.Sprintf("training %s on %s (%d images), validating on %s (%d images)%s; run folder %s",
		o.Model.Name, o.Train.Name, o.Train.N, val, n, from, o.Dir)
}

// Run trains the model and keeps the run folder up to date: after every
// epoch the weights, optimizer state, run.json, metrics.csv and loss.png
// are written atomically. When ctx is cancelled, Run finishes the current
// batch, saves a checkpoint and returns an *InterruptedError that says
// where it stopped. A new run into a folder that holds a checkpoint is an
// *ExistsError, and a folder another process trains a *rundir.BusyError.
// A NaN or infinite loss stops training with an error and keeps the last
// checkpoint. The same seed, data and options give bit-identical weights,
// whether or not the run was interrupted and resumed; the hooks change
// nothing of that.
func Run(ctx context.Context, opt Options) (*rundir.Info, error) {
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
	info      *rundir.Info
	lock      *rundir.Lock // the run folder, held while training
	train     *Data
	val       *Data
	nets      map[int]*Net // training graphs by batch size
	evals     map[int]*Net // evaluation graphs by batch size
	best      zoo.Weights
	classes   int // classes of a classifier; 0 for autoencoders
	// restoreThreads is the OpenBLAS thread count to restore at close,
	// when a resumed run changed it (keepBLASThreads); 0 otherwise.
	restoreThreads int
}

func newTrainer(opt Options) (*trainer, error) {
	m := opt.Model
	if m == nil || opt.Train == nil {
		return nil, errors.New("train: no model or no training data")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if opt.Init != nil {
		if opt.Resume {
			return nil, fmt.Errorf("train %s: a resumed run continues from its own weights, not given ones", m.Name)
		}
		if err := m.CheckWeights(opt.Init); err != nil {
			return nil, fmt.Errorf("train %s: initial weights %s: %w", m.Name, opt.InitFrom, err)
		}
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
		t.lock.Release()
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
		if len(d.Labels) != d.items() {
			return fmt.Errorf("train %s: %s has %d labels for %d examples", t.m.Name, d.Name, len(d.Labels), d.items())
		}
		for i, l := range d.Labels {
			if int(l) >= t.classes {
				return fmt.Errorf("train %s: label %d of %s (%s) is %d, but the model has %d classes", t.m.Name, i, d.Name, d.LabelsName, l, t.classes)
			}
		}
	}
	return nil
}

func (t *trainer) close() {
	if t.restoreThreads > 0 {
		openblas.SetThreads(t.restoreThreads)
	}
	t.lock.Release()
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

func (t *trainer) run(ctx context.Context) (*rundir.Info, error) {
	r, info := t.r, t.info
	B := r.BatchSize
	batches := (t.train.N + B - 1) / B
	for e := info.Epoch + 1; e <= r.Epochs; e++ {
		order, err := t.epoch(e, info.Batch*B)
		if err != nil {
			return t.fail(err)
		}
		start := time.Now()
		seen := 0
		for b := info.Batch; b < batches; b++ {
			lo, hi := b*B, min((b+1)*B, t.train.N)
			loss, correct, err := t.step(order, hi-lo, e, b)
			if err != nil {
				return t.fail(err)
			}
			info.PartialCorrect += correct
			info.PartialLoss += loss * float64(hi-lo)
			info.PartialN += hi - lo
			info.Batch = b + 1
			info.Step++
			seen += hi - lo
			if t.opt.OnStep != nil {
				t.opt.OnStep(Step{Epoch: e, Epochs: r.Epochs, Batch: b + 1, Batches: batches,
					Loss: loss, PerSecond: float64(seen) / time.Since(start).Seconds()})
			}
			if ctx.Err() != nil && b+1 < batches {
				return t.interrupt(e)
			}
		}
		secs := time.Since(start).Seconds()
		val, valAcc, err := t.validate()
		if err != nil {
			return t.fail(err)
		}
		ep := rundir.Epoch{Epoch: e, TrainLoss: info.PartialLoss / float64(info.PartialN), ValLoss: val, Seconds: secs, PerSecond: float64(seen) / secs}
		if t.classes > 0 {
			ep.TrainAccuracy, ep.ValAccuracy = float64(info.PartialCorrect)/float64(info.PartialN), valAcc
		}
		info.Epochs = append(info.Epochs, ep)
		info.Epoch, info.Batch, info.PartialLoss, info.PartialN, info.PartialCorrect = e, 0, 0, 0, 0
		stop := t.earlyStop(ep)
		if t.opt.OnEpoch != nil {
			t.opt.OnEpoch(ep, info)
		}
		if stop {
			info.Status = rundir.StatusEarlyStopped
			if err := t.restoreBest(); err != nil {
				return t.fail(err)
			}
		}
		if e == r.Epochs && !stop {
			info.Status = rundir.StatusFinished
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

// step trains on the next n examples of the epoch's order, batch b of
// epoch e, and returns the loss and, for classifiers, how many examples
// the batch classified right.
func (t *trainer) step(order epochOrder, n, e, b int) (float64, int, error) {
	net, err := t.net(n)
	if err != nil {
		return 0, 0, err
	}
	x, tgt := net.Input(), net.Target()
	var labels []uint8
	if t.classes > 0 {
		labels = make([]uint8, n)
		if err := order.next(x, labels); err != nil {
			return 0, 0, err
		}
		oneHot(tgt, labels, t.classes)
	} else {
		if err := order.next(tgt, nil); err != nil {
			return 0, 0, err
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
		correct = countCorrect(net.Output(), labels, t.classes)
	}
	grads, err := net.Grads()
	if err != nil {
		return 0, 0, err
	}
	return loss, correct, t.optimizer.Step(t.params, grads)
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
		if err := t.val.rows(net.Input(), lo); err != nil {
			return 0, 0, err
		}
		if t.classes > 0 {
			oneHot(net.Target(), t.val.Labels[lo:hi], t.classes)
		} else {
			copy(net.Target(), net.Input()[:(hi-lo)*L])
		}
		loss, _, err := net.Run()
		if err != nil {
			return 0, 0, err
		}
		if t.classes > 0 {
			correct += countCorrect(net.Output(), t.val.Labels[lo:hi], t.classes)
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
func (t *trainer) earlyStop(ep rundir.Epoch) bool {
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
