package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// Files and folders of a sweep folder.
const (
	// PlanFile holds the Plan.
	PlanFile = "sweep.json"
	// ScriptFile is the Slurm array job script of Script.
	ScriptFile = "sweep.sbatch"
	// LogDir holds the output of each run trained by RunLocal
	// (NAME.log) and of the tasks of the Slurm script.
	LogDir = "logs"
	// lockDir holds the lock files of the runs (see Lock).
	lockDir = ".locks"
	// folderPrefix starts the name of every sweep folder.
	folderPrefix = "sweep-"
)

// A Plan is a sweep as its folder records it (sweep.json): the grid, the
// data every run trains on, and the runs it expands into. Every process
// that runs part of the sweep reads the same plan, so that index i names
// the same run in each.
type Plan struct {
	// Name is the sweep's name; its folder is GROUP/sweep-NAME under the
	// runs folder (see Folder).
	Name string `json:"name"`
	// Grid is what was swept.
	Grid Grid `json:"grid"`
	// Data are the data arguments of every run, as train.DataSpec.Args
	// records them in run.json.
	Data map[string]string `json:"data"`
	// Version is the zoo version that wrote the plan.
	Version string `json:"zoo_version"`
	// Runs are the grid's variants.
	Runs []Variant `json:"runs"`

	dir string
}

// NewPlan expands the grid g into the plan of a sweep called name (the
// grid's DefaultName when empty) in the runs folder out, training on the
// data arguments data. Nothing is written (see Save).
func NewPlan(out, name string, g Grid, data map[string]string) (*Plan, error) {
	if name == "" {
		name = g.DefaultName()
	}
	if SafeName(name) != name {
		return nil, fmt.Errorf("sweep name %q: use letters, digits and .+-_ only", name)
	}
	runs, err := g.Expand()
	if err != nil {
		return nil, err
	}
	p := &Plan{Name: name, Grid: g, Data: data, Version: zoo.Version, Runs: runs}
	p.dir = filepath.Join(out, Folder(g.Models), folderPrefix+name)
	return p, nil
}

// Dir returns the sweep's folder.
func (p *Plan) Dir() string { return p.dir }

// RunDir returns the run folder of variant i.
func (p *Plan) RunDir(i int) string { return filepath.Join(p.dir, p.Runs[i].Name) }

// IsFolder reports whether dir is a sweep folder: whether it holds a
// sweep.json.
func IsFolder(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, PlanFile))
	return err == nil
}

// Open reads the plan of the sweep folder dir.
func Open(dir string) (*Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return nil, fmt.Errorf("sweep folder %s: %w", dir, err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("sweep folder %s: %s: %w", dir, PlanFile, err)
	}
	p.dir = dir
	for i, v := range p.Runs {
		if v.Index != i || v.Name == "" || SafeName(v.Name) != strings.ReplaceAll(v.Name, "=", "_") {
			return nil, fmt.Errorf("sweep folder %s: %s: run %d is not a run of this plan (index %d, name %q)", dir, PlanFile, i, v.Index, v.Name)
		}
	}
	return &p, nil
}

// A MismatchError says that a sweep folder holds another sweep than the
// one asked for: another grid or other data.
type MismatchError struct {
	// Dir is the sweep folder; What says what differs.
	Dir, What string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("sweep folder %s holds another sweep (%s differ)", e.Dir, e.What)
}

// Save creates the sweep folder and writes the plan into it, or, when the
// folder holds a plan already, checks that it is this one (the same runs
// and data), so that running a sweep's command again continues it. A
// folder with another plan is a *MismatchError.
func (p *Plan) Save() error {
	old, err := Open(p.dir)
	switch {
	case err == nil:
		return p.same(old)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("create sweep folder: %w", err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	// Several array tasks may write the same plan at once: each write is
	// whole, and every one writes the same bytes.
	return atomicfile.WriteFile(filepath.Join(p.dir, PlanFile), append(b, '\n'), true)
}

// same returns a *MismatchError when old is not the plan p.
func (p *Plan) same(old *Plan) error {
	var what []string
	if len(old.Runs) != len(p.Runs) || !slices.EqualFunc(old.Runs, p.Runs, func(a, b Variant) bool {
		return a.Name == b.Name && a.Model == b.Model && slices.Equal(a.Set, b.Set)
	}) {
		what = append(what, "runs")
	}
	if !mapsEqual(old.Data, p.Data) {
		what = append(what, "data")
	}
	if len(what) > 0 {
		return &MismatchError{Dir: p.dir, What: strings.Join(what, " and ")}
	}
	return nil
}

// mapsEqual reports whether a and b hold the same keys and values.
func mapsEqual(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
