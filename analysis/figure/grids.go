package figure

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/zoo-ml/zoo/analysis"
)

// perRow is the most images in one row of a grid figure.
const perRow = 16

// dims returns the image dims of m's inputs.
func (m *Model) dims(fig string) (c, h, w int, err error) {
	return checkImages(fig+": model "+m.name(), m.Input)
}

// itemLabel labels item i of d: "i" or "i (label)".
func itemLabel(d *Data, i int) string {
	if d.Labels != nil {
		return fmt.Sprintf("%d (%s)", i, d.className(int(d.Labels[i])))
	}
	return strconv.Itoa(i)
}

// title returns opt.Title or def.
func (opt Options) title(def string) string {
	if opt.Title != "" {
		return opt.Title
	}
	return def
}

func done(name, title string, img image.Image, notes ...string) *Figure {
	return &Figure{Name: name, Title: title, Image: img, Notes: notes}
}

// Recon draws originals over reconstructions (m.Whole) of the images
// opt.Index of d (default the first 64), in rows of up to 16.
func Recon(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "recon"
	f, err := prepare(fig, m, d, opt, 64)
	if err != nil {
		return nil, err
	}
	c, h, w, index := f.c, f.h, f.w, f.index
	x := d.pick(index)
	y, err := m.reconstruct(x, len(index))
	if err != nil {
		return nil, err
	}
	orig, rec := images(x, len(index), c, h, w), images(y, len(index), c, h, w)
	var secs []section
	for lo := 0; lo < len(index); lo += perRow {
		hi := min(lo+perRow, len(index))
		s := section{rows: []string{"original", "reconstruction"}, cells: [][]image.Image{orig[lo:hi], rec[lo:hi]}}
		for _, i := range index[lo:hi] {
			s.cols = append(s.cols, itemLabel(d, i))
		}
		secs = append(secs, s)
	}
	e := mse(x, y)
	title := opt.title(fmt.Sprintf("%s: %d images of %s and their reconstructions (MSE %.5f)", m.name(), len(index), d.Name, e))
	return done(fig, title, grid(title, secs), fmt.Sprintf("MSE per pixel of the %d images shown: %.6f", len(index), e)), nil
}

