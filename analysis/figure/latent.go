package figure

import (
	"fmt"
	"image"
	"math"

	"github.com/zoo-ml/zoo/analysis"
)

// Interpolate draws, for two images x and x' of d (opt.Index[0:2]), the
// decoding of (1-a) f(x) + a f(x') for opt.Steps steps of a from 0 to 1 (m's
// Encoder and Decoder), over the pixel-space blend (1-a) x + a x'.
func Interpolate(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "interpolate"
	f, err := prepare(fig, m, d, opt, 0)
	if err != nil {
		return nil, err
	}
	c, h, w := f.c, f.h, f.w
	var a, b int
	switch {
	case len(opt.Index) >= 2:
		a, b = opt.Index[0], opt.Index[1]
	case len(opt.Index) == 1:
		return nil, fmt.Errorf("%s: give two images to blend, not one (index %d)", fig, opt.Index[0])
	default:
		if d.N < 2 {
			return nil, notApplicable(fig, "data %s has fewer than two images", d.Name)
		}
		a, b = 0, 1
		for i := 1; i < d.N && d.Labels != nil; i++ {
			if d.Labels[i] != d.Labels[0] {
				b = i
				break
			}
		}
	}
	steps := opt.Steps
	if steps == 0 {
		steps = 10
	}
	if steps < 2 || steps > 64 {
		return nil, fmt.Errorf("%s: %d steps; want 2 to 64", fig, steps)
	}
	dim := m.inputLen()
	ends := append(append([]float32(nil), d.row(a)...), d.row(b)...)
	z, err := m.encode(ends, 2)
	if err != nil {
		return nil, err
	}
	alphas := linspace(0, 1, steps)
	codes := make([]float32, 0, steps*m.Code)
	pixels := make([]float32, 0, steps*dim)
	for _, al := range alphas {
		for j := range m.Code {
			codes = append(codes, float32((1-al)*float64(z[j])+al*float64(z[m.Code+j])))
		}
		for j := range dim {
			pixels = append(pixels, float32((1-al)*float64(ends[j])+al*float64(ends[dim+j])))
		}
	}
	dec, err := m.decode(codes, steps)
	if err != nil {
		return nil, err
	}
	s := section{rows: []string{"code space", "pixel space"}, cells: [][]image.Image{images(dec, steps, c, h, w), images(pixels, steps, c, h, w)}}
	for _, al := range alphas {
		s.cols = append(s.cols, fmt.Sprintf("a=%.2f", al))
	}
	title := opt.title(fmt.Sprintf("%s: from image %s to image %s of %s, decoded (1-a) f(x) + a f(x') over (1-a) x + a x'", m.name(), itemLabel(d, a), itemLabel(d, b), d.Name))
	return done(fig, title, grid(title, []section{s})), nil
}

// latentPCA returns the mean of the n codes z of dim values, the top k
// eigenvalues of their covariance (divisor n-1) and the eigenvectors, row
// by row.
func latentPCA(z []float32, n, dim, k int) (mean, values []float64, vectors [][]float64, err error) {
	p, err := analysis.FitPCA(z, n, dim, k)
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range k {
		vectors = append(vectors, p.Component(i))
	}
	return p.Mean(), p.ExplainedVariance(), vectors, nil
}

// traverse returns the codes mean + sum_k t[k]*sqrt(values[k])*vectors[k].
func traverse(mean []float64, values []float64, vectors [][]float64, t ...float64) []float32 {
	out := make([]float32, len(mean))
	for j := range mean {
		v := mean[j]
		for k, tk := range t {
			v += tk * math.Sqrt(values[k]) * vectors[k][j]
		}
		out[j] = float32(v)
	}
	return out
}

// pcaSteps are the 11 multiples of the standard deviation latent-pca steps
// along each direction, over opt.Range (default [-2, 2]).
func pcaSteps(opt Options) ([]float64, error) {
	lo, hi := -2.0, 2.0
	if opt.Range != [2]float64{} {
		lo, hi = opt.Range[0], opt.Range[1]
		if err := checkRange("latent-pca", lo, hi); err != nil {
			return nil, err
		}
	}
	return linspace(lo, hi, 11), nil
}

