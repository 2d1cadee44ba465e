package train

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/zoo-ml/zoo/runs"
)

// progress shows training progress: on a terminal a bar per epoch with the
// batch, loss and images/s, and one line per finished epoch everywhere. A
// nil *progress or one with no writer shows nothing.
type progress struct {
	w       io.Writer
	bar     *progressbar.ProgressBar
	model   string
	epochs  int
	batches int
}

func newProgress(w io.Writer, terminal bool, model string, epochs, batches int) *progress {
	if w == nil {
		return nil
	}
	p := &progress{w: w, model: model, epochs: epochs, batches: batches}
	if terminal {
		p.bar = progressbar.NewOptions(batches,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100_000_000), // 100 ms
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) batch(e, b int, loss, perSec float64) {
	if p == nil || p.bar == nil {
		return
	}
	p.bar.Describe(fmt.Sprintf("%s epoch %d/%d loss %.5f %6.0f img/s", p.model, e, p.epochs, loss, perSec))
	p.bar.Set(b)
}

func (p *progress) epoch(ep runs.Epoch, best int) {
	if p == nil {
		return
	}
	if p.bar != nil {
		p.bar.Clear()
		p.bar.Reset()
	}
	mark := ""
	if best == ep.Epoch {
		mark = " *"
	}
	acc := ""
	if ep.ValAccuracy > 0 || ep.TrainAccuracy > 0 {
		acc = fmt.Sprintf("  acc %.2f%% / %.2f%%", 100*ep.TrainAccuracy, 100*ep.ValAccuracy)
	}
	fmt.Fprintf(p.w, "%s epoch %d/%d  train %.6f  val %.6f%s  %.1f s  %.0f img/s%s\n",
		p.model, ep.Epoch, p.epochs, ep.TrainLoss, ep.ValLoss, acc, ep.Seconds, ep.PerSecond, mark)
}

func (p *progress) finish() {
	if p == nil || p.bar == nil {
		return
	}
	p.bar.Clear()
	p.bar = nil
}
