package figure

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

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
		lat, latNotes, err := codeNoise(m, d, index, x, latent, rng, f)
		if err != nil {
			return nil, err
		}
		secs, notes = append(secs, lat), append(notes, latNotes...)
	}
	for _, i := range index {
		secs[0].cols = append(secs[0].cols, itemLabel(d, i))
	}
	title := opt.title(fmt.Sprintf("%s: reconstructions of noisy inputs and decodings of noisy codes (%s, seed %d)", m.name(), d.Name, opt.Seed))
	return done(fig, title, grid(title, secs), notes...), nil
}

// codeNoise is the second section of Noise: the decodings of the codes of
// the images index of d (x, drawn in frame f) plus Gaussian noise of each
// of levels times each dimension's standard deviation over d, with their
// notes.
func codeNoise(m *Model, d *Data, index []int, x []float32, levels []float64, rng *rand.Rand, f frame) (section, []string, error) {
	n := len(index)
	z, err := m.codes(d)
	if err != nil {
		return section{}, nil, err
	}
	sd := codeStd(z, d.N, m.Code)
	zs := make([]float32, 0, n*m.Code)
	for _, i := range index {
		zs = append(zs, z[i*m.Code:(i+1)*m.Code]...)
	}
	lat := section{title: fmt.Sprintf("Gaussian noise on the %d-D code, in units of each dimension's standard deviation over %s", m.Code, d.Name)}
	var notes []string
	for _, l := range levels {
		noisy := make([]float32, len(zs))
		for i, v := range zs {
			noisy[i] = float32(float64(v) + l*sd[i%m.Code]*rng.NormFloat64())
		}
		y, err := m.decode(noisy, n)
		if err != nil {
			return section{}, nil, err
		}
		e := mse(x, y)
		lat.rows = append(lat.rows, fmt.Sprintf("code noise %.2g sd (MSE %.4f)", l, e))
		lat.cells = append(lat.cells, images(y, n, f.c, f.h, f.w))
		notes = append(notes, fmt.Sprintf("code noise %g sd: decoded MSE %.6f", l, e))
	}
	return lat, notes, nil
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
