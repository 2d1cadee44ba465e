// Package lossplot draws loss curves, such as train and validation loss per
// epoch, to a PNG file.
package lossplot

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// Series is one named curve: Y[i] at epoch X[i].
type Series struct {
	Name string
	X, Y []float64
}

// Image size in pixels, and the resolution used to turn it into lengths.
const (
	widthPx, heightPx = 800, 500
	dpi               = 96
	// markAtMost is the most points a series may have for its points to be
	// marked as well as joined by a line.
	markAtMost = 30
	// logRatio is how many times the largest value must exceed the smallest
	// for a log y axis.
	logRatio = 20
	// margin is the blank border around the plot, in pixels.
	margin = 12
)

// WritePNG draws the curves (train and validation loss per epoch, say) with
// labelled axes ("epoch", ylabel), a legend and a title, and writes a PNG of
// 800x500 px to path through a temporary file in the same directory renamed
// into place (no partial file under path on error). An existing path is
// replaced (checkpoints rewrite it every epoch).
//
// Points whose X or Y is NaN or infinite are skipped; a series with no finite
// point is an error. The y axis is logarithmic when every value is positive
// and the largest is more than 20 times the smallest, linear otherwise.
func WritePNG(path, title, ylabel string, series ...Series) error {
	p, err := newPlot(title, ylabel, series)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(
		vgimg.UseWH(widthPx*vg.Inch/dpi, heightPx*vg.Inch/dpi), vgimg.UseDPI(dpi))}
	m := margin * vg.Inch / dpi
	p.Draw(draw.Crop(draw.New(c), m, -m, m, -m))

	f, err := atomicfile.Create(path, true)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := c.WriteTo(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

func newPlot(title, ylabel string, series []Series) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, errors.New("no series")
	}
	pts := make([]plotter.XYs, len(series))
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("series %q: %d x values but %d y values", s.Name, len(s.X), len(s.Y))
		}
		for j, x := range s.X {
			y := s.Y[j]
			if !finite(x) || !finite(y) {
				continue
			}
			pts[i] = append(pts[i], plotter.XY{X: x, Y: y})
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
		if len(pts[i]) == 0 {
			return nil, fmt.Errorf("series %q: no finite point", s.Name)
		}
	}

	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	if ymin > 0 && ymax > logRatio*ymin {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	for i, s := range series {
		var thumbs []plot.Thumbnailer
		if len(pts[i]) > 1 {
			l, err := plotter.NewLine(pts[i])
			if err != nil {
				return nil, fmt.Errorf("series %q: %w", s.Name, err)
			}
			l.Color = plotutil.Color(i)
			l.Width = vg.Points(1.5)
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		if len(pts[i]) <= markAtMost {
			sc, err := plotter.NewScatter(pts[i])
			if err != nil {
				return nil, fmt.Errorf("series %q: %w", s.Name, err)
			}
			sc.Color = plotutil.Color(i)
			sc.Shape = plotutil.Shape(i)
			sc.Radius = vg.Points(2.5)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		p.Legend.Add(s.Name, thumbs...)
	}
	return p, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// logTicks mark 1 to 9 times each power of ten, labelling 1, 2 and 5 so that
// a range of one or two decades gets several labels. (plot.LogTicks labels
// only powers of ten, and misses those below a minimum under 1.)
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
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
