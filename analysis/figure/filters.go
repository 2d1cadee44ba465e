package figure

import (
	"fmt"
	"image"
	"sort"
)

// maxFilters is the most filters (or kernels) the filters figure draws.
const maxFilters = 256

// Filters draws the weights of m.First: a Linear layer's rows as images
// of the input's shape (up to 256; opt.Filters sets how many: of more rows,
// those of largest norm, in their order, since the units a sparse or
// overcomplete code leaves unused keep their random initial weights), or a
// convolution's kernels (one image per output channel, in colour for RGB
// inputs, else one per input channel). Each is scaled from its own minimum
// (black) to its maximum (white).
func Filters(m *Model, opt Options) (*Figure, error) {
	const fig = "filters"
	if _, err := prepare(fig, m, nil, opt, 0); err != nil {
		return nil, err
	}
	l := m.First
	n := opt.Filters
	if n == 0 {
		n = 64
	}
	if n < 1 || n > maxFilters {
		return nil, fmt.Errorf("%s: %d filters; want 1 to %d", fig, n, maxFilters)
	}
	var ims []image.Image
	var what string
	switch l.Op {
	case "Gemm":
		out, in := l.Shape[0], l.Shape[1]
		shape := m.Input
		if prod(shape) != in {
			shape = []int{in}
		}
		c, h, w, err := checkImages(fig+": inputs of "+l.Name, shape)
		if err != nil {
			return nil, err
		}
		rows := largestRows(l.Weight, out, in, n)
		for _, k := range rows {
			ims = append(ims, toImage(normalized(l.Weight[k*in:(k+1)*in]), c, h, w))
		}
		what = fmt.Sprintf("the %d rows of %s [%d, %d] as %dx%d images", out, l.Name, out, in, h, w)
		if len(rows) < out {
			what = fmt.Sprintf("the %d of the %d rows of %s [%d, %d] of largest norm, as %dx%d images", len(rows), out, l.Name, out, in, h, w)
		}
	case "Conv":
		out, in, kh, kw := l.Shape[0], l.Shape[1], l.Shape[2], l.Shape[3]
		d := in * kh * kw
		n = min(n, out*max(1, in*btoi(in != 3)))
		for k := 0; k < out && len(ims) < n; k++ {
			v := l.Weight[k*d : (k+1)*d]
			if in == 3 {
				ims = append(ims, toImage(normalized(v), 3, kh, kw))
				continue
			}
			for ch := 0; ch < in && len(ims) < n; ch++ {
				ims = append(ims, toImage(normalized(v[ch*kh*kw:(ch+1)*kh*kw]), 1, kh, kw))
			}
		}
		what = fmt.Sprintf("%d kernels %dx%d of %s [%d, %d, %d, %d]", len(ims), kh, kw, l.Name, out, in, kh, kw)
	default:
		return nil, fmt.Errorf("%s: layer op %q; want Gemm or Conv", fig, l.Op)
	}
	side := isqrt(len(ims))
	if side*side != len(ims) {
		side = perRow
	}
	title := opt.title(fmt.Sprintf("%s: first-layer weights, %s", m.name(), what))
	return done(fig, title, grid(title, []section{gridRows(ims, side)}), what), nil
}

// largestRows returns the indices, in increasing order, of the n rows (of
// the out rows of in values of w) of largest Euclidean norm; all of them
// when n >= out.
func largestRows(w []float32, out, in, n int) []int {
	idx := make([]int, out)
	norm := make([]float64, out)
	for k := range out {
		idx[k] = k
		for _, v := range w[k*in : (k+1)*in] {
			norm[k] += float64(v) * float64(v)
		}
	}
	if n >= out {
		return idx
	}
	sort.SliceStable(idx, func(i, j int) bool { return norm[idx[i]] > norm[idx[j]] })
	idx = idx[:n]
	sort.Ints(idx)
	return idx
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
