package present

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// Closers are the sessions a caller must close once its figures are drawn.
type Closers []io.Closer

// Close closes every session.
func (cs Closers) Close() {
	for _, c := range cs {
		c.Close()
	}
}

// Model opens path, an export folder or one .onnx file (see
// infer.OpenFolder), as a model of the figures, adding its sessions to cs.
// With firstLayer it also reads the first layer's weights (the filters
// figure).
func Model(path string, opt infer.Options, firstLayer bool, cs *Closers) (*figure.Model, error) {
	f, err := infer.OpenFolder(path, opt)
	if err != nil {
		return nil, err
	}
	*cs = append(*cs, f)
	m := &figure.Model{Name: f.Name, Task: f.Task, Input: f.InputShape(), Code: f.CodeLen(),
		Whole: runner(f.Whole), Encoder: runner(f.Encoder), Decoder: runner(f.Decoder)}
	if f.Task == zoo.Classify {
		m.Classes, m.ClassNames = f.Whole.Classes(), f.Whole.ClassNames()
	}
	if f.Encoder != nil {
		m.CodeShape = f.Encoder.OutputShape()
	}
	if p := f.WeightsFile(); firstLayer && p != "" {
		m.First, err = figure.ReadFirstLayer(p)
	}
	return m, err
}

// runner returns s as a figure.Runner: nil for nil.
func runner(s *infer.Session) figure.Runner {
	if s == nil {
		return nil
	}
	return s
}

// A LabelsError says that a figure needs labels and none were found for
// its data.
type LabelsError struct{ Data string }

func (e *LabelsError) Error() string {
	return fmt.Sprintf("%s: this figure needs labels; give --labels FILE", e.Data)
}

// Data reads up to limit images (0: all) of arg, a file or a data set
// name (its test split unless it says :train), with their labels (from
// labels, the data set or the CIFAR-10 file) when found; needLabels makes
// missing labels a *LabelsError. notice, when not nil, is told when a data
// set is not found and mnist-mini stands in. A bad split is the
// *dataset.SplitError of dataset.Resolve.
func Data(arg, labels string, limit int, needLabels bool, notice func(dataset.Notice)) (*figure.Data, error) {
	ref, err := dataset.Resolve(arg, dataset.TestImages)
	if err != nil {
		return nil, err
	}
	d, err := ref.ReadLabelled(labels, limit, notice)
	if err == nil && d.Labels == nil && needLabels {
		err = &LabelsError{Data: arg}
	}
	return (*figure.Data)(d), err
}

// ExportFolder returns the export folder of arg and the run folder it came
// from. A run folder is exported into a scratch folder in the system's
// temporary folder, which cleanup removes (scratch folders of processes
// killed before are removed first); an export folder comes with run, which
// names its run folder or is empty. cleanup is never nil.
func ExportFolder(arg, run string) (modelDir, runDir string, cleanup func(), err error) {
	cleanup = func() {}
	if !rundir.IsFolder(arg) {
		if fi, err := os.Stat(filepath.Join(arg, zoo.ModelFile)); err != nil || fi.IsDir() {
			return "", "", cleanup, fmt.Errorf("%s is neither a run folder (no %s) nor an export folder (no %s)", arg, rundir.RunFile, zoo.ModelFile)
		}
		return arg, run, cleanup, nil
	}
	if run != "" {
		return "", "", cleanup, &RunError{Dir: arg}
	}
	atomicfile.RemoveOrphans(os.TempDir())
	tmp, err := os.MkdirTemp("", atomicfile.ScratchPattern("report"))
	if err != nil {
		return "", "", cleanup, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	modelDir, err = export.WriteRun(arg, tmp)
	return modelDir, arg, cleanup, err
}

// A RunError says that a run was named for a run folder, which is its own.
type RunError struct{ Dir string }

func (e *RunError) Error() string {
	return fmt.Sprintf("%s is a run folder; --run applies to export folders", e.Dir)
}
