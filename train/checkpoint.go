package train

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/zoo-ml/zoo/internal/openblas"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// The persistence of a run: its folder is written and read through package
// rundir, which owns the files and the crash-recovery protocol.

// start creates the run folder (rundir.Create) and the initial weights.
func (t *trainer) start() error {
	lock, err := rundir.Create(t.opt.Dir, t.opt.Unique)
	if errors.Is(err, fs.ErrExist) {
		return &ExistsError{Dir: t.opt.Dir}
	}
	if err != nil {
		return err
	}
	t.lock = lock
	switch {
	case lock.Restarted:
		t.notice(fmt.Sprintf("run folder %s holds a run stopped before its first checkpoint: starting it over", lock.Dir))
	case lock.Dir != t.opt.Dir:
		t.notice(fmt.Sprintf("run folder %s exists: this run is %s", t.opt.Dir, lock.Dir))
	}
	t.opt.Dir = lock.Dir
	if t.opt.Init != nil {
		t.w = copyWeights(t.m.WithoutCounters(t.opt.Init))
	} else {
		t.w = t.m.InitWeights(uint64(t.r.Seed))
	}
	now := time.Now().UTC()
	t.info = &rundir.Info{
		Model: t.m.Name, Family: t.m.Family, Recipe: t.r, Train: record(t.train), Val: record(t.val),
		Status: rundir.StatusRunning, Started: now, Updated: now, Args: t.opt.Args, InitFrom: t.opt.InitFrom,
		Versions: map[string]string{"zoo": zoo.Version, "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH,
			"cpus": strconv.Itoa(runtime.NumCPU()), "gorgonia": gorgoniaVersion(), "blas": BLAS(),
			blasThreadsKey: strconv.Itoa(openblas.Threads())},
	}
	return rundir.WriteInfo(t.opt.Dir, t.info)
}

// notice tells the caller, through Options.OnNotice, what Run does that it
// was not asked to.
func (t *trainer) notice(msg string) {
	if t.opt.OnNotice != nil {
		t.opt.OnNotice(msg)
	}
}

// record describes d in run.json.
func record(d *Data) rundir.Data {
	return rundir.Data{Name: d.Name, SHA256: d.SHA256, N: d.N, LabelsName: d.LabelsName, LabelsSHA256: d.LabelsSHA256}
}

// gorgoniaPin is the version of gorgonia that go.mod requires
// (TestGorgoniaPin keeps the two equal).
const gorgoniaPin = "v0.9.18"

// gorgoniaVersion returns the version of gorgonia linked in, as the build
// information records it, or go.mod's where the binary records no
// dependencies (as in tests).
func gorgoniaVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "gorgonia.org/gorgonia" {
				if d.Replace != nil {
					d = d.Replace
				}
				return d.Version
			}
		}
	}
	return gorgoniaPin
}

// load reads a run folder to resume it. A run stopped before its first
// checkpoint starts over.
func (t *trainer) load() error {
	dir := t.opt.Dir
	lock, err := rundir.Hold(dir)
	if err != nil {
		return err
	}
	t.lock = lock
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		return err
	}
	switch {
	case info.Model != t.m.Name:
		return fmt.Errorf("resume %s: the run trains %s, not %s", dir, info.Model, t.m.Name)
	case info.Status.Done():
		return fmt.Errorf("resume %s: the run is %s after %d epochs; nothing to resume", dir, info.Status, info.Epoch)
	case info.Recipe != t.r:
		return fmt.Errorf("resume %s: the recipe differs from the run's (resume takes the run's recipe)", dir)
	}
	for _, c := range []struct {
		run *rundir.Data
		now *Data
	}{{&info.Train, t.train}, {&info.Val, t.val}} {
		if c.run.N != c.now.N || c.run.SHA256 != c.now.SHA256 || c.run.LabelsSHA256 != c.now.LabelsSHA256 {
			return fmt.Errorf("resume %s: data %s (%d examples) is not the run's %s (%d examples)", dir, c.now.Name, c.now.N, c.run.Name, c.run.N)
		}
	}
	info.Status, info.Error = rundir.StatusRunning, ""
	t.info = info
	t.keepBLASThreads(info)
	if !info.HasCheckpoint() {
		t.notice(fmt.Sprintf("run folder %s holds no checkpoint (the run was stopped before its first): starting it over", dir))
		t.w = t.m.InitWeights(uint64(t.r.Seed))
		return rundir.Clear(dir)
	}
	ck, err := rundir.Load(dir, info, t.m)
	if err != nil {
		return err
	}
	if ck.Unchecked {
		t.notice(fmt.Sprintf("run folder %s records no checksums (written before zoo recorded them): its checkpoint is unchecked", dir))
	}
	if err := t.optimizer.LoadState(ck.Optimizer); err != nil {
		return fmt.Errorf("resume %s: %s: %w", dir, rundir.OptimizerFile, err)
	}
	// A checkpoint cut short by a kill left some files a step ahead of
	// run.json: put the previous ones back.
	if err := ck.Repair(); err != nil {
		return err
	}
	t.w = t.m.WithoutCounters(ck.Weights)
	if ck.Best != nil {
		t.best = t.m.WithoutCounters(ck.Best)
	}
	return nil
}

