package figure

import (
	"fmt"
	"image"
	"math/rand/v2"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Sample decodes opt.Samples random codes (default 64) drawn from opt.Dist,
// seeded with opt.Seed: "normal" draws from the Gaussian with the mean and
// covariance of the codes of d (when d is nil, of the embedded images for a
// model of 28x28 images, see codeData, else N(0, I)), "uniform" from
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
	if d, err = codeData(m, d); err != nil {
		return nil, fmt.Errorf("%s: %w", fig, err)
	}
	if d != nil && m.Encoder != nil {
		if _, _, _, err := d.check(fig, m, false); err != nil {
			return nil, err
		}
		if z, err = m.codes(d); err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x5a3b1e))
	codes, what, err := sampleCodes(fig, rng, n, m.Code, z, d, opt)
	if err != nil {
		return nil, err
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

// sampleCodes draws n codes of dim values from opt.Dist (see Sample), the
// normal one fitted to the codes z of d when there are any, and says what
// it drew from.
func sampleCodes(fig string, rng *rand.Rand, n, dim int, z []float32, d *Data, opt Options) ([]float32, string, error) {
	codes := make([]float32, n*dim)
	switch opt.Dist {
	case "", "normal":
		if z == nil {
			for i := range codes {
				codes[i] = float32(rng.NormFloat64())
			}
			return codes, "N(0, I)", nil
		}
		mean, chol, err := gaussian(z, d.N, dim)
		if err != nil {
			return nil, "", fmt.Errorf("%s: codes of %s: %w", fig, d.Name, err)
		}
		e := make([]float64, dim)
		for i := range n {
			for j := range e {
				e[j] = rng.NormFloat64()
			}
			for j := range dim {
				v := mean[j]
				for k := 0; k <= j; k++ {
					v += chol.At(j, k) * e[k]
				}
				codes[i*dim+j] = float32(v)
			}
		}
		return codes, fmt.Sprintf("the Gaussian fitted to the codes of %s", d.Name), nil
	case "uniform":
		lo, hi := -1.0, 1.0
		if opt.Range != [2]float64{} || len(z) > 0 {
			lo, hi = codeRangeAll(opt, z)
		}
		if err := checkRange(fig, lo, hi); err != nil {
			return nil, "", err
		}
		for i := range codes {
			codes[i] = float32(lo + (hi-lo)*rng.Float64())
		}
		return codes, fmt.Sprintf("U(%.3g, %.3g) in each dimension", lo, hi), nil
	}
	return nil, "", fmt.Errorf("%s: distribution %q: want normal or uniform", fig, opt.Dist)
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
