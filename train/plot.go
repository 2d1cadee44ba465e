package train

import (
	"fmt"
	"path/filepath"

	"github.com/zoo-ml/zoo/analysis/figure"
)

// plot draws the loss.png of the run at path: train and validation loss
// per epoch, as zoo figure curves draws them. Before the first epoch is
// complete there is nothing to draw, and no file.
func (t *trainer) plot(path string) error {
	info := t.info
	if len(info.Epochs) == 0 {
		return nil
	}
	var s figure.Series
	for _, e := range info.Epochs {
		s.Epoch = append(s.Epoch, float64(e.Epoch))
		s.TrainLoss, s.ValLoss = append(s.TrainLoss, e.TrainLoss), append(s.ValLoss, e.ValLoss)
	}
	title := fmt.Sprintf("%s on %s", info.Model, filepath.Base(info.Train.Name))
	f, err := figure.CurvesOf(title, string(info.Recipe.Loss)+" loss", s)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return f.WritePNG(path, true)
}
