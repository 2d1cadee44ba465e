package figure

import (
	"fmt"
	"image"
	"image/color"
	imagedraw "image/draw"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/zoo"
)

// codeGrid returns the side x side 2-D codes over the box b, row by row
// from the top (largest z2) to the bottom, z1 increasing along a row.
func codeGrid(b box, side int) []float32 {
	v1, v2 := linspace(b.lo[0], b.hi[0], side), linspace(b.lo[1], b.hi[1], side)
	z := make([]float32, 0, 2*side*side)
	for r := range side {
		for c := range side {
			z = append(z, float32(v1[c]), float32(v2[side-1-r]))
		}
	}
	return z
}

// A box is a rectangle of the 2-D code plane: [lo[0], hi[0]] x [lo[1], hi[1]].
type box struct{ lo, hi [2]float64 }

// square returns the box [lo, hi]^2.
func square(lo, hi float64) box { return box{[2]float64{lo, lo}, [2]float64{hi, hi}} }

// String writes the box as [lo, hi]^2 when its sides are the same
// interval, else as [lo1, hi1] x [lo2, hi2].
func (b box) String() string {
	if b.lo[0] == b.lo[1] && b.hi[0] == b.hi[1] {
		return fmt.Sprintf("[%.3g, %.3g]^2", b.lo[0], b.hi[0])
	}
	return fmt.Sprintf("[%.3g, %.3g] x [%.3g, %.3g]", b.lo[0], b.hi[0], b.lo[1], b.hi[1])
}

// A plane is the decoded grid of 2-D codes of latent-grid and class-map:
// side x side codes over a box (from says where its range came from, for
// the title) and their decodings.
type plane struct {
	side int
	box  box
	from string
	dec  []float32
}

// decodePlane decodes the opt.Side x opt.Side grid (def by default) of 2-D
// codes over gridRange with m.Decoder.
func decodePlane(fig string, m *Model, d *Data, opt Options, def int) (*plane, error) {
	side, err := gridSide(fig, opt, def)
	if err != nil {
		return nil, err
	}
	b, from, err := gridRange(fig, m, d, opt)
	if err != nil {
		return nil, err
	}
	dec, err := m.decode(codeGrid(b, side), side*side)
	if err != nil {
		return nil, err
	}
	return &plane{side: side, box: b, from: from, dec: dec}, nil
}

// extent returns the plot coordinates of the plane's edges: half a step
// beyond the outer codes, on each axis.
func (p *plane) extent() box {
	var e box
	for a := range 2 {
		step := (p.box.hi[a] - p.box.lo[a]) / float64(p.side-1)
		e.lo[a], e.hi[a] = p.box.lo[a]-step/2, p.box.hi[a]+step/2
	}
	return e
}

// gridRange returns the code box of latent-grid and class-map: opt.Range
// on both axes, or on each axis the 1st to 99th percentile of the codes of
// d (of the embedded set when d is nil, see codeData) when m can encode
// them (a ReLU code may span [0, 19] on one axis and [0, 100] on the
// other), or [-1, 1]^2.
func gridRange(fig string, m *Model, d *Data, opt Options) (b box, from string, err error) {
	if opt.Range != [2]float64{} {
		lo, hi := opt.Range[0], opt.Range[1]
		return square(lo, hi), "", checkRange(fig, lo, hi)
	}
	if d, err = codeData(m, d); err != nil {
		return b, "", fmt.Errorf("%s: %w", fig, err)
	}
	if d == nil {
		return square(-1, 1), "", nil
	}
	if _, _, _, err := d.check(fig, m, false); err != nil {
		return b, "", err
	}
	z, err := m.codes(d)
	if err != nil {
		return b, "", err
	}
	return axisRanges(z), fmt.Sprintf(" (1st to 99th percentile of the codes of %s)", d.Name), nil
}

// axisRanges returns the box from the 1st to the 99th percentile of each
// value of the 2-D codes z.
func axisRanges(z []float32) box {
	var b box
	for a := range 2 {
		v := make([]float32, 0, len(z))
		for i := a; i < len(z); i += 2 {
			v = append(v, z[i], z[i]) // codeRange reads pairs
		}
		b.lo[a], b.hi[a] = codeRange(Options{}, v)
	}
	return b
}

// gridSide returns opt.Side or def, checked.
func gridSide(fig string, opt Options, def int) (int, error) {
	n := opt.Side
	if n == 0 {
		n = def
	}
	if n < 2 || n > 256 {
		return 0, fmt.Errorf("%s: grid side %d; want 2 to 256", fig, n)
	}
	return n, nil
}

// LatentGrid decodes (m.Decoder) an opt.Side x opt.Side grid (default 32) of
// evenly spaced 2-D codes over opt.Range (default: the 1st to 99th
// percentile of the codes of d, or of the embedded images when d is nil
// and m encodes 28x28 images (see codeData), else [-1, 1]) and draws the
// images on the code axes. The code must have two values.
func LatentGrid(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "latent-grid"
	if _, err := prepare(fig, m, d, opt, 0); err != nil {
		return nil, err
	}
	c, h, w, err := m.dims(fig)
	if err != nil {
		return nil, err
	}
	pl, err := decodePlane(fig, m, d, opt, 32)
	if err != nil {
		return nil, err
	}
	side := pl.side
	big := image.NewRGBA(image.Rect(0, 0, side*w, side*h))
	for i, im := range images(pl.dec, side*side, c, h, w) {
		r, col := i/side, i%side
		imagedraw.Draw(big, image.Rect(col*w, r*h, (col+1)*w, (r+1)*h), im, image.Point{}, imagedraw.Src)
	}
	title := opt.title(fmt.Sprintf("%s: %dx%d codes over %v%s, decoded", m.name(), side, side, pl.box, pl.from))
	p := newPlot(title, "z1", "z2")
	e := pl.extent()
	p.Add(plotter.NewImage(big, e.lo[0], e.lo[1], e.hi[0], e.hi[1]))
	return done(fig, title, renderPlots(scatterW, scatterH, p), fmt.Sprintf("code range %v, %d steps per axis", pl.box, side)), nil
}

