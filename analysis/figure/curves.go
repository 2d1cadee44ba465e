package figure

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zoo-ml/zoo/rundir"
)

// Series is one training run's values per epoch, as CurvesOf draws them.
// Points whose epoch or value is NaN or infinite are not drawn.
type Series struct {
	// Name names the run in the legend and the notes when several runs
	// are drawn, and in the notes.
	Name string
	// Epoch holds the epochs, and the other slices their values.
	Epoch              []float64
	TrainLoss, ValLoss []float64
	// TrainAccuracy and ValAccuracy are nil, or NaN, where not recorded
	// (autoencoders).
	TrainAccuracy, ValAccuracy []float64
}

// check says whether s has as many values as epochs.
func (s Series) check() error {
	n := len(s.Epoch)
	if len(s.TrainLoss) != n || len(s.ValLoss) != n || s.TrainAccuracy != nil && len(s.TrainAccuracy) != n || s.ValAccuracy != nil && len(s.ValAccuracy) != n {
		return fmt.Errorf("curves: series %q has %d epochs, %d and %d train and validation losses, %d and %d accuracies",
			s.Name, n, len(s.TrainLoss), len(s.ValLoss), len(s.TrainAccuracy), len(s.ValAccuracy))
	}
	return nil
}

// logRatio is how many times the largest loss must exceed the smallest for
// a logarithmic loss axis.
const logRatio = 20

// Curves plots train (solid) and validation (dashed) loss per epoch of the
// runs opt.Runs (metrics.csv files or run folders), one colour per run,
// and beside it their accuracy when recorded (classifiers), as CurvesOf
// draws them.
func Curves(opt Options) (*Figure, error) {
	const fig = "curves"
	if len(opt.Runs) == 0 {
		return nil, notApplicable(fig, "no runs given")
	}
	var series []Series
	for _, path := range opt.Runs {
		s, err := readRun(path)
		if err != nil {
			return nil, err
		}
		series = append(series, s)
	}
	title := "loss per epoch"
	if len(series) == 1 {
		title = series[0].Name + ": " + title
	}
	return CurvesOf(opt.title(title), "loss", series...)
}

// readRun reads the metrics.csv of a run folder (or the file itself) into
// a Series named by its folder and the folder's parent (model/run).
func readRun(path string) (Series, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, rundir.MetricsFile)
	}
	epochs, err := rundir.ReadMetrics(path)
	if err != nil {
		return Series{}, fmt.Errorf("curves: %w", err)
	}
	if len(epochs) == 0 {
		return Series{}, fmt.Errorf("curves: %s has no epochs", path)
	}
	dir := filepath.Dir(path)
	s := Series{Name: filepath.Join(filepath.Base(filepath.Dir(dir)), filepath.Base(dir))}
	for _, e := range epochs {
		s.Epoch = append(s.Epoch, float64(e.Epoch))
		s.TrainLoss, s.ValLoss = append(s.TrainLoss, e.TrainLoss), append(s.ValLoss, e.ValLoss)
		s.TrainAccuracy, s.ValAccuracy = append(s.TrainAccuracy, e.TrainAccuracy), append(s.ValAccuracy, e.ValAccuracy)
	}
	return s, nil
}

// CurvesOf plots train (solid) and validation (dashed) loss per epoch of
// the series, one colour per series, under title with the loss axis
// labelled lossLabel, and beside it their accuracy when any is recorded:
// 800x500 px, or 1600x500 with accuracy. A series must have as many
// values as epochs (its accuracies may be nil). The loss axis is
// logarithmic when every loss is positive and the largest is more than 20
// times the smallest. Each named series gets a note with its last losses.
func CurvesOf(title, lossLabel string, series ...Series) (*Figure, error) {
	const fig = "curves"
	if len(series) == 0 {
		return nil, notApplicable(fig, "no runs given")
	}
	for _, s := range series {
		if err := s.check(); err != nil {
			return nil, err
		}
	}
	loss := newPlot(title, "epoch", lossLabel)
	acc := newPlot("accuracy per epoch", "epoch", "accuracy")
	loss.Add(plotter.NewGrid())
	acc.Add(plotter.NewGrid())
	hasAcc := false
	lo, hi := math.Inf(1), math.Inf(-1)
	var notes []string
	for i, s := range series {
		c := classColor(i)
		prefix := ""
		if len(series) > 1 {
			prefix = s.Name + " "
		}
		for _, v := range append(append([]float64(nil), s.TrainLoss...), s.ValLoss...) {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if _, err := line(loss, prefix+"train", s.Epoch, s.TrainLoss, c, false); err != nil {
			return nil, err
		}
		if _, err := line(loss, prefix+"validation", s.Epoch, s.ValLoss, c, true); err != nil {
			return nil, err
		}
		for j, ys := range [][]float64{s.TrainAccuracy, s.ValAccuracy} {
			ok, err := line(acc, prefix+[]string{"train", "validation"}[j], s.Epoch, ys, c, j == 1)
			if err != nil {
				return nil, err
			}
			hasAcc = hasAcc || ok
		}
		if last := len(s.Epoch) - 1; s.Name != "" && last >= 0 {
			notes = append(notes, fmt.Sprintf("%s: %d epochs, last train loss %.6g, validation loss %.6g", s.Name, len(s.Epoch), s.TrainLoss[last], s.ValLoss[last]))
		}
	}
	lossAxis(&loss.Y, lo, hi)
	loss.Legend.Top = true
	acc.Legend.Top = false
	acc.Legend.Left = false
	switch {
	case !hasAcc && len(series) > 1: // a legend of two lines a run: beside the plot, not over the curves
		return done(fig, oneLine(loss.Title.Text), renderLegendBeside(curveW+curveLegendW, curveH, loss), notes...), nil
	case !hasAcc:
		return done(fig, oneLine(loss.Title.Text), renderPlots(curveW, curveH, loss), notes...), nil
	}
	return done(fig, oneLine(loss.Title.Text), renderPlots(2*curveW, curveH, loss, acc), notes...), nil
}

// lossAxis makes the loss axis a, which spans the losses lo to hi,
// logarithmic when every loss is positive and the largest is more than
// logRatio times the smallest, and says so in its label.
func lossAxis(a *plot.Axis, lo, hi float64) {
	if lo > 0 && hi > logRatio*lo {
		a.Scale = plot.LogScale{}
		a.Tick.Marker = logTicks{}
		a.Label.Text += " (log scale)"
	}
}

// line adds the finite points of y over x (as long as y, or y nil) as a
// line (dashed when dashed) with a legend entry; it reports whether there
// was any. Up to 30 points
// are marked as well.
func line(p *plot.Plot, name string, x, y []float64, c color.Color, dashed bool) (bool, error) {
	var pts plotter.XYs
	for i := range y {
		if finite(x[i]) && finite(y[i]) {
			pts = append(pts, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	if len(pts) == 0 {
		return false, nil
	}
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return false, err
	}
	l.Color, s.Color = c, c
	l.Width = vg.Points(1.5)
	s.Shape = draw.CircleGlyph{}
	s.Radius = vg.Points(2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(l)
	if len(pts) <= 30 {
		p.Add(s)
	}
	p.Legend.Add(name, l)
	return true, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// logTicks mark 1 to 9 times each power of ten, labelling 1, 2 and 5 so that
// a range of one or two decades gets several labels. (plot.LogTicks labels
// only powers of ten, and misses those below a minimum under 1.)
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1; m <= 9; m++ {
			t := plot.Tick{Value: float64(m) * math.Pow(10, e)}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(t.Value, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}
