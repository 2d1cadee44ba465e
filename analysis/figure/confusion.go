package figure

import (
	"fmt"
	"image"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zoo-ml/zoo/analysis"
)

// Layout of the confusion matrix figure, in pixels.
const (
	confCell   = 44  // side of a cell
	confLeft   = 130 // room for the true-class labels
	confTop    = 60  // title and predicted-class labels
	confBottom = 40  // axis name below
	confRight  = 20
)

// ConfusionSize returns the size in pixels of the confusion figure of a
// matrix over k classes.
func ConfusionSize(k int) (w, h int) {
	return confLeft + k*confCell + confRight, confTop + k*confCell + confBottom
}

// Confusion draws the confusion matrix c as a grid of cells, rows true
// classes and columns predicted classes, each cell shaded by the fraction of
// its row (the true class's examples) it holds, white 0 to dark blue 1, and
// labelled with its count. names, when it names every class, labels the rows
// next to the class numbers. opt.Title replaces the default title, which
// gives the accuracy.
func Confusion(c *analysis.Confusion, names []string, opt Options) (*Figure, error) {
	k := c.Classes()
	if k > 64 {
		return nil, fmt.Errorf("confusion figure: %d classes, at most 64 can be drawn: %w", k, ErrNotApplicable)
	}
	if len(names) != k {
		names = nil
	}
	title := opt.Title
	if title == "" {
		title = fmt.Sprintf("confusion matrix: %d examples, accuracy %.2f%%", c.Total(), 100*c.Accuracy())
	}
	width, height := ConfusionSize(k)
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(width), vg.Length(height)), vgimg.UseDPI(72))
	dc := draw.New(cv)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	// pt converts pixels from the top left to the canvas's points.
	pt := func(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(float64(height) - y)} }
	sty := func(size float64, c color.Color) draw.TextStyle {
		return draw.TextStyle{
			Color:   c,
			Font:    font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)},
			Handler: plot.DefaultTextHandler,
			XAlign:  draw.XCenter,
			YAlign:  draw.YCenter,
		}
	}
	dc.FillText(sty(14, color.Black), pt(float64(width)/2, 16), title)
	dc.FillText(sty(12, color.Black), pt(confLeft+float64(k*confCell)/2, 36), "predicted class")
	label := sty(12, color.Black)
	label.XAlign = draw.XLeft
	dc.FillText(label, pt(6, float64(height-confBottom/2)), "rows: true class")

	for t := range k {
		support := c.Support(t)
		y0 := float64(confTop + t*confCell)
		name := strconv.Itoa(t)
		if names != nil {
			name += " " + names[t]
		}
		rowLabel := sty(11, color.Black)
		rowLabel.XAlign = draw.XRight
		dc.FillText(rowLabel, pt(confLeft-6, y0+confCell/2), name)
		for p := range k {
			x0 := float64(confLeft + p*confCell)
			if t == 0 {
				dc.FillText(sty(11, color.Black), pt(x0+confCell/2, confTop-10), strconv.Itoa(p))
			}
			n := c.Count(t, p)
			frac := 0.0
			if support > 0 {
				frac = float64(n) / float64(support)
			}
			fill := shade(frac)
			rect := vg.Rectangle{Min: pt(x0, y0+confCell), Max: pt(x0+confCell, y0)}
			dc.SetColor(fill)
			dc.Fill(rect.Path())
			dc.SetColor(color.Gray{200})
			dc.SetLineWidth(1)
			dc.Stroke(rect.Path())
			ink := color.Color(color.Black)
			if frac > 0.5 {
				ink = color.White
			}
			dc.FillText(sty(10, ink), pt(x0+confCell/2, y0+confCell/2), strconv.FormatInt(n, 10))
		}
	}
	img := cv.Image()
	if img.Bounds() != image.Rect(0, 0, width, height) {
		return nil, fmt.Errorf("confusion figure: canvas is %v, want %dx%d", img.Bounds(), width, height)
	}
	return &Figure{Name: "confusion", Title: title, Image: img, Notes: []string{
		fmt.Sprintf("accuracy %.2f%% of %d examples; cells shaded by the share of their row", 100*c.Accuracy(), c.Total()),
	}}, nil
}

// shade returns the colour of a cell holding the fraction f of its row:
// white at 0 to dark blue at 1.
func shade(f float64) color.RGBA {
	f = min(1, max(0, f))
	lerp := func(a, b float64) uint8 { return uint8(a + (b-a)*f + 0.5) }
	return color.RGBA{lerp(255, 8), lerp(255, 48), lerp(255, 107), 255}
}
