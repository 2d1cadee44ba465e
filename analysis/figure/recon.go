package figure

import (
	"fmt"
	"image"
	"math/rand/v2"
	"strings"
)

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
