package figure

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/zoo"
)

// chunk is the most examples given to a Runner at once.
const chunk = 256

// runAll runs r over the n examples of x (in values each) in chunks and
// returns the n outputs of out values each.
func runAll(what string, r Runner, x []float32, n, in, out int) ([]float32, error) {
	if len(x) != n*in {
		return nil, fmt.Errorf("%s: %d values for %d examples of %d", what, len(x), n, in)
	}
	res := make([]float32, 0, n*out)
	for lo := 0; lo < n; lo += chunk {
		m := min(chunk, n-lo)
		y, err := r.Run(x[lo*in:(lo+m)*in], m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if len(y) != m*out {
			return nil, fmt.Errorf("%s: %d examples gave %d values, want %d each", what, m, len(y), out)
		}
		res = append(res, y...)
	}
	return res, nil
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// inputLen returns the number of values of one input of m.
func (m *Model) inputLen() int { return prod(m.Input) }

// name returns m's name for titles.
func (m *Model) name() string {
	if m.Name == "" {
		return "model"
	}
	return m.Name
}

// notApplicable returns an error wrapping ErrNotApplicable.
func notApplicable(fig string, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", fig, fmt.Sprintf(format, args...), ErrNotApplicable)
}

// has checks that m has the parts of the model that n names (see Needs).
func (m *Model) has(fig string, n Needs) error {
	if !n.Model {
		return nil
	}
	if m == nil {
		return fmt.Errorf("%s: no model", fig)
	}
	switch {
	case n.Whole && m.Whole == nil:
		return notApplicable(fig, "model %s has no whole model (model.onnx)", m.name())
	case n.Whole && m.Task == zoo.Classify:
		return notApplicable(fig, "model %s is a classifier; %s needs an autoencoder", m.name(), fig)
	case n.Encoder && m.Encoder == nil:
		return notApplicable(fig, "model %s has no encoder (encoder.onnx)", m.name())
	case n.Decoder && m.Decoder == nil:
		return notApplicable(fig, "model %s has no decoder (decoder.onnx)", m.name())
	case (n.Code || n.Code2) && m.Code <= 0:
		return notApplicable(fig, "model %s has no code size", m.name())
	case n.Code2 && m.Code != 2:
		return notApplicable(fig, "model %s has a %d-D code, %s needs a 2-D one (latent-scatter projects larger codes on two principal components; latent-pca traverses them)", m.name(), m.Code, fig)
	case n.FirstLayer && m.First == nil:
		return notApplicable(fig, "no first layer weights (read from the model's ONNX initializers)")
	case n.Hidden && !m.hasEncoder() && m.First == nil:
		return notApplicable(fig, "model %s has neither an encoder nor first-layer weights", m.name())
	}
	return nil
}

// hasEncoder reports whether m has an encoder of known code size.
func (m *Model) hasEncoder() bool { return m.Encoder != nil && m.Code > 0 }

// check checks that d holds images that are inputs of m.
func (d *Data) check(fig string, m *Model, labels bool) (c, h, w int, err error) {
	if d == nil || d.N == 0 {
		return 0, 0, 0, notApplicable(fig, "no data")
	}
	if len(d.X) != d.N*prod(d.Shape) {
		return 0, 0, 0, fmt.Errorf("%s: data %s holds %d values, not %d items of %v", fig, d.Name, len(d.X), d.N, d.Shape)
	}
	if labels && d.Labels == nil {
		return 0, 0, 0, notApplicable(fig, "data %s has no labels", d.Name)
	}
	if d.Labels != nil && len(d.Labels) != d.N {
		return 0, 0, 0, fmt.Errorf("%s: data %s has %d labels for %d items", fig, d.Name, len(d.Labels), d.N)
	}
	if m != nil && prod(d.Shape) != m.inputLen() {
		return 0, 0, 0, fmt.Errorf("%s: model %s takes inputs of shape %v, data %s holds items of shape %v", fig, m.name(), m.Input, d.Name, d.Shape)
	}
	shape := d.Shape
	if m != nil && len(m.Input) > len(shape) {
		shape = m.Input // [784] data through a [1, 28, 28] model
	}
	return checkImages(fig+": data "+d.Name, shape)
}

// row returns item i of d.
func (d *Data) row(i int) []float32 {
	n := prod(d.Shape)
	return d.X[i*n : (i+1)*n]
}

// pick returns the items index of d, one after another.
func (d *Data) pick(index []int) []float32 {
	out := make([]float32, 0, len(index)*prod(d.Shape))
	for _, i := range index {
		out = append(out, d.row(i)...)
	}
	return out
}

// className returns the name of class k of d.
func (d *Data) className(k int) string { return className(d.ClassNames, k) }

// classes returns the number of classes in d's labels (largest + 1).
func (d *Data) classes() int {
	if len(d.Labels) == 0 {
		return 0
	}
	return int(slices.Max(d.Labels)) + 1
}

// index returns opt.Index checked against d, or the first def items.
func (d *Data) index(fig string, opt Options, def int) ([]int, error) {
	if len(opt.Index) == 0 {
		out := make([]int, min(def, d.N))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	for _, i := range opt.Index {
		if i < 0 || i >= d.N {
			return nil, fmt.Errorf("%s: index %d is outside the %d items of %s (0 to %d)", fig, i, d.N, d.Name, d.N-1)
		}
	}
	return opt.Index, nil
}

// encode returns the codes of the n inputs in x.
func (m *Model) encode(x []float32, n int) ([]float32, error) {
	return runAll("encode with "+m.name(), m.Encoder, x, n, m.inputLen(), m.Code)
}

// decode returns the images of the n codes in z.
func (m *Model) decode(z []float32, n int) ([]float32, error) {
	return runAll("decode with "+m.name(), m.Decoder, z, n, m.Code, m.inputLen())
}

// reconstruct runs the whole model over the n inputs in x.
func (m *Model) reconstruct(x []float32, n int) ([]float32, error) {
	return runAll("reconstruct with "+m.name(), m.Whole, x, n, m.inputLen(), m.inputLen())
}

// mse returns the mean squared error per value of a against b.
func mse(a, b []float32) float64 {
	var s float64
	for i := range a {
		e := float64(a[i]) - float64(b[i])
		s += e * e
	}
	return s / float64(len(a))
}

// codeRange returns opt.Range, or the interval from the smallest 1st to the
// largest 99th percentile of the two axes of the 2-D codes z, or [-1, 1].
func codeRange(opt Options, z []float32) (lo, hi float64) {
	if opt.Range != [2]float64{} {
		return opt.Range[0], opt.Range[1]
	}
	if len(z) < 2 {
		return -1, 1
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for axis := range 2 {
		v := make([]float64, 0, len(z)/2)
		for i := axis; i < len(z); i += 2 {
			v = append(v, float64(z[i]))
		}
		sort.Float64s(v)
		lo = math.Min(lo, v[int(0.01*float64(len(v)-1))])
		hi = math.Max(hi, v[int(math.Ceil(0.99*float64(len(v)-1)))])
	}
	if !(hi > lo) {
		return lo - 1, lo + 1
	}
	return lo, hi
}

// checkRange checks a range given in options.
func checkRange(fig string, lo, hi float64) error {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return fmt.Errorf("%s: range %g,%g is empty; want LO,HI with LO < HI", fig, lo, hi)
	}
	return nil
}

// linspace returns n evenly spaced values from lo to hi (lo alone for n = 1).
func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range n {
		if n == 1 {
			out[i] = lo
		} else {
			out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
		}
	}
	return out
}

// dims returns the image dims of m's inputs.
func (m *Model) dims(fig string) (c, h, w int, err error) {
	return checkImages(fig+": model "+m.name(), m.Input)
}

// codes encodes all of d.
func (m *Model) codes(d *Data) ([]float32, error) { return m.encode(d.X, d.N) }

// codeData returns the images whose codes give a figure its code range or
// code distribution: d when given; else, when m has an encoder of 28x28
// images, the embedded set (dataset.MiniName), whose codes lie where the
// model puts real images (a ReLU code may live in [0.3, 10]^2, far from
// [-1, 1]^2); else nil.
func codeData(m *Model, d *Data) (*Data, error) {
	if d != nil || m.Encoder == nil || m.inputLen() != 28*28 {
		return d, nil
	}
	ref, err := dataset.Resolve(dataset.MiniName, dataset.TestImages)
	if err != nil {
		return nil, err
	}
	im, err := ref.ReadLabelled("", 0, nil)
	if err != nil {
		return nil, fmt.Errorf("embedded images: %w", err)
	}
	im.Name = "the embedded " + dataset.MiniName + " images"
	return (*Data)(im), nil
}
