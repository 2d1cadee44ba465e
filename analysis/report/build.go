package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// Inputs are what [Build] puts in a report of one exported model. The
// steps that run the model are function values, so that this package runs
// no engine itself: zoo report gives it an evaluation and a comparison with
// PCA that run onnxruntime, and opens the models of the figures.
type Inputs struct {
	// Dir is the model's export folder; its model card (README.md) opens
	// the page when there is one.
	Dir string
	// Run is the folder of the training run the model came from: its
	// run.json gives the training section, its metrics.csv the curves
	// figure; "" for none.
	Run string
	// Evaluate evaluates the model on the test data.
	Evaluate func(ctx context.Context) (*Evaluation, error)
	// ComparePCA compares an autoencoder with PCA fitted to training
	// images; nil when no training images were given, which the section
	// says.
	ComparePCA func(ctx context.Context) (*PCA, error)
	// Figures opens what the figures draw, after the evaluation ev: the
	// model with its first layer, a classifier, and the test data when ev
	// holds none.
	Figures func(ev *Evaluation) (*Figures, error)
	// Start is when the work began (before an export, say); the zero
	// time means when Build starts.
	Start time.Time
}

// An Evaluation is what the evaluation of the model measured, as a report
// shows it.
type Evaluation struct {
	// Model names the model, Data the test data.
	Model, Data string
	// Task is zoo.Reconstruct (an autoencoder) or zoo.Classify.
	Task zoo.Task
	// Images is the number of test images.
	Images int
	// Text holds the numbers as zoo eval prints them.
	Text string
	// Figures are the evaluation's figures: the confusion matrix of a
	// classifier, the worst reconstructions of an autoencoder.
	Figures []*figure.Figure
	// Set holds the test images and labels when the evaluation read them
	// whole (autoencoders); nil when they were streamed.
	Set *figure.Data
	// Classification holds a classifier's per-class results, and
	// Reconstruction an autoencoder's (per class with labels), for the
	// bar chart per class; nil for none. ClassNames names the classes.
	Classification *analysis.Summary
	Reconstruction *analysis.ReconstructionEval
	ClassNames     []string
}

// A PCA is the comparison of an autoencoder with PCA.
type PCA struct {
	*analysis.PCAComparison
	// Train and Test name the training and test images, TrainImages and
	// TestImages count them.
	Train, Test             string
	TrainImages, TestImages int
	// Figure shows the chosen test images and their reconstructions; nil
	// when they are not images.
	Figure *figure.Figure
}

// Figures are what the figures section draws: every figure of package
// figure that applies to Model on Data with Options (such as the
// classifier of class-map; Build adds the run of Inputs for curves).
type Figures struct {
	Model   *figure.Model
	Data    *figure.Data
	Options figure.Options
	// Close closes what was opened for the figures; nil for nothing.
	Close func()
}

// A Report is a built page and what it holds, for a command to print.
type Report struct {
	Page *Page
	// Model and Data name the model and the test data.
	Model, Data string
	// Figures is the number of figures drawn, and Skipped says why each
	// other figure does not apply.
	Figures int
	Skipped []string
}

// Build runs the steps of in and lays out their results as a page: the
// model card, the training run (its epochs), the evaluation, for autoencoders the
// comparison with PCA, and every figure that applies (with the reason for
// each one that does not), under a title and lines saying what was
// measured and how long each step took.
func Build(ctx context.Context, in Inputs) (*Report, error) {
	start := in.Start
	if start.IsZero() {
		start = time.Now()
	}
	page := &Page{}
	if card, err := os.ReadFile(filepath.Join(in.Dir, zoo.CardFile)); err == nil {
		page.Section("card", "Model card").Markdown = string(card)
	}
	curves := 0
	if in.Run != "" {
		info, err := rundir.ReadInfo(in.Run)
		if err != nil {
			return nil, err
		}
		if curves, err = trainingSection(page.Section("training", "Training"), in.Run, info); err != nil {
			return nil, err
		}
	}
	evalStart := time.Now()
	ev, err := in.Evaluate(ctx)
	if err != nil {
		return nil, err
	}
	page.Title = "zoo report: " + ev.Model
	page.Lines = append(page.Lines, fmt.Sprintf("model %s (%s), data %s (%d images), written by zoo %s on %s",
		ev.Model, ev.Task, ev.Data, ev.Images, zoo.Version, time.Now().Format("2006-01-02 15:04")))
	if err := evalSection(page.Section("eval", "Evaluation"), ev); err != nil {
		return nil, err
	}
	evalSec := time.Since(evalStart).Seconds()
	pcaSec, err := pcaStep(ctx, page, in, ev)
	if err != nil {
		return nil, err
	}
	figStart := time.Now()
	rep := &Report{Page: page, Model: ev.Model, Data: ev.Data}
	if rep.Figures, rep.Skipped, err = figuresStep(page.Section("figures", "Figures"), in, ev); err != nil {
		return nil, err
	}
	rep.Figures += curves
	page.Lines = append(page.Lines, fmt.Sprintf("made in %.1f s: evaluation %.1f s, PCA comparison %.1f s, %d figures %.1f s",
		time.Since(start).Seconds(), evalSec, pcaSec, rep.Figures, time.Since(figStart).Seconds()))
	return rep, nil
}

