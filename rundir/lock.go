package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// BusyError is returned when a run folder is held by another process that
// trains it (see Hold).
type BusyError struct {
	Dir string // the run folder
}

// Error names the folder.
func (e *BusyError) Error() string {
	return "run folder " + e.Dir + " is being trained by another process"
}

// A Lock is a run folder held by the process that trains it, so that no
// other process trains it at the same time. The system releases it when
// the process ends, however it ends.
type Lock struct {
	// Dir is the run folder.
	Dir string
	// Restarted says that the folder held a run without a checkpoint (one
	// killed in its first epoch, or inside its first checkpoint), whose
	// files were cleared for the run to start over.
	Restarted bool
	f         *os.File
}

// Release lets another process hold the folder.
func (l *Lock) Release() {
	if l != nil && l.f != nil {
		l.f.Close() // closing the descriptor releases its lock
		l.f = nil
	}
}

// Hold locks the existing run folder dir for this process (a *BusyError
// when another one holds it) and removes the temporary files that dead
// processes left in it.
func Hold(dir string) (*Lock, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}
	if err := lock(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, &BusyError{Dir: dir}
		}
		return nil, fmt.Errorf("run folder %s: lock: %w", dir, err)
	}
	atomicfile.RemoveOrphans(dir)
	return &Lock{Dir: dir, f: f}, nil
}

// Create makes the run folder dir of a new run, with its parents, and holds
// it (see Hold). An existing dir is taken when it is empty, or when its
// run.json names no checkpoint (Info.HasCheckpoint): its checkpoint files
// are cleared for the run to start over, and Lock.Restarted says so.
// Otherwise it is an error that wraps fs.ErrExist. With unique, an existing
// dir is never taken: the first of dir-2, dir-3, ... that does not exist
// is made instead, so that runs named by their start time (DefaultName) do
// not collide.
func Create(dir string, unique bool) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create run folder %s: %w", dir, err)
	}
	path := dir
	for i := 2; ; i++ {
		err := os.Mkdir(path, 0o755)
		if err == nil {
			return Hold(path)
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create run folder %s: %w", path, err)
		}
		if !unique {
			return takeOver(path)
		}
		if i > 10000 {
			return nil, fmt.Errorf("create run folder %s: %d names taken", dir, i-1)
		}
		path = fmt.Sprintf("%s-%d", dir, i)
	}
}

// takeOver holds the existing folder dir for a new run, when it holds no
// run or a run without a checkpoint.
func takeOver(dir string) (*Lock, error) {
	l, err := Hold(dir)
	if err != nil {
		return nil, err
	}
	info, err := ReadInfo(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if es, rerr := os.ReadDir(dir); rerr == nil && len(es) == 0 {
			return l, nil
		}
	case err == nil && !info.HasCheckpoint():
		if err := Clear(dir); err != nil {
			l.Release()
			return nil, err
		}
		l.Restarted = true
		return l, nil
	}
	l.Release()
	return nil, fmt.Errorf("run folder %s: %w", dir, fs.ErrExist)
}

// Clear removes the checkpoint files, metrics.csv and loss.png of the run
// folder dir, which a run without a checkpoint (Info.HasCheckpoint) may
// have left there when it was killed inside its first checkpoint, so that
// the run starts over. run.json stays.
func Clear(dir string) error {
	names := []string{MetricsFile, PlotFile}
	for _, f := range checkpointFiles {
		names = append(names, f, PrevFile(f))
	}
	for _, name := range names {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("start %s over: %w", dir, err)
		}
	}
	return nil
}

// MaxNameLen is the longest run name, in bytes: the longest file name most
// file systems allow.
const MaxNameLen = 255

// CheckName checks that name can name a run: a single folder name inside
// the folder of the model's runs, so not empty, "." or "..", without "/"
// or NUL, and at most MaxNameLen bytes.
func CheckName(name string) error {
	const want = `a run name is one folder name: not "." or "..", without "/" or NUL, at most 255 bytes`
	switch {
	case len(name) > MaxNameLen:
		return fmt.Errorf("run name of %d bytes: %s", len(name), want)
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("run name %q: %s", name, want)
	}
	return nil
}

// DefaultName returns the name of a run started at t: the local time to the
// second, 20060102-150405. Create with unique makes it unique.
func DefaultName(t time.Time) string { return t.Format("20060102-150405") }
