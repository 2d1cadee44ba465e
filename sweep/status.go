package sweep

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/zoo-ml/zoo/rundir"
)

// A BusyError says that another process holds the lock of a run: it is
// training it now.
type BusyError struct {
	Dir string // the run folder
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("run %s is being trained by another process", e.Dir)
}

// lockPath returns the lock file of the run folder dir: in the .locks
// folder beside it, so that it can be taken before the run folder exists.
func lockPath(dir string) string {
	return filepath.Join(filepath.Dir(dir), lockDir, filepath.Base(dir)+".lock")
}

// Lock takes the lock of the run folder dir of a sweep until unlock is
// called or the process ends, however it ends: a kill releases it, which
// is how StatusOf tells a run whose process died from one being trained.
// A lock held by another process is a *BusyError.
func Lock(dir string) (unlock func(), err error) {
	path := lockPath(dir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	ok, err := flock(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return nil, &BusyError{Dir: dir}
	}
	return func() { f.Close() }, nil
}

// held says whether a process holds the lock of the run folder dir; known
// is false when the run was never trained under a lock (by zoo train, say),
// or where the system has no locks.
func held(dir string) (known, busy bool) {
	f, err := os.Open(lockPath(dir))
	if err != nil || !locksWork {
		return false, false
	}
	defer f.Close()
	ok, err := flock(f)
	return err == nil, !ok
}

// A State says where a run of a sweep stands.
type State string

// States of a run.
const (
	// Missing: no run folder yet.
	Missing State = "missing"
	// Running: a process trains it now.
	Running State = "running"
	// Finished: it ended for good (finished, or stopped early).
	Finished State = "finished"
	// Interrupted: stopped by a signal with a checkpoint saved; running the
	// sweep again resumes it.
	Interrupted State = "interrupted"
	// Failed: stopped by an error, or its process died (Status.Killed);
	// running the sweep again resumes it from its last checkpoint.
	Failed State = "failed"
)

// Status is where a run stands, from its run.json and its lock.
type Status struct {
	State State `json:"state"`
	// Reason says why a failed run failed.
	Reason string `json:"reason,omitempty"`
	// Killed says that the run's process died without recording why (a
	// kill, a crash, a node lost): run.json says it runs, but no process
	// holds its lock.
	Killed bool `json:"killed,omitempty"`
	// Info is the run's run.json; nil when it has none.
	Info *rundir.Info `json:"-"`
}

// StatusOf returns the status of the run folder dir. A run that run.json
// says is running is Failed and Killed when its lock is known and no
// process holds it; a run trained without a lock reads as run.json says.
func StatusOf(dir string) Status {
	known, busy := held(dir)
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
			if busy {
				return Status{State: Running}
			}
			return Status{State: Missing}
		}
		if busy {
			return Status{State: Running}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return Status{State: Failed, Killed: known, Reason: "its process died before it wrote " + rundir.RunFile}
		}
		return Status{State: Failed, Reason: err.Error()}
	}
	st := Status{Info: info}
	switch {
	case info.Status.Done():
		st.State = Finished
	case busy:
		st.State = Running
	case info.Status == rundir.StatusRunning && known:
		st.State, st.Killed = Failed, true
		st.Reason = fmt.Sprintf("its process died at epoch %d, batch %d", info.Epoch+1, info.Batch)
		if info.Step == 0 {
			st.Reason += ", before its first checkpoint"
		}
	case info.Status == rundir.StatusRunning:
		st.State = Running
	case info.Status == rundir.StatusInterrupted:
		st.State = Interrupted
	default:
		st.State, st.Reason = Failed, info.Error
	}
	return st
}

// String says the status in words, such as "finished after 2 epochs",
// "interrupted, 1 of 2 epochs done" or
// "failed: its process died at epoch 2, batch 17".
func (s Status) String() string {
	switch {
	case s.State == Finished && s.Info != nil:
		return fmt.Sprintf("%s after %d epochs", s.Info.Status, s.Info.Epoch)
	case s.Reason != "":
		return string(s.State) + ": " + s.Reason
	case s.Info != nil && s.State != Missing:
		return fmt.Sprintf("%s, %d of %d epochs done", s.State, s.Info.Epoch, s.Info.Recipe.Epochs)
	}
	return string(s.State)
}

// An UnfinishedError says which runs of a sweep did not finish.
type UnfinishedError struct {
	// Dir is the sweep folder; Runs the runs that did not finish, with
	// their statuses, of Total.
	Dir    string
	Runs   []Variant
	Status []Status
	Total  int
}

func (e *UnfinishedError) Error() string {
	var runs []string
	for i, v := range e.Runs {
		runs = append(runs, fmt.Sprintf("%s (%s)", v.Name, e.Status[i]))
	}
	return fmt.Sprintf("%d of %d runs did not finish: %s; their output is in %s",
		len(e.Runs), e.Total, strings.Join(runs, ", "), filepath.Join(e.Dir, LogDir))
}

// Unfinished returns an *UnfinishedError naming the runs of p whose status
// (statuses, in the order of p.Runs) is not Finished, or nil.
func (p *Plan) Unfinished(statuses []Status) error {
	e := &UnfinishedError{Dir: p.dir, Total: len(p.Runs)}
	for i, st := range statuses {
		if st.State != Finished {
			e.Runs, e.Status = append(e.Runs, p.Runs[i]), append(e.Status, st)
		}
	}
	if len(e.Runs) == 0 {
		return nil
	}
	return e
}
