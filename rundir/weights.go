package rundir

import (
	"fmt"
	"path/filepath"

	"github.com/zoo-ml/zoo/zoo"
)

// Weights returns what the run folder dir trained, for export: the model
// spec (from the registry) with the run's recipe, the weights of
// model.safetensors, checked against it, and a one-line provenance that
// names the run, its status, the data and the validation loss (and
// accuracy, for classifiers) of the epoch the weights are from: the best
// epoch after early stopping, the last otherwise. A run with no complete
// epoch is an error. The weights are checked as Load checks them (run.json's
// position, the file's step and SHA-256, a checkpoint cut short); a run
// that records no checksums (written before zoo recorded them) is checked
// only for the steps its files record, and says in the provenance that it
// is unchecked.
func Weights(dir string) (*zoo.Model, zoo.Weights, string, error) {
	info, err := ReadInfo(dir)
	if err != nil {
		return nil, nil, "", err
	}
	m, err := zoo.Lookup(info.Model)
	if err != nil {
		return nil, nil, "", fmt.Errorf("run folder %s: %s: %w", dir, RunFile, err)
	}
	m.Recipe = info.Recipe
	if err := zoo.CheckFormer(m.Name, info.Versions["zoo"]); err != nil {
		return nil, nil, "", fmt.Errorf("run folder %s: %w", dir, err)
	}
	ep, ok := info.weightsEpoch()
	if !ok {
		return nil, nil, "", fmt.Errorf("run folder %s has no finished epoch yet", dir)
	}
	// A run that records checksums was written by this zoo, whose run.json
	// holds together; older ones, or folders made by hand, export as before.
	if err := info.CheckPosition(); err != nil && info.Checked() {
		return nil, nil, "", fmt.Errorf("run folder %s: %w", dir, err)
	}
	f, _, err := readCheckpoint(dir, WeightsFile, info, true)
	if err != nil {
		return nil, nil, "", fmt.Errorf("export %s: %w", dir, err)
	}
	w, note, err := m.AdoptWeights(f.w)
	if err != nil {
		return nil, nil, "", fmt.Errorf("weights %s: %w", f.path, err)
	}
	if err := f.check(WeightsFile, info); err != nil {
		return nil, nil, "", fmt.Errorf("export %s: %w", dir, err)
	}
	if note != "" {
		note = "; names: " + note
	}
	if !info.Checked() {
		note += "; unchecked: its " + RunFile + " records no checksums"
	}
	acc := ""
	if m.Task == zoo.Classify {
		acc = fmt.Sprintf(", validation accuracy %.2f%%", 100*ep.ValAccuracy)
	}
	src := fmt.Sprintf("trained by zoo (run %s, %s after %d epochs on %s, validation loss %.6g%s%s)",
		filepath.Base(dir), info.Status, info.Epoch, filepath.Base(info.Train.Name), ep.ValLoss, acc, note)
	return m, w, src, nil
}
