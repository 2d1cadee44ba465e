package present

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/analysis/report"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
)

// EvalFigures returns the figures of the evaluation ev: the confusion
// matrix of a classifier, the worst reconstructions of an autoencoder. A
// figure that cannot be drawn is left out with a line to warn.
func EvalFigures(ev *infer.Evaluation, warn io.Writer) []*figure.Figure {
	var figs []*figure.Figure
	if ev.Confusion != nil {
		if f, err := figure.Confusion(ev.Confusion, ev.ClassNames, figure.Options{}); err == nil {
			figs = append(figs, f)
		} else {
			fmt.Fprintf(warn, "zoo: no confusion figure: %v\n", err)
		}
	}
	if r := ev.Reconstruction; r != nil && len(r.Worst) > 0 {
		if f, err := figure.Worst((*figure.Data)(ev.Examples), ev.Reconstructions, r.Worst, ev.ModelName()); err == nil {
			figs = append(figs, f)
		} else {
			fmt.Fprintf(warn, "zoo: no figure of the worst reconstructions: %v\n", err)
		}
	}
	return figs
}

// Evaluation is the evaluation ev as the report shows it: the numbers as
// zoo eval prints them, and its figures (see EvalFigures).
func Evaluation(ev *infer.Evaluation, warn io.Writer) *report.Evaluation {
	var text bytes.Buffer
	_ = ev.WriteText(&text) // writes to a bytes.Buffer do not fail
	return &report.Evaluation{Model: ev.ModelName(), Data: ev.Data, Task: ev.Model.Task, Images: ev.Images,
		Text: text.String(), Set: (*figure.Data)(ev.Examples), Figures: EvalFigures(ev, warn),
		Classification: ev.Classification, Reconstruction: ev.Reconstruction, ClassNames: ev.ClassNames}
}

// PCAFigure draws the figure of rep (see figure.ComparePCA); nil when the
// test items are not images.
func PCAFigure(rep *infer.PCAReport) (*figure.Figure, error) {
	f, err := figure.ComparePCA(rep.Test.Set.X, rep.Test.Dims, rep.PCAComparison)
	if errors.Is(err, figure.ErrNotApplicable) {
		return nil, nil
	}
	return f, err
}

// PCA is the comparison rep as the report shows it, with its figure.
func PCA(rep *infer.PCAReport) (*report.PCA, error) {
	f, err := PCAFigure(rep)
	return &report.PCA{PCAComparison: rep.PCAComparison, Train: rep.Train.Data, Test: rep.Test.Data,
		TrainImages: rep.Train.Images, TestImages: rep.Test.Images, Figure: f}, err
}

// Figures opens what the report's figures need: the model in modelDir
// (with its first layer), the classifier in classifier when not empty,
// and, when the evaluation ev did not keep its examples (a classifier's
// are streamed), the images of data with labels read whole.
func Figures(modelDir, classifier, data, labels string, ev *report.Evaluation, opt infer.Options, notice func(dataset.Notice)) (*report.Figures, error) {
	var cs Closers
	fs := &report.Figures{Data: ev.Set, Close: func() { cs.Close() }}
	var err error
	if fs.Model, err = Model(modelDir, opt, true, &cs); err != nil {
		return fs, err
	}
	if classifier != "" {
		if fs.Options.Classifier, err = Model(classifier, opt, false, &cs); err != nil {
			return fs, err
		}
	}
	if fs.Data == nil {
		fs.Data, err = Data(data, labels, 0, false, notice)
	}
	return fs, err
}
