package figure

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/sweep"
)

// maxSweepPanels is the most swept keys the sweep figure draws a panel of.
const maxSweepPanels = 3

// Sweep compares the runs opt.Runs (run folders, their metrics.csv, sweep
// folders, or folders holding them, as sweep.Compare reads them), as
// SweepOf draws them.
func Sweep(opt Options) (*Figure, error) {
	const fig = "sweep"
	if len(opt.Runs) == 0 {
		return nil, notApplicable(fig, "no runs given")
	}
	paths := make([]string, len(opt.Runs))
	for i, p := range opt.Runs {
		if filepath.Base(p) == rundir.MetricsFile {
			p = filepath.Dir(p)
		}
		paths[i] = p
	}
	c, err := sweep.Compare(paths...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fig, err)
	}
	return SweepOf(c, opt.title("sweep "+strings.Join(opt.Runs, ", ")))
}

// SweepOf draws a comparison of runs under title: on the left the
// validation metric per epoch of every run, one colour per variant (a
// group of c: its runs differ in the seed only); then, for each swept key
// (up to 3), the best validation metric of the finished runs against the
// key's values, the mean over seeds with error bars of one standard
// deviation, one line per combination of the other swept keys. Values
// that are numbers, or share a prefix before a number ("gaussian:0.3",
// "shallow-ae-64"), go on a numeric axis (logarithmic when they span more
// than a factor of 20); others are spaced evenly. Without a swept key, the
// second panel has one point per variant. The notes give each variant's
// mean and spread.
func SweepOf(c *sweep.Comparison, title string) (*Figure, error) {
	const fig = "sweep"
	curves := newPlot(title, "epoch", c.Metric)
	curves.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for gi, g := range c.Groups {
		for k, ri := range g.Runs {
			r := c.Runs[ri]
			xs := make([]float64, len(r.Curve))
			for i := range xs {
				xs[i] = float64(i + 1)
			}
			for _, v := range r.Curve {
				if finite(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
			name := groupName(g)
			if k > 0 || name == "" {
				name = "" // one legend entry per variant
			}
			if err := sweepLine(curves, name, xs, r.Curve, gi, r.Status.State != sweep.Finished); err != nil {
				return nil, err
			}
		}
	}
	if !c.Higher {
		lossAxis(&curves.Y, lo, hi)
	}
	if n := maxEpochs(c); n <= 20 { // a tick at each epoch
		var xs []float64
		var labels []string
		for e := 1; e <= n; e++ {
			xs, labels = append(xs, float64(e)), append(labels, strconv.Itoa(e))
		}
		curves.X.Tick.Marker = valueTicks{xs, labels}
	}
	curves.Legend.Top = !c.Higher
	plots := []*plot.Plot{curves}
	swept := c.Swept()
	if len(swept) == 0 {
		swept = []string{""}
	}
	for _, key := range swept[:min(len(swept), maxSweepPanels)] {
		p, err := metricPanel(c, key)
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	var notes []string
	for _, g := range c.Groups {
		notes = append(notes, fmt.Sprintf("%s: best %s %s (std %s, %d of %d runs finished)",
			groupName(g), c.Metric, fmtMetric(c, g.Mean), fmtMetric(c, g.Std), g.N, len(g.Runs)))
	}
	return done(fig, title, renderPlots(curveW*len(plots), curveH, plots...), notes...), nil
}

// groupName names a group in legends and notes: its label, or "all runs".
func groupName(g sweep.Group) string {
	if g.Label == "" {
		return "all runs"
	}
	return g.Label
}

// fmtMetric formats a value of c's metric.
func fmtMetric(c *sweep.Comparison, v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case c.Higher:
		return fmt.Sprintf("%.2f%%", 100*v)
	}
	return fmt.Sprintf("%.6g", v)
}

// sweepLine adds one run's curve in the colour of group gi, dashed when the
// run did not finish, with a legend entry when name is not empty.
func sweepLine(p *plot.Plot, name string, x, y []float64, gi int, dashed bool) error {
	var pts plotter.XYs
	for i := range y {
		if finite(y[i]) {
			pts = append(pts, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	if len(pts) == 0 {
		return nil
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color, l.Width = classColor(gi), vg.Points(1.5)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return nil
}

// errPoints are points with error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// metricPanel draws the best metric against the values of key (for "",
// against the variants), one line per combination of the other keys.
func metricPanel(c *sweep.Comparison, key string) (*plot.Plot, error) {
	var lines []sweep.Line
	if key == "" {
		l := sweep.Line{Key: "variant"}
		for gi, g := range c.Groups {
			l.Values, l.Groups = append(l.Values, groupName(g)), append(l.Groups, gi)
		}
		lines = []sweep.Line{l}
	} else {
		lines = c.Lines(key)
	}
	var all []string
	for _, l := range lines {
		for _, v := range l.Values {
			if !slices.Contains(all, v) {
				all = append(all, v)
			}
		}
	}
	xs, label, numeric := numericAxis(all)
	switch {
	case key == "":
		label = "variant"
	case label == "":
		label = key
	default:
		label = key + " (" + label + ")"
	}
	p := newPlot(fmt.Sprintf("best %s against %s", c.Metric, label), label, "best "+c.Metric)
	p.Add(plotter.NewGrid())
	p.X.Tick.Marker = valueTicks{xs, all}
	if xlo, xhi := slices.Min(xs), slices.Max(xs); !numeric || xlo == xhi {
		p.X.Min, p.X.Max = xlo-0.5, xhi+0.5
	} else if xlo > 0 && xhi > logRatio*xlo {
		p.X.Scale = plot.LogScale{}
		p.X.Min, p.X.Max = xlo/1.3, xhi*1.3
		p.X.Label.Text += " (log scale)"
	} else {
		p.X.Min, p.X.Max = xlo-0.05*(xhi-xlo), xhi+0.05*(xhi-xlo)
	}
	for li, l := range lines {
		var pts errPoints
		for k, v := range l.Values {
			g := c.Groups[l.Groups[k]]
			if g.N == 0 {
				continue
			}
			pts.XYs = append(pts.XYs, plotter.XY{X: xs[slices.Index(all, v)], Y: g.Mean})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{-g.Std, g.Std})
		}
		if len(pts.XYs) == 0 {
			continue
		}
		if err := addErrorLine(p, l.Label, pts, li, len(lines) > 1 && l.Label != ""); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addErrorLine draws points with error bars in colour li, joined by a line,
// with a legend entry when legend.
func addErrorLine(p *plot.Plot, name string, pts errPoints, li int, legend bool) error {
	l, s, err := plotter.NewLinePoints(pts.XYs)
	if err != nil {
		return err
	}
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return err
	}
	col := classColor(li)
	l.Color, s.Color, eb.Color = col, col, col
	l.Width, eb.Width = vg.Points(1.5), vg.Points(1.5)
	s.Shape, s.Radius = draw.CircleGlyph{}, vg.Points(3)
	p.Add(l, s, eb)
	if legend {
		p.Legend.Add(name, l, s)
	}
	return nil
}

// numericAxis returns the positions of values on a numeric axis and its
// label when every value is a number, or the same prefix followed by a
// number ("gaussian:0.3": label "gaussian:N"); otherwise their indices,
// "" and false.
func numericAxis(values []string) ([]float64, string, bool) {
	xs := make([]float64, len(values))
	plain := true
	for i, v := range values {
		x, err := strconv.ParseFloat(v, 64)
		plain = plain && err == nil && finite(x)
		xs[i] = x
	}
	if plain {
		return xs, "", true
	}
	if len(values) > 1 {
		prefix := values[0]
		for _, v := range values[1:] {
			n := 0
			for n < len(prefix) && n < len(v) && prefix[n] == v[n] {
				n++
			}
			prefix = prefix[:n]
		}
		prefix = strings.TrimRight(prefix, "0123456789.")
		ok := true
		for i, v := range values {
			x, err := strconv.ParseFloat(v[len(prefix):], 64)
			if err != nil || !finite(x) {
				ok = false
				break
			}
			xs[i] = x
		}
		if ok && prefix != "" {
			return xs, prefix + "N", true
		}
	}
	for i := range xs {
		xs[i] = float64(i)
	}
	return xs, "", false
}

// valueTicks marks the positions of the values, labelled by the values.
type valueTicks struct {
	x      []float64
	labels []string
}

func (v valueTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for i, x := range v.x {
		if x >= lo && x <= hi {
			ts = append(ts, plot.Tick{Value: x, Label: v.labels[i]})
		}
	}
	return ts
}

// maxEpochs returns the most epochs of a run of c.
func maxEpochs(c *sweep.Comparison) int {
	n := 0
	for _, r := range c.Runs {
		n = max(n, len(r.Curve))
	}
	return n
}
