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

// codeGrid returns the side x side 2-D codes over [lo, hi]^2, row by row
// from the top (largest z2) to the bottom, z1 increasing along a row.
func codeGrid(lo, hi float64, side int) []float32 {
	v := linspace(lo, hi, side)
	z := make([]float32, 0, 2*side*side)
	for r := range side {
		for c := range side {
			z = append(z, float32(v[c]), float32(v[side-1-r]))
		}
	}
	return z
}

// A plane is the decoded grid of 2-D codes of latent-grid and class-map:
// side x side codes over [lo, hi]^2 (from says where the range came from,
// for the title) and their decodings.
type plane struct {
	side   int
	lo, hi float64
	from   string
	dec    []float32
}

// decodePlane decodes the opt.Side x opt.Side grid (def by default) of 2-D
// codes over gridRange with m.Decoder.
func decodePlane(fig string, m *Model, d *Data, opt Options, def int) (*plane, error) {
	side, err := gridSide(fig, opt, def)
	if err != nil {
		return nil, err
	}
	lo, hi, from, err := gridRange(fig, m, d, opt)
	if err != nil {
		return nil, err
	}
	dec, err := m.decode(codeGrid(lo, hi, side), side*side)
	if err != nil {
		return nil, err
	}
	return &plane{side: side, lo: lo, hi: hi, from: from, dec: dec}, nil
}

// extent returns the plot coordinates of the plane's edges: half a step
// beyond the outer codes.
func (p *plane) extent() (lo, hi float64) {
	step := (p.hi - p.lo) / float64(p.side-1)
	return p.lo - step/2, p.hi + step/2
}

// gridRange returns the code range of latent-grid and class-map: opt.Range,
// or from the codes of d (of the embedded set when d is nil, see
// codeData) when m can encode them, or [-1, 1].
func gridRange(fig string, m *Model, d *Data, opt Options) (lo, hi float64, from string, err error) {
	if opt.Range != [2]float64{} {
		lo, hi = opt.Range[0], opt.Range[1]
		return lo, hi, "", checkRange(fig, lo, hi)
	}
	if d, err = codeData(m, d); err != nil {
		return 0, 0, "", fmt.Errorf("%s: %w", fig, err)
	}
	if d == nil {
		return -1, 1, "", nil
	}
	if _, _, _, err := d.check(fig, m, false); err != nil {
		return 0, 0, "", err
	}
	z, err := m.codes(d)
	if err != nil {
		return 0, 0, "", err
	}
	lo, hi = codeRange(opt, z)
	return lo, hi, fmt.Sprintf(" (1st to 99th percentile of the codes of %s)", d.Name), nil
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
	title := opt.title(fmt.Sprintf("%s: %dx%d codes over [%.3g, %.3g]^2%s, decoded", m.name(), side, side, pl.lo, pl.hi, pl.from))
	p := newPlot(title, "z1", "z2")
	lo, hi := pl.extent()
	p.Add(plotter.NewImage(big, lo, lo, hi, hi))
	return done(fig, title, renderPlots(scatterW, scatterH, p), fmt.Sprintf("code range [%g, %g], %d steps per axis", pl.lo, pl.hi, side)), nil
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
	title := opt.title(fmt.Sprintf("%s: %dx%d decoded codes over [%.3g, %.3g]^2%s, classified by %s", m.name(), side, side, pl.lo, pl.hi, pl.from, cl.name()))
	p := newPlot(title, "z1", "z2")
	lo, hi := pl.extent()
	p.Add(plotter.NewImage(img, lo, lo, hi, hi))
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
	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = lo, hi
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