// perClass returns, for each class of d, one item chosen at random with
// seed (or -1 when the class has no item).
func perClass(d *Data, seed int64) []int {
	byClass := make([][]int, d.classes())
	for i, l := range d.Labels {
		byClass[l] = append(byClass[l], i)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	out := make([]int, len(byClass))
	for k, items := range byClass {
		out[k] = -1
		if len(items) > 0 {
			out[k] = items[rng.IntN(len(items))]
		}
	}
	return out
}

// Montage draws one image of each class of d (chosen at random with
// opt.Seed; labels needed) in a row, and under it one row of
// reconstructions per model (each model's Whole).
func Montage(models []*Model, d *Data, opt Options) (*Figure, error) {
	const fig = "montage"
	if len(models) == 0 {
		return nil, fmt.Errorf("%s: no model", fig)
	}
	var f frame
	for _, m := range models {
		var err error
		if f, err = prepare(fig, m, d, opt, 0); err != nil {
			return nil, err
		}
	}
	c, h, w := f.c, f.h, f.w
	var index, classes []int
	for k, i := range perClass(d, opt.Seed) {
		if i >= 0 {
			index, classes = append(index, i), append(classes, k)
		}
	}
	x := d.pick(index)
	s := section{rows: []string{"input"}, cells: [][]image.Image{images(x, len(index), c, h, w)}}
	for k, i := range index {
		s.cols = append(s.cols, fmt.Sprintf("%s #%d", d.className(classes[k]), i))
	}
	var names, notes []string
	for _, m := range models {
		y, err := m.reconstruct(x, len(index))
		if err != nil {
			return nil, err
		}
		e := mse(x, y)
		s.rows = append(s.rows, fmt.Sprintf("%s (MSE %.4f)", m.name(), e))
		s.cells = append(s.cells, images(y, len(index), c, h, w))
		names = append(names, m.name())
		notes = append(notes, fmt.Sprintf("%s: MSE per pixel %.6f on the images shown", m.name(), e))
	}
	title := opt.title(fmt.Sprintf("one image of each class of %s (seed %d) reconstructed by %s", d.Name, opt.Seed, strings.Join(names, ", ")))
	return done(fig, title, grid(title, []section{s}), notes...), nil
}

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

// codes encodes all of d.
func (m *Model) codes(d *Data) ([]float32, error) { return m.encode(d.X, d.N) }

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

// Sample decodes opt.Samples random codes (default 64) drawn from opt.Dist,
// seeded with opt.Seed: "normal" draws from the Gaussian with the mean and
// covariance of the codes of d (N(0, I) when d is nil), "uniform" from
// opt.Range (default the codes' 1st to 99th percentile, or [-1, 1]) in
// every dimension.
func Sample(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "sample"
	if _, err := prepare(fig, m, d, opt, 0); err != nil {
		return nil, err
	}
	c, h, w, err := m.dims(fig)
	if err != nil {
		return nil, err
	}
	n := opt.Samples
	if n == 0 {
		n = 64
	}
	if n < 1 || n > 1024 {
		return nil, fmt.Errorf("%s: %d samples; want 1 to 1024", fig, n)
	}
	var z []float32
	if d != nil && m.Encoder != nil {
		if _, _, _, err := d.check(fig, m, false); err != nil {
			return nil, err
		}
		if z, err = m.codes(d); err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x5a3b1e))
	codes := make([]float32, n*m.Code)
	var what string
	switch opt.Dist {
	case "", "normal":
		if z == nil {
			for i := range codes {
				codes[i] = float32(rng.NormFloat64())
			}
			what = "N(0, I)"
			break
		}
		mean, chol, err := gaussian(z, d.N, m.Code)
		if err != nil {
			return nil, fmt.Errorf("%s: codes of %s: %w", fig, d.Name, err)
		}
		e := make([]float64, m.Code)
		for i := range n {
			for j := range e {
				e[j] = rng.NormFloat64()
			}
			for j := range m.Code {
				v := mean[j]
				for k := 0; k <= j; k++ {
					v += chol.At(j, k) * e[k]
				}
				codes[i*m.Code+j] = float32(v)
			}
		}
		what = fmt.Sprintf("the Gaussian fitted to the codes of %s", d.Name)
	case "uniform":
		lo, hi := -1.0, 1.0
		if opt.Range != [2]float64{} || len(z) > 0 {
			lo, hi = codeRangeAll(opt, z)
		}
		if err := checkRange(fig, lo, hi); err != nil {
			return nil, err
		}
		for i := range codes {
			codes[i] = float32(lo + (hi-lo)*rng.Float64())
		}
		what = fmt.Sprintf("U(%.3g, %.3g) in each dimension", lo, hi)
	default:
		return nil, fmt.Errorf("%s: distribution %q: want normal or uniform", fig, opt.Dist)
	}
	dec, err := m.decode(codes, n)
	if err != nil {
		return nil, err
	}
	side := isqrt(n)
	if side*side != n {
		side = perRow
	}
	title := opt.title(fmt.Sprintf("%s: %d codes drawn from %s (seed %d), decoded", m.name(), n, what, opt.Seed))
	return done(fig, title, grid(title, []section{gridRows(images(dec, n, c, h, w), side)})), nil
}

// codeRangeAll is codeRange over all dimensions of the codes z.
func codeRangeAll(opt Options, z []float32) (float64, float64) {
	if opt.Range != [2]float64{} {
		return opt.Range[0], opt.Range[1]
	}
	// codeRange reads pairs; all values in one list work the same.
	v := append([]float32(nil), z...)
	if len(v)%2 == 1 {
		v = append(v, v[0])
	}
	return codeRange(opt, v)
}

