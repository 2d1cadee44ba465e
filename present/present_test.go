package present

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/analysis/report"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// TestData reads a data set with its labels, and says what is missing.
func TestData(t *testing.T) {
	d, err := Data(dataset.MiniName, "", 100, true, nil)
	if err != nil || d.N != 100 || len(d.X) != 100*784 || len(d.Labels) != 100 || len(d.ClassNames) != 10 {
		t.Fatalf("mnist-mini: %v, %+v", err, d)
	}
	// An IDX file without labels beside it.
	path := filepath.Join(t.TempDir(), "images.idx")
	b := binary.BigEndian.AppendUint32(nil, 0x0803)
	for _, v := range []uint32{3, 28, 28} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	if err := os.WriteFile(path, append(b, make([]byte, 3*784)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := Data(path, "", 0, false, nil); err != nil || d.N != 3 || d.Labels != nil {
		t.Errorf("no labels, not needed: %v, %+v", err, d)
	}
	var le *LabelsError
	if _, err := Data(path, "", 0, true, nil); !errors.As(err, &le) || le.Data != path || !strings.Contains(err.Error(), "give --labels FILE") {
		t.Errorf("no labels, needed: %v", err)
	}
	var se *dataset.SplitError
	if _, err := Data(dataset.MiniName+":validation", "", 0, false, nil); !errors.As(err, &se) {
		t.Errorf("a split that does not exist: %v", err)
	}
}

// TestExportFolder: an export folder is itself, a run folder refuses
// --run, anything else is neither.
func TestExportFolder(t *testing.T) {
	dir := t.TempDir()
	if _, _, cleanup, err := ExportFolder(dir, ""); err == nil || !strings.Contains(err.Error(), "neither a run folder (no run.json) nor an export folder (no model.onnx)") {
		t.Errorf("empty folder: %v", err)
	} else {
		cleanup()
	}
	if err := os.WriteFile(filepath.Join(dir, zoo.ModelFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m, run, cleanup, err := ExportFolder(dir, "runs/x")
	cleanup()
	if err != nil || m != dir || run != "runs/x" {
		t.Errorf("export folder: %q, %q, %v", m, run, err)
	}
	runDir := t.TempDir()
	if err := rundir.WriteInfo(runDir, &rundir.Info{Model: "tiny-ae-2"}); err != nil {
		t.Fatal(err)
	}
	var re *RunError
	if _, _, cleanup, err := ExportFolder(runDir, "other"); !errors.As(err, &re) || re.Dir != runDir {
		t.Errorf("run folder with --run: %v", err)
	} else {
		cleanup()
	}
}

// TestModelAndFigures opens an export folder as the figures' model, with
// its first layer, and as the report's figures.
func TestModelAndFigures(t *testing.T) {
	testenv.NeedORT(t)
	m, err := zoo.Lookup("tiny-ae-2")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), m.Name)
	if _, err := export.WriteDir(dir, m, m.InitWeights(1), export.DirOptions{Weights: "seed 1"}); err != nil {
		t.Fatal(err)
	}
	var cs Closers
	defer cs.Close()
	fm, err := Model(dir, infer.Options{Warn: io.Discard}, true, &cs)
	if err != nil {
		t.Fatal(err)
	}
	if fm.Name != m.Name || fm.Task != zoo.Reconstruct || fm.Code != 2 || fm.Encoder == nil || fm.Decoder == nil || fm.First == nil || len(cs) != 1 {
		t.Errorf("model %+v, %d closers", fm, len(cs))
	}
	x := make([]float32, 784)
	if y, err := fm.Whole.Run(x, 1); err != nil || len(y) != 784 {
		t.Errorf("run: %d values, %v", len(y), err)
	}
	fs, err := Figures(dir, "", dataset.MiniName, "", &report.Evaluation{}, infer.Options{Warn: io.Discard}, nil)
	if fs != nil && fs.Close != nil {
		defer fs.Close()
	}
	if err != nil || fs.Model == nil || fs.Data == nil || fs.Data.N != 2000 || fs.Options.Classifier != nil {
		t.Errorf("figures: %v, %+v", err, fs)
	}
	if _, err := Model(filepath.Join(dir, "missing"), infer.Options{}, false, &cs); err == nil {
		t.Error("a folder that does not exist opened")
	}
}
