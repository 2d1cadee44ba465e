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

	// Checksums records, by file name, the checkpoint files that the last
	// checkpoint left: model, optimizer and best .safetensors and their
	// *.prev copies, each with the step it was written at and the SHA-256
	// of its tensor data, which the file carries in its own metadata too.
	// Runs written before zoo recorded them have none; their files are
	// unchecked.
	Checksums map[string]Sum `json:"checksums,omitempty"`

	// Dir is the run folder that the Info was read from or last written
	// to; it is not part of run.json.
	Dir string `json:"-"`
}

// A Sum is what run.json records of a checkpoint file: the step of the run
// the file belongs to (for best.safetensors, the step at the end of its
// epoch) and the SHA-256, in hex, of its tensor data
// (safetensors.DataSHA256).
type Sum struct {
	Step   int    `json:"step"`
	SHA256 string `json:"sha256"`
}

// Checked reports whether run.json records the checksums of its
// checkpoint files; runs written before zoo recorded them are unchecked.
func (info *Info) Checked() bool { return len(info.Checksums) > 0 }

// HasCheckpoint reports whether run.json names a checkpoint: whether the
// run trained a step and saved it. A run killed in its first epoch, or
// inside its first checkpoint, has none and starts over.
func (info *Info) HasCheckpoint() bool {
	return info.Step != 0 || info.Epoch != 0 || info.Batch != 0 || len(info.Epochs) > 0 || info.Checked()
}

// Batches returns the number of batches of an epoch: the training examples
// over the batch size, rounded up (0 when either is not positive).
func (info *Info) Batches() int {
	if info.Train.N <= 0 || info.Recipe.BatchSize <= 0 {
		return 0
	}
	return (info.Train.N + info.Recipe.BatchSize - 1) / info.Recipe.BatchSize
}

// CheckPosition checks that run.json's record of where the run stands
// holds together: the epoch is within the recipe's epochs and has its
// metrics recorded, the batch is within an epoch (of the training data's
// size in the recipe's batches), and the step counts exactly the batches
// before them. The checkpoint files' own record of their step is checked
// against it when they are read (Load, Weights).
func (info *Info) CheckPosition() error {
	batches, r := info.Batches(), info.Recipe
	switch {
	case batches == 0:
		return fmt.Errorf("%s: %d training examples in batches of %d: no batch to train", RunFile, info.Train.N, r.BatchSize)
	case info.Epoch < 0 || info.Epoch > r.Epochs:
		return fmt.Errorf("%s: epoch %d is outside the recipe's 0 to %d epochs", RunFile, info.Epoch, r.Epochs)
	case len(info.Epochs) != info.Epoch:
		return fmt.Errorf("%s: epoch %d, but the metrics of %d epochs are recorded", RunFile, info.Epoch, len(info.Epochs))
	case info.Batch < 0 || info.Batch >= batches:
		return fmt.Errorf("%s: batch %d is outside an epoch's %d batches (%d examples in batches of %d)", RunFile, info.Batch, batches, info.Train.N, r.BatchSize)
	case info.Step != info.Epoch*batches+info.Batch:
		return fmt.Errorf("%s: step %d, but epoch %d and batch %d make step %d (%d batches an epoch)", RunFile, info.Step, info.Epoch, info.Batch, info.Epoch*batches+info.Batch, batches)
	}
	for i, e := range info.Epochs {
		if e.Epoch != i+1 {
			return fmt.Errorf("%s: the metrics of epoch %d are recorded as epoch %d", RunFile, i+1, e.Epoch)
		}
	}
	return nil
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
	info.Dir = dir
	return &info, nil
}

// WriteInfo sets info.Updated to now and info.Dir to dir, and writes info as the run.json of
// the run folder dir, atomically, replacing any.
func WriteInfo(dir string, info *Info) error {
	info.Updated, info.Dir = time.Now().UTC(), dir
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
