// Package progress shows the progress of zoo train on a terminal: a bar per
// epoch with the batch, loss and images/s, and one line per finished epoch
// everywhere. A Train's methods are train.Options' OnStep and OnEpoch hooks.
package progress

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/train"
)

// Train shows the progress of one training run. Its Step and Epoch methods
// are train.Options' hooks; Finish clears the bar once train.Run returns. A
// nil *Train shows nothing.
type Train struct {
	w        io.Writer
	terminal bool
	model    string
	bar      *progressbar.ProgressBar
}

// New returns the progress of training model, written to w; the bar is
// drawn only when terminal is set.
func New(w io.Writer, terminal bool, model string) *Train {
	return &Train{w: w, terminal: terminal, model: model}
}

// Step updates the bar after a training step.
func (p *Train) Step(s train.Step) {
	if !p.terminal {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(s.Batches,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100_000_000), // 100 ms
			progressbar.OptionClearOnFinish(),
		)
	}
	p.bar.Describe(fmt.Sprintf("%s epoch %d/%d loss %.5f %6.0f img/s", p.model, s.Epoch, s.Epochs, s.Loss, s.PerSecond))
	_ = p.bar.Set(s.Batch) // drawing on the terminal: nothing to do if it fails
}

// Epoch writes the line of a finished epoch (a star on the best so far).
func (p *Train) Epoch(ep rundir.Epoch, info *rundir.Info) {
	if p.bar != nil {
		_ = p.bar.Clear()
		p.bar.Reset()
	}
	mark := ""
	if info.BestEpoch == ep.Epoch {
		mark = " *"
	}
	acc := ""
	if ep.ValAccuracy > 0 || ep.TrainAccuracy > 0 {
		acc = fmt.Sprintf("  acc %.2f%% / %.2f%%", 100*ep.TrainAccuracy, 100*ep.ValAccuracy)
	}
	fmt.Fprintf(p.w, "%s epoch %d/%d  train %.6f  val %.6f%s  %.1f s  %.0f img/s%s\n",
		p.model, ep.Epoch, info.Recipe.Epochs, ep.TrainLoss, ep.ValLoss, acc, ep.Seconds, ep.PerSecond, mark)
}

// Finish clears the bar.
func (p *Train) Finish() {
	if p == nil || p.bar == nil {
		return
	}
	_ = p.bar.Clear()
	p.bar = nil
}
