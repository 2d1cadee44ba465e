package sweep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// A Job is one run of a sweep, as a TrainFunc trains it.
type Job struct {
	// Variant is the run, Model its model with the run's recipe.
	Variant Variant
	Model   *zoo.Model
	// Dir is the run folder; Data the data arguments (Plan.Data).
	Dir  string
	Data map[string]string
	// Resume says that Dir holds a checkpoint to continue from; otherwise
	// Dir does not exist and the run starts there.
	Resume bool
}

// A TrainFunc trains the run of a job, or resumes it, and returns when
// the run ends: finished, interrupted (ctx) or failed. Package train does
// the work; the caller passes it in, so that this package links no
// engine.
type TrainFunc func(ctx context.Context, j Job) error

// An Action says what Run did with a run.
type Action string

// Actions of Run.
const (
	// Started: the run was trained from its first step.
	Started Action = "started"
	// Resumed: the run continued from its last checkpoint.
	Resumed Action = "resumed"
	// Skipped: the run had finished already.
	Skipped Action = "skipped"
)

// An IndexError says that a run index is not one of the sweep's.
type IndexError struct {
	Index, Runs int
}

func (e *IndexError) Error() string {
	return fmt.Sprintf("run index %d: the sweep has runs 0 to %d", e.Index, e.Runs-1)
}

// Run trains run i of the sweep with train, under the run's lock (another
// process training it is a *BusyError): a finished run is skipped, one
// with a checkpoint (interrupted, failed, or whose process died) is
// resumed, and any other (none yet, or one that died before its first
// checkpoint, which holds nothing to resume) is started afresh.
func (p *Plan) Run(ctx context.Context, i int, train TrainFunc) (Action, error) {
	if i < 0 || i >= len(p.Runs) {
		return "", &IndexError{Index: i, Runs: len(p.Runs)}
	}
	v := p.Runs[i]
	m, err := v.Recipe()
	if err != nil {
		return "", err
	}
	dir := p.RunDir(i)
	unlock, err := Lock(dir)
	if err != nil {
		return "", err
	}
	defer unlock()
	j := Job{Variant: v, Model: m, Dir: dir, Data: p.Data}
	act := Started
	info, err := rundir.ReadInfo(dir)
	switch {
	case err == nil && info.Status.Done():
		return Skipped, nil
	case err == nil && info.Step > 0:
		j.Resume, act = true, Resumed
	case err == nil || errors.Is(err, fs.ErrNotExist):
		// Nothing to resume: start afresh (the same seed gives the same run).
		if err := os.RemoveAll(dir); err != nil {
			return "", fmt.Errorf("restart %s: %w", dir, err)
		}
	default:
		return "", err
	}
	return act, train(ctx, j)
}

// Args returns the arguments of zoo that train run index of the sweep in
// a process of its own ("sweep DIR --index INDEX"); index is a number or a
// shell word such as "$SLURM_ARRAY_TASK_ID".
func (p *Plan) Args(index string) []string {
	return []string{"sweep", p.dir, "--index", index}
}

// Pending returns the indices of the runs not finished yet.
func (p *Plan) Pending() []int {
	var out []int
	for i := range p.Runs {
		if StatusOf(p.RunDir(i)).State != Finished {
			out = append(out, i)
		}
	}
	return out
}

// Local are the settings of RunLocal.
type Local struct {
	// Exe is the zoo binary that trains each run, in a process of its own
	// (zoo sweep DIR --index I), whose output goes to logs/NAME.log.
	Exe string
	// Jobs is the number of runs trained at once (at least 1).
	Jobs int
	// OnStart and OnEnd, when not nil, are told when a run starts and
	// ends, with its status then; they are called one at a time.
	OnStart func(v Variant)
	OnEnd   func(v Variant, st Status, took time.Duration)
}

// RunLocal trains every run of the sweep not finished yet, Jobs at a time,
// each in a process of its own, and returns the status of every run once
// all have ended. Runs that another process trains are left to it. When
// ctx is cancelled, the processes get SIGTERM: they save a checkpoint and
// stop, and their runs read as interrupted.
func (p *Plan) RunLocal(ctx context.Context, o Local) ([]Status, error) {
	if err := os.MkdirAll(filepath.Join(p.dir, LogDir), 0o755); err != nil {
		return nil, fmt.Errorf("sweep %s: %w", p.dir, err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, o.Jobs))
	var firstErr error
	for _, i := range p.Pending() {
		if StatusOf(p.RunDir(i)).State == Running || ctx.Err() != nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			v := p.Runs[i]
			mu.Lock()
			if o.OnStart != nil {
				o.OnStart(v)
			}
			mu.Unlock()
			t0 := time.Now()
			err := p.runChild(ctx, o.Exe, i, o.Jobs)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if o.OnEnd != nil {
				o.OnEnd(v, StatusOf(p.RunDir(i)), time.Since(t0))
			}
		}()
	}
	wg.Wait()
	out := make([]Status, len(p.Runs))
	for i := range p.Runs {
		out[i] = StatusOf(p.RunDir(i))
	}
	return out, firstErr
}

// runChild trains run i in a process of exe, one of jobs at once. A process that ran and
// failed is not an error here: its run's status says what happened.
func (p *Plan) runChild(ctx context.Context, exe string, i, jobs int) error {
	log, err := os.OpenFile(filepath.Join(p.dir, LogDir, p.Runs[i].Name+".log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("sweep %s: %w", p.dir, err)
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, exe, p.Args(strconv.Itoa(i))...)
	cmd.Stdout, cmd.Stderr = log, log
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" {
		// OpenBLAS threads of processes that share the cores spin against
		// each other: give each its share.
		cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+strconv.Itoa(max(1, runtime.NumCPU()/max(1, jobs))))
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	err = cmd.Run()
	var exited *exec.ExitError
	if err != nil && !errors.As(err, &exited) {
		return fmt.Errorf("sweep %s: run %s: %w", p.dir, p.Runs[i].Name, err)
	}
	return nil
}