// trainingSection fills s with the epochs of the run in folder run: their
// table (folded when long) beside their loss curves. It returns the number
// of figures drawn (the curves: 1).
func trainingSection(s *Section, run string, info *rundir.Info) (int, error) {
	s.Text = append(s.Text, fmt.Sprintf("Run %s: %s on %s (%d images), validated on %s (%d images); status %s after %d epochs.",
		run, info.Model, info.Train.Name, info.Train.N, info.Val.Name, info.Val.N, info.Status, info.Epoch))
	cls := info.Recipe.Loss.Task() == zoo.Classify
	t := &Table{Caption: "metrics per epoch (metrics.csv)", Head: []string{"epoch", "train loss", "validation loss"}}
	if cls {
		t.Head = append(t.Head, "train accuracy", "validation accuracy")
	}
	t.Head = append(t.Head, "seconds", "images/s")
	for _, e := range info.Epochs {
		row := []string{strconv.Itoa(e.Epoch), fmt.Sprintf("%.6f", e.TrainLoss), fmt.Sprintf("%.6f", e.ValLoss)}
		if cls {
			row = append(row, fmt.Sprintf("%.2f%%", 100*e.TrainAccuracy), fmt.Sprintf("%.2f%%", 100*e.ValAccuracy))
		}
		row = append(row, fmt.Sprintf("%.1f", e.Seconds), fmt.Sprintf("%.0f", e.PerSecond))
		t.Rows = append(t.Rows, row)
	}
	s.Tables = append(s.Tables, t)
	if len(info.Epochs) == 0 {
		return 0, nil
	}
	f, err := figure.Curves(figure.Options{Runs: []string{run}})
	if err != nil {
		return 0, err
	}
	im, err := NewImage("figure-curves", "curves: "+f.Title, f.Image, f.Notes...)
	if err != nil {
		return 0, err
	}
	s.Images, s.Beside = append(s.Images, im), true
	return 1, nil
}

// evalSection fills s with the results of the evaluation: the bar chart
// per class, the evaluation's figures, and its numbers as zoo eval prints
// them, folded.
func evalSection(s *Section, ev *Evaluation) error {
	s.Pre, s.PreFold = ev.Text, "all the numbers, as zoo eval prints them"
	figs := ev.Figures
	if bars := classBars(ev); bars != nil {
		figs = append([]*figure.Figure{bars}, figs...)
	}
	for _, f := range figs {
		im, err := NewImage("eval-"+f.Name, f.Title, f.Image, f.Notes...)
		if err != nil {
			return err
		}
		s.Images = append(s.Images, im)
	}
	return nil
}

// classBars returns the bar chart of the per-class results of ev, or nil
// when it has none (an autoencoder tested without labels).
func classBars(ev *Evaluation) *figure.Figure {
	var f *figure.Figure
	var err error
	switch {
	case ev.Classification != nil:
		f, err = figure.ClassRecall(ev.Classification)
	case ev.Reconstruction != nil && len(ev.Reconstruction.ClassMSE) > 0:
		names := ev.ClassNames
		if names == nil && ev.Set != nil {
			names = ev.Set.ClassNames
		}
		f, err = figure.ClassMSE(ev.Reconstruction, names)
	}
	if err != nil {
		return nil
	}
	return f
}

