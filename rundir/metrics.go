package rundir

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// Columns of metrics.csv, in order; the accuracy columns are written for
// classifiers only.
const (
	colEpoch         = "epoch"
	colTrainLoss     = "train_loss"
	colValLoss       = "val_loss"
	colSeconds       = "seconds"
	colPerSecond     = "images_per_second"
	colTrainAccuracy = "train_accuracy"
	colValAccuracy   = "val_accuracy"
)

// WriteMetrics writes epochs as the metrics.csv of the run folder dir,
// atomically, replacing any: a header, then one row per epoch, the numbers
// in the shortest form that reads back exactly. accuracy adds the accuracy
// columns (classifiers).
func WriteMetrics(dir string, epochs []Epoch, accuracy bool) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{colEpoch, colTrainLoss, colValLoss, colSeconds, colPerSecond}
	if accuracy {
		header = append(header, colTrainAccuracy, colValAccuracy)
	}
	w.Write(header)
	for _, e := range epochs {
		row := []string{strconv.Itoa(e.Epoch), g(e.TrainLoss), g(e.ValLoss), g(e.Seconds), g(e.PerSecond)}
		if accuracy {
			row = append(row, g(e.TrainAccuracy), g(e.ValAccuracy))
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, MetricsFile), err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, MetricsFile), buf.Bytes(), true)
}

func g(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ReadMetrics reads the metrics.csv file at path, as WriteMetrics writes
// it, into one Epoch per row. The columns are found by their names in the
// header, which must have epoch and train_loss; a column the file lacks, or
// an empty cell, reads as NaN (the accuracy of an autoencoder's run, say).
// An empty file, or a header alone, gives no epochs and no error.
func ReadMetrics(path string) ([]Epoch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, need := range []string{colEpoch, colTrainLoss} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s has no column %q (header %v); want a zoo train metrics.csv", path, need, rows[0])
		}
	}
	epochs := make([]Epoch, 0, len(rows)-1)
	for n, row := range rows[1:] {
		get := func(name string) (float64, error) {
			i, ok := col[name]
			if !ok || i >= len(row) || row[i] == "" {
				return math.NaN(), nil
			}
			v, err := strconv.ParseFloat(row[i], 64)
			if err != nil {
				return 0, fmt.Errorf("%s line %d: %s %q is not a number", path, n+2, name, row[i])
			}
			return v, nil
		}
		var e Epoch
		var epoch float64
		for _, c := range []struct {
			name string
			v    *float64
		}{
			{colEpoch, &epoch}, {colTrainLoss, &e.TrainLoss}, {colValLoss, &e.ValLoss}, {colSeconds, &e.Seconds},
			{colPerSecond, &e.PerSecond}, {colTrainAccuracy, &e.TrainAccuracy}, {colValAccuracy, &e.ValAccuracy},
		} {
			if *c.v, err = get(c.name); err != nil {
				return nil, err
			}
		}
		if epoch != math.Trunc(epoch) || epoch < 0 || epoch > math.MaxInt32 {
			return nil, fmt.Errorf("%s line %d: %s %q is not an epoch number", path, n+2, colEpoch, row[col[colEpoch]])
		}
		e.Epoch = int(epoch)
		epochs = append(epochs, e)
	}
	return epochs, nil
}
