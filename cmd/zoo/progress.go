package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/train"
)

// trainProgress shows the progress of zoo train: on a terminal a bar per
// epoch with the batch, loss and images/s, and one line per finished epoch
// everywhere. Its step and epoch methods are train.Options' hooks; finish
// clears the bar once train.Run returns. A nil *trainProgress shows nothing.
type trainProgress struct {
	w        io.Writer
	terminal bool
	model    string
	bar      *progressbar.ProgressBar
}

func newTrainProgress(w io.Writer, terminal bool, model string) *trainProgress {
	return &trainProgress{w: w, terminal: terminal, model: model}
}

func (p *trainProgress) step(s train.Step) {
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
	p.bar.Set(s.Batch)
}

func (p *trainProgress) epoch(ep rundir.Epoch, info *rundir.Info) {
	if p.bar != nil {
		p.bar.Clear()
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

func (p *trainProgress) finish() {
	if p == nil || p.bar == nil {
		return
	}
	p.bar.Clear()
	p.bar = nil
}

// trainHint adds to an error of train.Run the command line that goes on
// with the run, where there is one.
func trainHint(err error) error {
	var stopped *train.InterruptedError
	var exists *train.ExistsError
	switch {
	case errors.As(err, &stopped):
		return fmt.Errorf("%w; continue with: zoo train %s --resume %s", err, stopped.Model, stopped.Dir)
	case errors.As(err, &exists):
		return fmt.Errorf("%w: resume it with --resume %s, or choose another", err, exists.Dir)
	}
	return err
}
