package figure

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zoo-ml/zoo/analysis"
)

// LatentScatter plots the codes (m.Encoder) of the images of d, coloured by
// label. Codes of more than two values are projected on their first two
// principal components, and the title and axes say so.
func LatentScatter(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "latent-scatter"
	if _, err := prepare(fig, m, d, opt, 0); err != nil {
		return nil, err
	}
	z, err := m.codes(d)
	if err != nil {
		return nil, err
	}
	xs, ys := make([]float64, d.N), make([]float64, d.N)
	xl, yl := "z1", "z2"
	title := fmt.Sprintf("%s: 2-D codes of %s (%d images)", m.name(), d.Name, d.N)
	var notes []string
	if m.Code == 2 {
		for i := range d.N {
			xs[i], ys[i] = float64(z[2*i]), float64(z[2*i+1])
		}
	} else {
		p, err := analysis.FitPCA(z, d.N, m.Code, 2)
		if err != nil {
			return nil, fmt.Errorf("%s: codes of %s: %w", fig, d.Name, err)
		}
		proj, err := p.Transform(analysis.Float64s(z), d.N)
		if err != nil {
			return nil, err
		}
		for i := range d.N {
			xs[i], ys[i] = proj[2*i], proj[2*i+1]
		}
		r := p.ExplainedVarianceRatio()
		xl = fmt.Sprintf("PC1 (%.1f%% of the variance)", 100*r[0])
		yl = fmt.Sprintf("PC2 (%.1f%% of the variance)", 100*r[1])
		title = fmt.Sprintf("%s: %d-D codes of %s projected on their first 2 principal components", m.name(), m.Code, d.Name)
		notes = append(notes, fmt.Sprintf("%d-D codes projected on their first two principal components, which explain %.1f%% and %.1f%% of their variance", m.Code, 100*r[0], 100*r[1]))
	}
	p := newPlot(opt.title(title), xl, yl)
	if err := scatterByClass(p, xs, ys, d.Labels, d.ClassNames, d.N, false); err != nil {
		return nil, err
	}
	return done(fig, oneLine(p.Title.Text), renderLegendBeside(scatterW, scatterH, p), notes...), nil
}

// scatterByClass adds the first n points, one scatter per class with a
// legend entry (one unnamed scatter without labels). Outlined points (over
// a class map) get a black rim and no legend entries.
func scatterByClass(p *plot.Plot, xs, ys []float64, labels []uint8, names []string, n int, outline bool) error {
	groups := map[int]plotter.XYs{}
	k := 0
	for i := range n {
		l := 0
		if labels != nil {
			l = int(labels[i])
			k = max(k, l+1)
		}
		groups[l] = append(groups[l], plotter.XY{X: xs[i], Y: ys[i]})
	}
	if labels == nil {
		k = 1
	}
	for l := range k {
		pts := groups[l]
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		s.GlyphStyle.Radius = vg.Points(1.6)
		s.GlyphStyle.Color = classColor(l)
		if labels == nil {
			s.GlyphStyle.Color = color.RGBA{31, 119, 180, 255}
		}
		if outline {
			s.GlyphStyle.Shape = outlined{}
			s.GlyphStyle.Radius = vg.Points(2.2)
		}
		p.Add(s)
		if labels != nil && !outline { // a class map's legend names the classes already
			p.Legend.Add(className(names, l), s)
		}
	}
	p.Legend.Top = true
	return nil
}

// outlined is a filled circle with a black rim.
type outlined struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (outlined) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	draw.CircleGlyph{}.DrawGlyph(c, sty, pt)
	c.SetLineStyle(draw.LineStyle{Color: color.Black, Width: vg.Points(0.4)})
	draw.RingGlyph{}.DrawGlyph(c, sty, pt)
}