// blasThreadsKey names, in run.json's versions, the number of threads
// OpenBLAS's products ran with: OpenBLAS splits some products differently
// for another count, and the weights differ in their last bits.
const blasThreadsKey = "blas_threads"

// keepBLASThreads makes a resumed run use the OpenBLAS threads the run
// began with (run.json's blas_threads), whatever the environment says now,
// so that its weights are those of a run never stopped; close restores the
// count. Runs that record no count keep the present one.
func (t *trainer) keepBLASThreads(info *rundir.Info) {
	n, err := strconv.Atoi(info.Versions[blasThreadsKey])
	if err != nil || n < 1 || n == openblas.Threads() {
		return
	}
	t.restoreThreads = openblas.Threads()
	openblas.SetThreads(n)
	t.notice(fmt.Sprintf("run folder %s was trained with %d OpenBLAS threads: resuming with %d (not %d), so that its weights are those of a run never stopped", t.opt.Dir, n, n, t.restoreThreads))
}

// checkpoint writes the run folder: weights, optimizer state, best weights,
// metrics, plot, and run.json last, each file atomically (rundir.Save).
//
// The weight files carry BatchNorm's num_batches_tracked, as PyTorch's
// state_dict does: the training steps done (for the best weights, the steps
// at the end of the best epoch), so that they load into the notebook's class
// with strict=True.
func (t *trainer) checkpoint() error {
	st := rundir.State{Weights: t.m.WithCounters(t.w, int64(t.info.Step)), Optimizer: t.optimizer.State()}
	if t.best != nil {
		batches := (t.train.N + t.r.BatchSize - 1) / t.r.BatchSize
		st.Best = t.m.WithCounters(t.best, int64(t.info.BestEpoch*batches))
	}
	return rundir.Save(t.opt.Dir, t.info, st, t.plot)
}

// interrupt saves a checkpoint in the middle of epoch e and returns the
// error that says where the run stopped.
func (t *trainer) interrupt(e int) (*rundir.Info, error) {
	t.info.Status = rundir.StatusInterrupted
	if err := t.checkpoint(); err != nil {
		return nil, err
	}
	return t.info, &InterruptedError{Model: t.m.Name, Dir: t.opt.Dir, Epoch: e, Batch: t.info.Batch}
}

// fail records the error in run.json, leaving the last checkpoint's
// weights in place.
func (t *trainer) fail(err error) (*rundir.Info, error) {
	t.info.Status, t.info.Error = rundir.StatusFailed, err.Error()
	// Keep the last good checkpoint: only run.json changes, and only its
	// status, so the progress fields still describe the files beside it.
	last, rerr := rundir.ReadInfo(t.opt.Dir)
	if rerr == nil {
		last.Status, last.Error = rundir.StatusFailed, err.Error()
		t.info = last
	}
	if werr := rundir.WriteInfo(t.opt.Dir, t.info); werr != nil {
		return nil, fmt.Errorf("train %s: %w (and recording it failed: %w)", t.m.Name, err, werr)
	}
	if !t.info.HasCheckpoint() {
		return t.info, fmt.Errorf("train %s: %w; it came before the first checkpoint, so %s holds none", t.m.Name, err, t.opt.Dir)
	}
	return t.info, fmt.Errorf("train %s: %w; the last checkpoint (epoch %d) is kept in %s", t.m.Name, err, t.info.Epoch, t.opt.Dir)
}
