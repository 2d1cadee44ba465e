package train

import (
	"fmt"
	"path/filepath"

	"github.com/zoo-ml/zoo/internal/lossplot"
)

// plot draws the loss.png of the run at path: train and validation loss
// per epoch. Before the first epoch is complete there is nothing to draw,
// and no file.
func (t *trainer) plot(path string) error {
	info := t.info
	if len(info.Epochs) == 0 {
		return nil
	}
	var x, tr, va []float64
	for _, e := range info.Epochs {
		x = append(x, float64(e.Epoch))
		tr = append(tr, e.TrainLoss)
		va = append(va, e.ValLoss)
	}
	title := fmt.Sprintf("%s on %s", info.Model, filepath.Base(info.Train.Name))
	return lossplot.WritePNG(path, title, string(info.Recipe.Loss)+" loss",
		lossplot.Series{Name: "train", X: x, Y: tr}, lossplot.Series{Name: "validation", X: x, Y: va})
}
