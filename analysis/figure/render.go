package figure

import (
	"fmt"
	"image"
	"image/color"
	imagedraw "image/draw"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Layout of the image grids, in pixels (text is drawn at 72 dpi, so one
// point is one pixel).
const (
	titleH    = 34 // title bar
	subtitleH = 24 // a section's subtitle
	headH     = 18 // column labels
	gap       = 4  // between cells
	pad       = 10 // around everything
	cellMin   = 56 // cells are scaled up by a whole factor to at least this
	labelMinW = 60 // narrowest row-label column
)

// imageDims returns the channels, height and width of items of the given
// shape: [H, W], [C, H, W] with C 1 or 3, or a flat [D] with D a square or
// three times a square (3072 is a 3x32x32 CIFAR image).
func imageDims(shape []int) (c, h, w int, ok bool) {
	switch len(shape) {
	case 2:
		return 1, shape[0], shape[1], shape[0] > 0 && shape[1] > 0
	case 3:
		return shape[0], shape[1], shape[2], (shape[0] == 1 || shape[0] == 3) && shape[1] > 0 && shape[2] > 0
	case 1:
		if s := isqrt(shape[0]); s > 0 && s*s == shape[0] {
			return 1, s, s, true
		}
		if shape[0]%3 == 0 {
			if s := isqrt(shape[0] / 3); s > 0 && 3*s*s == shape[0] {
				return 3, s, s, true
			}
		}
	}
	return 0, 0, 0, false
}

func isqrt(n int) int {
	if n <= 0 {
		return 0
	}
	s := int(math.Sqrt(float64(n)))
	for s*s > n {
		s--
	}
	for (s+1)*(s+1) <= n {
		s++
	}
	return s
}

// checkImages returns the image dims of shape, or an error saying that
// items of this shape (from what) are not images.
func checkImages(what string, shape []int) (c, h, w int, err error) {
	c, h, w, ok := imageDims(shape)
	if !ok {
		return 0, 0, 0, fmt.Errorf("%s: items of shape %v are not images ([H, W], [1 or 3, H, W], or a square number of values): %w", what, shape, ErrNotApplicable)
	}
	return c, h, w, nil
}

// toImage renders v, c x h x w values in [0, 1] (clamped; NaN is black),
// as a gray (c = 1) or RGB (c = 3, planar) image.
func toImage(v []float32, c, h, w int) image.Image {
	if c == 3 {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				i := y*w + x
				img.SetRGBA(x, y, color.RGBA{byteOf(v[i]), byteOf(v[h*w+i]), byteOf(v[2*h*w+i]), 255})
			}
		}
		return img
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range h * w {
		img.Pix[i] = byteOf(v[i])
	}
	return img
}

// byteOf maps [0, 1] to 0..255, clamping; NaN is 0.
func byteOf(v float32) uint8 {
	f := float64(v)
	if f != f {
		return 0
	}
	return uint8(math.Round(255 * math.Min(1, math.Max(0, f))))
}

// images renders the n items of x (c x h x w values each).
func images(x []float32, n, c, h, w int) []image.Image {
	d := c * h * w
	out := make([]image.Image, n)
	for i := range n {
		out[i] = toImage(x[i*d:(i+1)*d], c, h, w)
	}
	return out
}

// normalized returns v scaled linearly so that its minimum is 0 and its
// maximum 1 (all 0.5 when constant), for weights and activations.
func normalized(v []float32) []float32 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, float64(x)), math.Max(hi, float64(x))
	}
	out := make([]float32, len(v))
	for i, x := range v {
		if hi > lo {
			out[i] = float32((float64(x) - lo) / (hi - lo))
		} else {
			out[i] = 0.5
		}
	}
	return out
}

// A section is one block of a grid figure: an optional subtitle, column
// labels, and rows of cells, each row with a label on the left.
type section struct {
	title string
	cols  []string // labels above the columns; nil for none
	rows  []string // labels left of the rows
	cells [][]image.Image
}

// textStyle returns the figures' text style at size points.
func textStyle(size vg.Length) draw.TextStyle {
	return draw.TextStyle{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, size),
		Handler: plot.DefaultTextHandler,
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
	}
}