// LatentPCA fits the mean and covariance of the codes of d, takes its
// eigen-decomposition (eigenvalues l1 >= l2 >= ..., eigenvectors q1, q2,
// ...), and draws the decodings of mean + i*sqrt(l1)*q1 + j*sqrt(l2)*q2
// for 11 values of i and of j evenly spaced over opt.Range (default -2 to
// 2 standard deviations), and one row per each of the top 10 components
// (fewer for smaller codes) of mean + t*sqrt(lk)*qk for the same 11 t.
func LatentPCA(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "latent-pca"
	f, err := prepare(fig, m, d, opt, 0)
	if err != nil {
		return nil, err
	}
	c, h, w := f.c, f.h, f.w
	if d.N < 2 {
		return nil, notApplicable(fig, "data %s has fewer than two images", d.Name)
	}
	steps, err := pcaSteps(opt)
	if err != nil {
		return nil, err
	}
	z, err := m.codes(d)
	if err != nil {
		return nil, err
	}
	k := min(10, m.Code, d.N)
	mean, values, vectors, err := latentPCA(z, d.N, m.Code, k)
	if err != nil {
		return nil, fmt.Errorf("%s: codes of %s: %w", fig, d.Name, err)
	}
	var codes []float32
	for _, i := range steps { // rows: i along q1, top to bottom
		for _, j := range steps { // columns: j along q2
			codes = append(codes, traverse(mean, values, vectors, i, j)...)
		}
	}
	for comp := range k {
		for _, t := range steps {
			tk := make([]float64, comp+1)
			tk[comp] = t
			codes = append(codes, traverse(mean, values, vectors, tk...)...)
		}
	}
	n := len(codes) / m.Code
	dec, err := m.decode(codes, n)
	if err != nil {
		return nil, err
	}
	ims := images(dec, n, c, h, w)
	var cols []string
	for _, t := range steps {
		cols = append(cols, fmt.Sprintf("%+.1f", t))
	}
	g := section{title: "mean + i sqrt(l1) q1 + j sqrt(l2) q2 (rows: i, columns: j)", cols: cols}
	for r, i := range steps {
		g.rows = append(g.rows, fmt.Sprintf("i=%+.1f", i))
		g.cells = append(g.cells, ims[r*11:(r+1)*11])
	}
	var total float64
	for _, v := range values {
		total += v
	}
	comps := section{title: "mean + t sqrt(lk) qk, one row per principal direction (columns: t)", cols: cols}
	for comp := range k {
		comps.rows = append(comps.rows, fmt.Sprintf("q%d (l=%.3g)", comp+1, values[comp]))
		comps.cells = append(comps.cells, ims[(11+comp)*11:(12+comp)*11])
	}
	title := opt.title(fmt.Sprintf("%s: decoded traversals of the principal directions of the %d-D codes of %s", m.name(), m.Code, d.Name))
	var notes []string
	for comp, v := range values {
		notes = append(notes, fmt.Sprintf("l%d = %.6g", comp+1, v))
	}
	return done(fig, title, grid(title, []section{g, comps}), notes...), nil
}

// ClassMeans draws, for each class of d, the decoding of the mean code of
// its images under its mean image.
func ClassMeans(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "class-means"
	f, err := prepare(fig, m, d, opt, 0)
	if err != nil {
		return nil, err
	}
	c, h, w := f.c, f.h, f.w
	z, err := m.codes(d)
	if err != nil {
		return nil, err
	}
	k, dim := d.classes(), m.inputLen()
	meanX := make([]float64, k*dim)
	meanZ := make([]float64, k*m.Code)
	counts := make([]int, k)
	for i, l := range d.Labels {
		counts[l]++
		for j, v := range d.row(i) {
			meanX[int(l)*dim+j] += float64(v)
		}
		for j, v := range z[i*m.Code : (i+1)*m.Code] {
			meanZ[int(l)*m.Code+j] += float64(v)
		}
	}
	var classes []int
	var xs, zs []float32
	for l := range k {
		if counts[l] == 0 {
			continue
		}
		classes = append(classes, l)
		for _, v := range meanX[l*dim : (l+1)*dim] {
			xs = append(xs, float32(v/float64(counts[l])))
		}
		for _, v := range meanZ[l*m.Code : (l+1)*m.Code] {
			zs = append(zs, float32(v/float64(counts[l])))
		}
	}
	dec, err := m.decode(zs, len(classes))
	if err != nil {
		return nil, err
	}
	s := section{rows: []string{"mean image", "decoded mean code"}, cells: [][]image.Image{images(xs, len(classes), c, h, w), images(dec, len(classes), c, h, w)}}
	for _, l := range classes {
		s.cols = append(s.cols, fmt.Sprintf("%s (%d)", d.className(l), counts[l]))
	}
	title := opt.title(fmt.Sprintf("%s: mean code of each class of %s, decoded", m.name(), d.Name))
	return done(fig, title, grid(title, []section{s})), nil
}
