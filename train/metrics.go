package train

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/internal/lossplot"
	"github.com/zoo-ml/zoo/zoo"
)

// writeMetrics writes metrics.csv and loss.png of the run folder.
func writeMetrics(dir string, info *Info) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"epoch", "train_loss", "val_loss", "seconds", "images_per_second"}
	classify := info.Recipe.Loss.Task() == zoo.Classify
	if classify {
		header = append(header, "train_accuracy", "val_accuracy")
	}
	w.Write(header)
	var x, tr, va []float64
	for _, e := range info.Epochs {
		row := []string{strconv.Itoa(e.Epoch), g(e.TrainLoss), g(e.ValLoss), g(e.Seconds), g(e.PerSecond)}
		if classify {
			row = append(row, g(e.TrainAccuracy), g(e.ValAccuracy))
		}
		w.Write(row)
		x = append(x, float64(e.Epoch))
		tr = append(tr, e.TrainLoss)
		va = append(va, e.ValLoss)
	}
	w.Flush()
	if err := atomicfile.WriteFile(filepath.Join(dir, MetricsFile), buf.Bytes(), true); err != nil {
		return err
	}
	if len(x) == 0 {
		return nil
	}
	title := fmt.Sprintf("%s on %s", info.Model, filepath.Base(info.Train.Name))
	return lossplot.WritePNG(filepath.Join(dir, PlotFile), title, string(info.Recipe.Loss)+" loss",
		lossplot.Series{Name: "train", X: x, Y: tr}, lossplot.Series{Name: "validation", X: x, Y: va})
}

func g(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
