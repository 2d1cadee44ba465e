package figure

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/zoo-ml/zoo/analysis"
)

// Sizes of the per-class bar chart, in pixels.
const (
	barsW        = 760
	barsRow      = 30  // height of one class's bar
	barsMargin   = 110 // title, axis and padding
	maxBarsClass = 64
)

// A ClassValue is one bar of [ClassBars]: a class's name, its number of
// examples, and its value (nil when undefined: no bar, "n/a").
type ClassValue struct {
	Name  string
	Count int
	Value *float64
}

// ClassBars draws one horizontal bar per class, the first class at the
// top, labelled with the class's name and number of examples, with its
// value written at the bar's end with format (such as "%.2f%%"; scale
// multiplies the value first). axis names what the values are; the axis
// spans at least [0, full] (such as 100 for a percentage; 0 for the
// largest value).
func ClassBars(title, axis string, classes []ClassValue, format string, scale, full float64) (*Figure, error) {
	const fig = "class-bars"
	k := len(classes)
	if k == 0 || k > maxBarsClass {
		return nil, fmt.Errorf("%s: %d classes; want 1 to %d", fig, k, maxBarsClass)
	}
	vals := make(plotter.Values, k)
	names := make([]string, k)
	var labels plotter.XYLabels
	top := 0.0
	for i, c := range classes {
		row := k - 1 - i // class 0 at the top
		names[row] = fmt.Sprintf("%s (%d)", c.Name, c.Count)
		text := "n/a"
		if c.Value != nil && !math.IsNaN(*c.Value) {
			v := *c.Value * scale
			vals[row] = v
			top = math.Max(top, v)
			text = fmt.Sprintf(format, v)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: vals[row], Y: float64(row)})
		labels.Labels = append(labels.Labels, " "+text)
	}
	top = math.Max(top, full)
	if top <= 0 {
		top = 1
	}
	p := newPlot(title, axis, "")
	bars, err := plotter.NewBarChart(vals, vg.Points(barsRow*0.55))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fig, err)
	}
	bars.Horizontal = true
	bars.Color = palette[0]
	bars.LineStyle.Width = 0
	p.Add(bars)
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fig, err)
	}
	p.Add(l)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, top*1.18 // room for the values written after the bars
	return done(fig, title, renderPlots(barsW, barsMargin+k*barsRow, p)), nil
}

// ClassRecall draws the recall (per-class accuracy) of every class of s.
func ClassRecall(s *analysis.Summary) (*Figure, error) {
	if s == nil || len(s.PerClass) == 0 {
		return nil, errors.New("class-bars: no per-class results")
	}
	classes := make([]ClassValue, len(s.PerClass))
	for i, c := range s.PerClass {
		classes[i] = ClassValue{Name: className(s.Classes, c.Class), Count: int(c.Support), Value: c.Recall}
	}
	acc := 0.0
	if s.Accuracy != nil {
		acc = *s.Accuracy
	}
	title := fmt.Sprintf("accuracy per class (recall) on %d examples; overall %.2f%%", s.Examples, 100*acc)
	return ClassBars(title, "recall: share of the class's examples predicted right (%)", classes, "%.1f%%", 100, 100)
}

// ClassMSE draws the mean squared error per pixel of the reconstructions
// of each class of r, named by names when given.
func ClassMSE(r *analysis.ReconstructionEval, names []string) (*Figure, error) {
	if r == nil || len(r.ClassMSE) == 0 {
		return nil, errors.New("class-bars: no per-class results (the test images have no labels)")
	}
	classes := make([]ClassValue, len(r.ClassMSE))
	for k, v := range r.ClassMSE {
		classes[k] = ClassValue{Name: className(names, k), Count: r.ClassCounts[k], Value: v}
	}
	title := fmt.Sprintf("reconstruction error per class on %d images; overall MSE %.5f", r.Images, r.MSE)
	return ClassBars(title, "mean squared error per pixel", classes, "%.5f", 1, 0)
}
