package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// Files of a run folder.
const (
	WeightsFile   = "model.safetensors"     // the model's weights, PyTorch state_dict names
	OptimizerFile = "optimizer.safetensors" // optimizer state, for resume
	BestFile      = "best.safetensors"      // best weights so far, with early stopping
	RunFile       = "run.json"              // recipe, data, progress and metrics
	MetricsFile   = "metrics.csv"           // one row per epoch
	PlotFile      = "loss.png"              // train and validation loss per epoch
)

// Status says how far a run got.
type Status string

// Run statuses.
const (
	StatusRunning      Status = "running"
	StatusInterrupted  Status = "interrupted"
	StatusFinished     Status = "finished"
	StatusEarlyStopped Status = "early-stopped"
	StatusFailed       Status = "failed"
)

// Done reports whether the run ended for good (finished or early-stopped):
// there is nothing left to resume.
func (s Status) Done() bool { return s == StatusFinished || s == StatusEarlyStopped }

// Epoch holds the metrics of one epoch.
type Epoch struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	ValLoss   float64 `json:"val_loss"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"images_per_second"`
	// TrainAccuracy and ValAccuracy are the fractions of examples
	// classified correctly, for classifiers: over the epoch's training
	// batches as they were trained (training mode), and over the
	// validation set in evaluation mode.
	TrainAccuracy float64 `json:"train_accuracy,omitempty"`
	ValAccuracy   float64 `json:"val_accuracy,omitempty"`
}

// Data describes the examples a run trains or validates on: where they
// came from and how many there are, so that a resume can check it has the
// same.
type Data struct {
	// Name says where the data came from: a path, or "embedded:...".
	Name string `json:"name"`
	// SHA256 is the digest of the file the data was read from, if known.
	SHA256 string `json:"sha256,omitempty"`
	// N is the number of examples.
	N int `json:"n"`
	// LabelsName and LabelsSHA256 say where the class labels came from,
	// for classifiers.
	LabelsName   string `json:"labels,omitempty"`
	LabelsSHA256 string `json:"labels_sha256,omitempty"`
}

// Info is the content of run.json: everything needed to understand a run
// and to resume it.
type Info struct {
	Model   string     `json:"model"`
	Family  string     `json:"family"`
	Recipe  zoo.Recipe `json:"recipe"`
	Train   Data       `json:"train_data"`
	Val     Data       `json:"val_data"`
	Status  Status     `json:"status"`
	Error   string     `json:"error,omitempty"`
	Started time.Time  `json:"started"`
	Updated time.Time  `json:"updated"`
	// Versions of zoo, Go and the machine the run was made with.
	Versions map[string]string `json:"versions"`
	// Args are the caller's notes on how the data was chosen (command-line
	// flags), kept so that a resume can load the same data.
	Args map[string]string `json:"args,omitempty"`
	// InitFrom says where the starting weights came from when they are not
	// the recipe's seeded initialisation (zoo train --init-from): the
	// file's name and SHA-256.
	InitFrom string `json:"init_from,omitempty"`

	// Progress: Epoch epochs are complete, and Batch batches of the next;
	// Step counts the batches of the whole run. PartialLoss, PartialN and
	// PartialCorrect accumulate the train loss (and correct examples) of
	// the epoch under way.
	Epoch          int     `json:"epoch"`
	Batch          int     `json:"batch"`
	Step           int     `json:"step"`
	PartialLoss    float64 `json:"partial_loss,omitempty"`
	PartialN       int     `json:"partial_n,omitempty"`
	PartialCorrect int     `json:"partial_correct,omitempty"`

	// Early stopping: the epoch of the lowest validation loss so far, that
	// loss, and the epochs since.
	BestEpoch int     `json:"best_epoch,omitempty"`
	BestVal   float64 `json:"best_val_loss,omitempty"`
	Bad       int     `json:"epochs_without_improvement,omitempty"`

	Epochs []Epoch `json:"epochs"`
}

// Summary says how the run ended: the model, its status after its epochs,
// the last epoch's train and validation loss (and, for task zoo.Classify,
// validation accuracy), and the best epoch.
func (info *Info) Summary(task zoo.Task) string {
	var last Epoch
	if len(info.Epochs) > 0 {
		last = info.Epochs[len(info.Epochs)-1]
	}
	acc := ""
	if task == zoo.Classify {
		acc = fmt.Sprintf(", validation accuracy %.2f%%", 100*last.ValAccuracy)
	}
	return fmt.Sprintf("%s: %s after %d epochs, train loss %.6f, validation loss %.6f%s (best epoch %d)",
		info.Model, info.Status, info.Epoch, last.TrainLoss, last.ValLoss, acc, info.BestEpoch)
}

// ReadInfo reads the run.json of the run folder dir.
func ReadInfo(dir string) (*Info, error) {
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil {
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("run folder %s: %s: %w", dir, RunFile, err)
	}
	return &info, nil
}

// WriteInfo sets info.Updated to now and writes info as the run.json of
// the run folder dir, atomically, replacing any.
func WriteInfo(dir string, info *Info) error {
	info.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, RunFile), append(b, '\n'), true)
}

// IsFolder reports whether path is a run folder: whether it holds a
// run.json.
func IsFolder(path string) bool {
	_, err := os.Stat(filepath.Join(path, RunFile))
	return err == nil
}

// weightsEpoch returns the epoch whose weights model.safetensors holds once
// the run ended: the best epoch after early stopping, the last otherwise.
// It reports false when no epoch is complete.
func (info *Info) weightsEpoch() (Epoch, bool) {
	if len(info.Epochs) == 0 {
		return Epoch{}, false
	}
	ep := info.Epochs[len(info.Epochs)-1]
	if info.Status == StatusEarlyStopped {
		for _, e := range info.Epochs {
			if e.Epoch == info.BestEpoch {
				ep = e
			}
		}
	}
	return ep, true
}