// grid renders a figure of sections under a title. Every cell of a section
// is drawn scaled up by the same whole factor (to at least cellMin pixels
// where the images are smaller), left-aligned in columns.
func grid(title string, secs []section) image.Image {
	label := textStyle(12)
	labelW := labelMinW
	for _, s := range secs {
		for _, r := range s.rows {
			labelW = max(labelW, int(math.Ceil(float64(label.Width(r))))+pad+10)
		}
	}
	type geom struct{ cw, ch, pw, top int }
	geoms := make([]geom, len(secs))
	width := labelW
	height := pad + titleH
	for i, s := range secs {
		cw, ch := 1, 1
		for _, row := range s.cells {
			for _, im := range row {
				if im != nil {
					cw, ch = max(cw, im.Bounds().Dx()), max(ch, im.Bounds().Dy())
				}
			}
		}
		k := max(1, (cellMin+max(cw, ch)-1)/max(cw, ch))
		g := geom{cw: cw * k, ch: ch * k}
		g.pw = colPitch(s, g.cw)
		if s.title != "" {
			height += subtitleH
		}
		if s.cols != nil {
			height += headH
		}
		g.top = height
		height += len(s.cells)*(g.ch+gap) + gap
		ncol := len(s.cols)
		for _, row := range s.cells {
			ncol = max(ncol, len(row))
		}
		width = max(width, labelW+ncol*(g.pw+gap))
		geoms[i] = g
	}
	width += pad
	height += pad
	titleSty := textStyle(16)
	width = max(width, int(math.Ceil(float64(titleSty.Width(title))))+2*pad)

	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(width), vg.Length(height)), vgimg.UseDPI(72))
	dc := draw.New(cv)
	pt := func(x, y int) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(height - y)} }
	dc.FillText(titleSty, pt(width/2, pad+titleH/2), title)
	for i, s := range secs {
		g := geoms[i]
		y := g.top
		if s.cols != nil {
			y -= headH
		}
		if s.title != "" {
			sub := textStyle(13)
			sub.XAlign = draw.XLeft
			dc.FillText(sub, pt(pad, y-subtitleH/2), s.title)
		}
		small := textStyle(10)
		for c, name := range s.cols {
			dc.FillText(small, pt(labelW+c*(g.pw+gap)+g.pw/2, g.top-headH/2), name)
		}
		left := label
		left.XAlign = draw.XLeft
		for r, name := range s.rows {
			dc.FillText(left, pt(pad, g.top+gap+r*(g.ch+gap)+g.ch/2), name)
		}
	}
	canvas := cv.Image()
	for i, s := range secs {
		g := geoms[i]
		for r, row := range s.cells {
			for c, im := range row {
				if im == nil {
					continue
				}
				b := im.Bounds()
				k := min(g.cw/b.Dx(), g.ch/b.Dy())
				x0 := labelW + c*(g.pw+gap) + (g.pw-k*b.Dx())/2
				y0 := g.top + gap + r*(g.ch+gap) + (g.ch-k*b.Dy())/2
				blitScaled(canvas, im, x0, y0, k)
			}
		}
	}
	return canvas
}

// colPitch returns the width of the columns of section s whose cells are
// cw pixels wide: cw, or more where a column label is wider, so that labels
// such as "T-shirt/top #2589" do not run into each other.
func colPitch(s section, cw int) int {
	small := textStyle(10)
	w := cw
	for _, name := range s.cols {
		w = max(w, int(math.Ceil(float64(small.Width(name))))+colLabelGap)
	}
	return w
}

// colLabelGap is the least space between two column labels, in pixels.
const colLabelGap = 6

// blitScaled draws im at (x0, y0) of dst, each pixel as a k x k square.
func blitScaled(dst imagedraw.Image, im image.Image, x0, y0, k int) {
	b := im.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			col := im.At(x, y)
			r := image.Rect(x0+(x-b.Min.X)*k, y0+(y-b.Min.Y)*k, x0+(x-b.Min.X+1)*k, y0+(y-b.Min.Y+1)*k)
			imagedraw.Draw(dst, r, image.NewUniform(col), image.Point{}, imagedraw.Src)
		}
	}
}

// Plot figures' sizes in pixels, drawn at 96 dpi.
const plotDPI = 96