// ClassMap decodes (m.Decoder) an opt.Side x opt.Side grid (default 64) of 2-D
// codes over opt.Range (default as LatentGrid's), classifies each image
// with opt.Classifier, and colours the code plane by class, with the codes
// of (up to 2,000 images of) d on top, coloured by their labels when known.
func ClassMap(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "class-map"
	if _, err := prepare(fig, m, d, opt, 0); err != nil {
		return nil, err
	}
	cl := opt.Classifier
	if err := cl.classifies(fig, m); err != nil {
		return nil, err
	}
	pl, err := decodePlane(fig, m, d, opt, 64)
	if err != nil {
		return nil, err
	}
	side := pl.side
	logits, err := runAll("classify with "+cl.name(), cl.Whole, pl.dec, side*side, cl.inputLen(), cl.Classes)
	if err != nil {
		return nil, err
	}
	img, count := classImage(logits, side, cl.Classes)
	title := opt.title(fmt.Sprintf("%s: %dx%d decoded codes over %v%s, classified by %s", m.name(), side, side, pl.box, pl.from, cl.name()))
	p := newPlot(title, "z1", "z2")
	e := pl.extent()
	p.Add(plotter.NewImage(img, e.lo[0], e.lo[1], e.hi[0], e.hi[1]))
	names := cl.ClassNames
	if names == nil && d != nil {
		names = d.ClassNames
	}
	var notes []string
	for k, n := range count {
		if n > 0 {
			c := classColor(k)
			p.Legend.Add(fmt.Sprintf("%s (%.0f%%)", className(names, k), 100*float64(n)/float64(side*side)), swatch(c))
			notes = append(notes, fmt.Sprintf("class %s: %.1f%% of the grid", className(names, k), 100*float64(n)/float64(side*side)))
		}
	}
	p.Legend.Top = true
	if d != nil && m.Encoder != nil {
		note, err := codesOver(p, m, d, names)
		if err != nil {
			return nil, err
		}
		notes = append(notes, note)
	}
	p.X.Min, p.X.Max = e.lo[0], e.hi[0]
	p.Y.Min, p.Y.Max = e.lo[1], e.hi[1]
	return done(fig, title, renderLegendBeside(mapW, mapH, p), notes...), nil
}

// classifies checks that m is a classifier of the images dec decodes.
func (m *Model) classifies(fig string, dec *Model) error {
	if m.Task != "" && m.Task != zoo.Classify {
		return fmt.Errorf("%s: model %s has task %s, want a classifier", fig, m.name(), m.Task)
	}
	if m.inputLen() != dec.inputLen() {
		return fmt.Errorf("%s: classifier %s takes inputs of shape %v, the decoder of %s makes %v", fig, m.name(), m.Input, dec.name(), dec.Input)
	}
	if m.Classes < 1 {
		return fmt.Errorf("%s: classifier %s has no class count", fig, m.name())
	}
	return nil
}

// classImage colours the side x side cells of a grid by the class of
// largest logit (in a light shade of its colour, px x px pixels each), and
// counts the cells of each of the classes.
func classImage(logits []float32, side, classes int) (*image.RGBA, []int) {
	const px = 8 // each grid cell becomes px x px pixels
	img := image.NewRGBA(image.Rect(0, 0, side*px, side*px))
	count := make([]int, classes)
	for i := range side * side {
		k := analysis.Argmax(logits[i*classes : (i+1)*classes])
		count[k]++
		col := classColor(k)
		light := color.RGBA{uint8((int(col.R) + 255) / 2), uint8((int(col.G) + 255) / 2), uint8((int(col.B) + 255) / 2), 255}
		r, c := i/side, i%side
		imagedraw.Draw(img, image.Rect(c*px, r*px, (c+1)*px, (r+1)*px), image.NewUniform(light), image.Point{}, imagedraw.Src)
	}
	return img, count
}

// codesOver draws the 2-D codes of the first images of d (up to
// maxScatter), coloured by label, over the class map p, and returns the
// note that says so.
func codesOver(p *plot.Plot, m *Model, d *Data, names []string) (string, error) {
	n := min(d.N, maxScatter)
	zd, err := m.encode(d.X[:n*m.inputLen()], n)
	if err != nil {
		return "", err
	}
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range n {
		xs[i], ys[i] = float64(zd[2*i]), float64(zd[2*i+1])
	}
	var labels []uint8
	if d.Labels != nil {
		labels = d.Labels[:n]
	}
	if err := scatterByClass(p, xs, ys, labels, names, n, true); err != nil {
		return "", err
	}
	return fmt.Sprintf("dots: codes of the first %d images of %s, coloured by label", n, d.Name), nil
}