// pcaStep adds the comparison with PCA of an autoencoder and returns the
// seconds it took.
func pcaStep(ctx context.Context, page *Page, in Inputs, ev *Evaluation) (float64, error) {
	if ev.Task != zoo.Reconstruct {
		return 0, nil
	}
	s := page.Section("pca", "Autoencoder against PCA")
	if in.ComparePCA == nil {
		s.Text = []string{"Not run: give --train (the training images) to fit PCA to."}
		return 0, nil
	}
	t0 := time.Now()
	p, err := in.ComparePCA(ctx)
	if err != nil {
		return 0, err
	}
	if err := pcaSection(s, p); err != nil {
		return 0, err
	}
	return time.Since(t0).Seconds(), nil
}

// pcaSection fills s with the comparison of the autoencoder with PCA.
func pcaSection(s *Section, p *PCA) error {
	s.Text = append(s.Text, fmt.Sprintf("PCA fitted to the %d images of %s (%.2f s); %d test images of %s reconstructed by both.",
		p.TrainImages, p.Train, p.FitSeconds, p.TestImages, p.Test))
	t := &Table{Caption: "mean squared error per pixel", Head: []string{"reconstruction", "MSE", "explained variance"}}
	t.Rows = append(t.Rows, []string{"autoencoder", fmt.Sprintf("%.6f", p.Autoencoder.MSE), ""})
	for _, r := range p.PCA {
		t.Rows = append(t.Rows, []string{fmt.Sprintf("PCA k=%d", r.K), fmt.Sprintf("%.6f", r.MSE), fmt.Sprintf("%.4f", r.ExplainedVarianceRatio)})
	}
	s.Tables = append(s.Tables, t)
	if p.Autoencoder.ClassMSE != nil {
		s.Tables = append(s.Tables, pcaClassTable(p))
	}
	if f := p.Figure; f != nil {
		im, err := NewImage("pca-figure", f.Title, f.Image, f.Notes...)
		if err != nil {
			return err
		}
		s.Images = append(s.Images, im)
	}
	return nil
}

// pcaClassTable is the MSE per class of the autoencoder and of PCA.
func pcaClassTable(p *PCA) *Table {
	t := &Table{Caption: "MSE per pixel by class", Head: []string{"class", "images", "autoencoder"}}
	for _, r := range p.PCA {
		t.Head = append(t.Head, fmt.Sprintf("PCA k=%d", r.K))
	}
	for c, n := range p.ClassCounts {
		if n == 0 {
			continue
		}
		row := []string{strconv.Itoa(c), strconv.Itoa(n), fmt.Sprintf("%.6f", *p.Autoencoder.ClassMSE[c])}
		for _, r := range p.PCA {
			row = append(row, fmt.Sprintf("%.6f", *r.ClassMSE[c]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// figuresStep draws into s every figure that applies to the model on the
// evaluation's data, and says why each other one does not apply. It
// returns the number drawn and the reasons.
func figuresStep(s *Section, in Inputs, ev *Evaluation) (int, []string, error) {
	fs, err := in.Figures(ev)
	if fs != nil && fs.Close != nil {
		defer fs.Close()
	}
	if err != nil {
		return 0, nil, err
	}
	m, d, opt := fs.Model, fs.Data, fs.Options
	if in.Run != "" {
		opt.Runs = []string{in.Run} // the sweep figure of the one run
	}
	if m.ClassNames == nil && len(d.ClassNames) == m.Classes {
		m.ClassNames = d.ClassNames
	}
	var skipped []string
	made := 0
	for _, name := range figure.Names() {
		if name == "curves" && in.Run != "" {
			continue // beside the epochs, in the training section
		}
		f, err := figure.Make(name, []*figure.Model{m}, d, opt)
		switch {
		case errors.Is(err, figure.ErrNotApplicable):
			skipped = append(skipped, err.Error())
			continue
		case err != nil:
			skipped = append(skipped, fmt.Sprintf("%s: failed: %v", name, err))
			continue
		}
		im, err := NewImage("figure-"+name, fmt.Sprintf("%s: %s", name, f.Title), f.Image, f.Notes...)
		if err != nil {
			return 0, nil, err
		}
		s.Images = append(s.Images, im)
		made++
	}
	text := fmt.Sprintf("%d of the %d figures of zoo figure apply to this model and data.", made, len(figure.Names()))
	if in.Run != "" {
		text = fmt.Sprintf("%d of the %d figures of zoo figure apply to this model and data (the loss curves are in the training section).", made+1, len(figure.Names()))
	}
	s.Text = append(s.Text, text)
	if len(skipped) > 0 {
		s.Text = append(s.Text, "Not shown:")
		s.Pre = strings.Join(skipped, "\n")
	}
	return made, skipped, nil
}