// gaussian returns the mean of the n codes z of dim values and the
// Cholesky factor L (lower) of their covariance plus a small ridge.
func gaussian(z []float32, n, dim int) ([]float64, *mat.TriDense, error) {
	if n < 2 {
		return nil, nil, fmt.Errorf("%d codes: need at least 2 to fit a Gaussian", n)
	}
	mean := make([]float64, dim)
	for i := range n {
		for j := range dim {
			mean[j] += float64(z[i*dim+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	cov := mat.NewSymDense(dim, nil)
	for a := range dim {
		for b := a; b < dim; b++ {
			var s float64
			for i := range n {
				s += (float64(z[i*dim+a]) - mean[a]) * (float64(z[i*dim+b]) - mean[b])
			}
			cov.SetSym(a, b, s/float64(n-1))
		}
	}
	var trace float64
	for a := range dim {
		trace += cov.At(a, a)
	}
	ridge := 1e-9*trace/float64(dim) + 1e-12
	for a := range dim {
		cov.SetSym(a, a, cov.At(a, a)+ridge)
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) {
		return nil, nil, fmt.Errorf("covariance of the codes is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	return mean, &l, nil
}

// Decode decodes the codes opt.Codes and draws each under its values.
func Decode(m *Model, opt Options) (*Figure, error) {
	const fig = "decode"
	if _, err := prepare(fig, m, nil, opt, 0); err != nil {
		return nil, err
	}
	c, h, w, err := m.dims(fig)
	if err != nil {
		return nil, err
	}
	var z []float32
	var cols []string
	for i, code := range opt.Codes {
		if len(code) != m.Code {
			return nil, fmt.Errorf("%s: code %d has %d values, model %s takes %d", fig, i+1, len(code), m.name(), m.Code)
		}
		z = append(z, code...)
		parts := make([]string, len(code))
		for j, v := range code {
			parts[j] = strconv.FormatFloat(float64(v), 'g', 4, 32)
		}
		cols = append(cols, strings.Join(parts, ", "))
	}
	dec, err := m.decode(z, len(opt.Codes))
	if err != nil {
		return nil, err
	}
	s := section{rows: []string{"decoded"}, cells: [][]image.Image{images(dec, len(opt.Codes), c, h, w)}}
	if m.Code <= 4 {
		s.cols = cols
	}
	title := opt.title(fmt.Sprintf("%s: %d chosen codes, decoded", m.name(), len(opt.Codes)))
	return done(fig, title, grid(title, []section{s}), cols...), nil
}

// Noise draws images of d with Gaussian noise of each of opt.Levels over
// their reconstructions, and the reconstructions from codes with Gaussian
// noise of each of opt.LatentLevels, with the MSE of each row in Notes.
func Noise(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "noise"
	f, err := prepare(fig, m, d, opt, 8)
	if err != nil {
		return nil, err
	}
	c, h, w, index := f.c, f.h, f.w, f.index
	levels := opt.Levels
	if levels == nil {
		levels = []float64{0.1, 0.3, 0.5, 0.8}
	}
	latent := opt.LatentLevels
	if latent == nil {
		latent = []float64{0.5, 1, 2}
	}
	n := len(index)
	x := d.pick(index)
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x4015e))
	in := section{title: "Gaussian noise on the input, clipped to [0, 1] (MSE against the clean image)"}
	var notes []string
	for _, sd := range append([]float64{0}, levels...) {
		if sd < 0 {
			return nil, fmt.Errorf("%s: noise level %g is negative", fig, sd)
		}
		noisy := make([]float32, len(x))
		for i, v := range x {
			noisy[i] = float32(math.Min(1, math.Max(0, float64(v)+sd*rng.NormFloat64())))
		}
		y, err := m.reconstruct(noisy, n)
		if err != nil {
			return nil, err
		}
		e := mse(x, y)
		name := fmt.Sprintf("noise sd %.2f", sd)
		if sd == 0 {
			name = "clean"
		}
		in.rows = append(in.rows, name, fmt.Sprintf("reconstruction (MSE %.4f)", e))
		in.cells = append(in.cells, images(noisy, n, c, h, w), images(y, n, c, h, w))
		notes = append(notes, fmt.Sprintf("input noise sd %.2f: reconstruction MSE %.6f", sd, e))
	}
	secs := []section{in}
	if m.Encoder != nil && m.Decoder != nil && m.Code > 0 && len(latent) > 0 {
		z, err := m.codes(d)
		if err != nil {
			return nil, err
		}
		sd := codeStd(z, d.N, m.Code)
		zs := make([]float32, 0, n*m.Code)
		for _, i := range index {
			zs = append(zs, z[i*m.Code:(i+1)*m.Code]...)
		}
		lat := section{title: fmt.Sprintf("Gaussian noise on the %d-D code, in units of each dimension's standard deviation over %s", m.Code, d.Name)}
		for _, f := range latent {
			noisy := make([]float32, len(zs))
			for i, v := range zs {
				noisy[i] = float32(float64(v) + f*sd[i%m.Code]*rng.NormFloat64())
			}
			y, err := m.decode(noisy, n)
			if err != nil {
				return nil, err
			}
			e := mse(x, y)
			lat.rows = append(lat.rows, fmt.Sprintf("code noise %.2g sd (MSE %.4f)", f, e))
			lat.cells = append(lat.cells, images(y, n, c, h, w))
			notes = append(notes, fmt.Sprintf("code noise %g sd: decoded MSE %.6f", f, e))
		}
		secs = append(secs, lat)
	}
	for _, i := range index {
		secs[0].cols = append(secs[0].cols, itemLabel(d, i))
	}
	title := opt.title(fmt.Sprintf("%s: reconstructions of noisy inputs and decodings of noisy codes (%s, seed %d)", m.name(), d.Name, opt.Seed))
	return done(fig, title, grid(title, secs), notes...), nil
}

// codeStd returns the standard deviation of each dimension of the n codes z.
func codeStd(z []float32, n, dim int) []float64 {
	mean, sd := make([]float64, dim), make([]float64, dim)
	for i := range n {
		for j := range dim {
			mean[j] += float64(z[i*dim+j])
		}
	}
	for j := range dim {
		mean[j] /= float64(n)
	}
	for i := range n {
		for j := range dim {
			e := float64(z[i*dim+j]) - mean[j]
			sd[j] += e * e
		}
	}
	for j := range dim {
		sd[j] = math.Sqrt(sd[j] / float64(max(1, n-1)))
	}
	return sd
}

// oodCount is how many uniform-noise images ood makes.
const oodCount = 256

// OOD draws out-of-distribution inputs (opt.Other, or uniform noise) and
// their reconstructions under in-distribution images of d and theirs, with
// the mean MSE of each whole set in the row labels and Notes.
func OOD(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "ood"
	f, err := prepare(fig, m, d, opt, 8)
	if err != nil {
		return nil, err
	}
	c, h, w, index := f.c, f.h, f.w, f.index
	other := opt.Other
	if other == nil {
		rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x00d))
		other = &Data{Name: "uniform noise", N: oodCount, Shape: d.Shape, X: make([]float32, oodCount*prod(d.Shape))}
		for i := range other.X {
			other.X[i] = rng.Float32()
		}
	} else if _, _, _, err := other.check(fig, m, false); err != nil {
		return nil, err
	}
	inRec, err := m.reconstruct(d.X, d.N)
	if err != nil {
		return nil, err
	}
	outRec, err := m.reconstruct(other.X, other.N)
	if err != nil {
		return nil, err
	}
	inMSE, outMSE := mse(d.X, inRec), mse(other.X, outRec)
	dim := m.inputLen()
	pickFrom := func(v []float32, idx []int) []float32 {
		out := make([]float32, 0, len(idx)*dim)
		for _, i := range idx {
			out = append(out, v[i*dim:(i+1)*dim]...)
		}
		return out
	}
	oIndex := make([]int, min(len(index), other.N))
	for i := range oIndex {
		oIndex[i] = i
	}
	s := section{rows: []string{
		d.Name, fmt.Sprintf("reconstruction (MSE %.4f)", inMSE),
		other.Name, fmt.Sprintf("reconstruction (MSE %.4f)", outMSE),
	}, cells: [][]image.Image{
		images(d.pick(index), len(index), c, h, w), images(pickFrom(inRec, index), len(index), c, h, w),
		images(pickFrom(other.X, oIndex), len(oIndex), c, h, w), images(pickFrom(outRec, oIndex), len(oIndex), c, h, w),
	}}
	title := opt.title(fmt.Sprintf("%s: MSE %.4f on %s (%d images) vs %.4f on %s (%d)", m.name(), inMSE, d.Name, d.N, outMSE, other.Name, other.N))
	return done(fig, title, grid(title, []section{s}),
		fmt.Sprintf("in-distribution %s: MSE per pixel %.6f over %d images", d.Name, inMSE, d.N),
		fmt.Sprintf("out-of-distribution %s: MSE per pixel %.6f over %d images", other.Name, outMSE, other.N)), nil
}
