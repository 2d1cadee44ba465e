package export

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// TestInitWeights checks the provenance of initialised weights: the
// initialiser of the model's parameters and the seed.
func TestInitWeights(t *testing.T) {
	for _, tc := range []struct {
		model string
		want  string
	}{
		{"tiny-ae-2", "initialised (glorot-uniform, seed 7)"},
		{"relu-ae-30", "initialised (torch-default, seed 7)"},
	} {
		m, _ := zoo.Lookup(tc.model)
		w, src := InitWeights(m, 7)
		if src != tc.want || m.CheckWeights(w) != nil {
			t.Errorf("%s: %q, %v; want %q", tc.model, src, m.CheckWeights(w), tc.want)
		}
	}
}

// TestReadWeights checks weights read from a safetensors file: their
// provenance names the file and its digest, and weights of another model
// are an error naming the file.
func TestReadWeights(t *testing.T) {
	m, _ := zoo.Lookup("tiny-ae-2")
	p := filepath.Join(t.TempDir(), "w.safetensors")
	if err := safetensors.WriteFile(p, m.InitWeights(3), nil); err != nil {
		t.Fatal(err)
	}
	sum, err := dataset.FileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	w, src, _, err := ReadWeights(m, p)
	if err != nil || src != "w.safetensors (sha256 "+sum+")" || m.CheckWeights(w) != nil {
		t.Errorf("ReadWeights = %q, %v", src, err)
	}
	other, _ := zoo.Lookup("relu-ae-30")
	if _, _, _, err := ReadWeights(other, p); err == nil || !strings.HasPrefix(err.Error(), "weights "+p+": ") {
		t.Errorf("weights of another model: %v", err)
	}
	if _, _, _, err := ReadWeights(m, filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file reads")
	}
}

// TestWriteRun exports a run folder and checks the export folder's files.
func TestWriteRun(t *testing.T) {
	m, _ := zoo.Lookup("tiny-ae-2")
	run := filepath.Join(t.TempDir(), "r")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	info := &rundir.Info{Model: m.Name, Recipe: m.Recipe, Status: rundir.StatusFinished, Epoch: 1,
		Train: rundir.Data{Name: "train.idx"}, Epochs: []rundir.Epoch{{Epoch: 1, ValLoss: 0.5}}}
	if err := rundir.WriteInfo(run, info); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(filepath.Join(run, rundir.WeightsFile), m.InitWeights(1), nil); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	dir, err := WriteRun(run, parent)
	if err != nil || dir != filepath.Join(parent, m.Name) {
		t.Fatalf("WriteRun = %q, %v", dir, err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"README.md", "decoder.onnx", "encoder.onnx", zoo.ModelFile, "test_data_set_0"}; !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	if _, err := WriteRun(run, parent); err == nil || !strings.HasPrefix(err.Error(), "export "+run+": ") {
		t.Errorf("again: %v", err)
	}
}