// renderPlots draws plots side by side in a canvas of width x height
// pixels (each plot gets an equal share of the width) and returns the
// image.
func renderPlots(width, height int, plots ...*plot.Plot) image.Image {
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(width)*vg.Inch/plotDPI, vg.Length(height)*vg.Inch/plotDPI), vgimg.UseDPI(plotDPI))
	dc := draw.New(cv)
	m := vg.Length(pad) * vg.Inch / plotDPI
	dc = draw.Crop(dc, m, -m, m, -m)
	if len(plots) == 1 {
		plots[0].Draw(dc)
	} else {
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Length(4 * pad)}
		for i, p := range plots {
			p.Draw(tiles.At(dc, i, 0))
		}
	}
	return cv.Image()
}

// legendGap is the space between a plot and the legend beside it, in
// points.
const legendGap = 10

// renderLegendBeside draws p in a canvas of width x height pixels with its
// legend (when it has entries) in a column to the right of the plot, level
// with the top of the data area, where it covers no point.
func renderLegendBeside(width, height int, p *plot.Plot) image.Image {
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(width)*vg.Inch/plotDPI, vg.Length(height)*vg.Inch/plotDPI), vgimg.UseDPI(plotDPI))
	dc := draw.New(cv)
	m := vg.Length(pad) * vg.Inch / plotDPI
	dc = draw.Crop(dc, m, -m, m, -m)
	pc, lc := legendLayout(dc, p)
	leg := p.Legend
	p.Legend = plot.NewLegend()
	p.Draw(pc)
	p.Legend = leg
	leg.Left, leg.Top, leg.XOffs, leg.YOffs = true, true, 0, 0
	leg.Draw(lc)
	return cv.Image()
}

// legendLayout splits dc into the canvas of plot p and, to its right, the
// column of its legend: as wide as its widest entry (none without
// entries), from the top of the data area down.
func legendLayout(dc draw.Canvas, p *plot.Plot) (plotC, legendC draw.Canvas) {
	r := p.Legend.Rectangle(dc)
	w := r.Max.X - r.Min.X
	if w == 0 {
		return dc, draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{Min: dc.Max, Max: dc.Max}}
	}
	plotC = draw.Crop(dc, 0, -(w + legendGap), 0, 0)
	data := p.DataCanvas(plotC)
	legendC = draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: plotC.Max.X + legendGap, Y: data.Min.Y},
		Max: vg.Point{X: dc.Max.X, Y: data.Max.Y},
	}}
	return plotC, legendC
}

// palette is matplotlib's tab10, then darker and lighter variants for more
// than ten classes.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
}

// classColor returns the colour of class k.
func classColor(k int) color.RGBA {
	c := palette[k%len(palette)]
	if round := k / len(palette); round > 0 {
		f := 1 / float64(round+1)
		c.R, c.G, c.B = uint8(float64(c.R)*f), uint8(float64(c.G)*f), uint8(float64(c.B)*f)
	}
	return c
}

// swatch is a legend thumbnail: a box filled with a colour.
type swatch color.RGBA

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(color.RGBA(s), c.ClipPolygonXY([]vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	}))
}

// className returns the name of class k: names[k] when given, else k.
func className(names []string, k int) string {
	if k < len(names) && names[k] != "" {
		return names[k]
	}
	return fmt.Sprint(k)
}

// perRow is the most images in one row of a grid figure.
const perRow = 16

// gridRows lays out images in rows of perRow (or side, when given) cells.
func gridRows(ims []image.Image, side int) section {
	if side <= 0 {
		side = perRow
	}
	var s section
	for lo := 0; lo < len(ims); lo += side {
		s.rows = append(s.rows, "")
		s.cells = append(s.cells, ims[lo:min(lo+side, len(ims))])
	}
	return s
}

// Sizes of the plot figures, in pixels.
const (
	scatterW, scatterH = 900, 800
	mapW, mapH         = 900, 800
	curveW, curveH     = 800, 500
	// curveLegendW is the room added for the legend of the curves of
	// several runs, drawn beside the plot.
	curveLegendW = 320
	// maxScatter is the most codes a class map draws over its colours.
	maxScatter = 2000
)

// titleWidth is the most characters of a plot title's line: a longer
// title is broken into lines (class-map's 120 characters ran past both
// sides of its 900-pixel image).
const titleWidth = 84

// wrapTitle breaks s at spaces into lines of at most width characters (a
// word longer than width has a line of its own).
func wrapTitle(s string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return strings.Join(append(lines, line), "\n")
}

// oneLine returns a title that wrapTitle broke as one line again.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// newPlot returns a plot with a title, broken into lines of titleWidth,
// and axis labels.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = wrapTitle(title, titleWidth)
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	return p
}
