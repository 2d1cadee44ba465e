package export

import (
	"fmt"
	"path/filepath"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// InitWeights returns the weights of m initialised as PyTorch does (see
// zoo.Model.InitWeights), seeded, with their provenance for
// DirOptions.Weights: the initialiser and the seed.
func InitWeights(m *zoo.Model, seed uint64) (zoo.Weights, string) {
	init := string(zoo.InitTorch)
	if ps := m.Params(); len(ps) > 0 {
		init = string(ps[0].Init)
	}
	return m.InitWeights(seed), fmt.Sprintf("initialised (%s, seed %d)", init, seed)
}

// ReadWeights reads the weights of m from the safetensors file path
// (PyTorch state_dict names), checks them against m, and returns them with
// their provenance for DirOptions.Weights (the file's name and SHA-256) and,
// when the file holds another layout that zoo reads (see
// zoo.Model.AdoptWeights), a note naming it; "" for m's own names. Weights
// that zoo 0.1.0 wrote for a network it built differently are refused
// (zoo.CheckFormer).
func ReadWeights(m *zoo.Model, path string) (w zoo.Weights, source, layout string, err error) {
	w, meta, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, "", "", err
	}
	if meta[zoo.MetaModel] == m.Name {
		// Written by zoo: by 0.1.0 when it records no version.
		if err := zoo.CheckFormer(m.Name, meta[zoo.MetaVersion]); err != nil {
			return nil, "", "", fmt.Errorf("weights %s: %w", path, err)
		}
	}
	if w, layout, err = m.AdoptWeights(w); err != nil {
		return nil, "", "", fmt.Errorf("weights %s: %w", path, err)
	}
	sum, err := dataset.FileSHA256(path)
	if err != nil {
		return nil, "", "", err
	}
	return w, fmt.Sprintf("%s (sha256 %s)", filepath.Base(path), sum), layout, nil
}

// WriteRun exports the weights of the training run folder run (see
// rundir.Weights) into the folder parent/MODEL, with one sample input as
// test data, and returns that folder.
func WriteRun(run, parent string) (string, error) {
	m, w, source, err := rundir.Weights(run)
	if err != nil {
		return "", err
	}
	sample, err := SampleInputs(m, 1)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(parent, m.Name)
	if _, err := WriteDir(dir, m, w, DirOptions{Weights: source, Sample: sample, SampleN: 1}); err != nil {
		return "", fmt.Errorf("export %s: %w", run, err)
	}
	return dir, nil
}
