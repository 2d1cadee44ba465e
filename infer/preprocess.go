package infer

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/zoo"
)

// A Layout is the order of the dimensions of an image tensor.
type Layout string

// The layouts of images: channels first, as PyTorch and zoo's own models
// take them ([N, C, H, W]), or channels last, as TensorFlow and Keras do
// ([N, H, W, C]).
const (
	NCHW Layout = "nchw"
	NHWC Layout = "nhwc"
)

// DetectLayout returns the layout of a per-example image shape [C, H, W]
// or [H, W, C]: the one whose channel count is 1 or 3 when the other end's
// is neither; false when the shape is not three-dimensional or its ends
// leave it open (3x32x3).
func DetectLayout(shape []int) (Layout, bool) {
	if len(shape) != 3 {
		return "", false
	}
	rgb := func(d int) bool { return d == 1 || d == 3 }
	first, last := rgb(shape[0]), rgb(shape[2])
	switch {
	case first && !last:
		return NCHW, true
	case last && !first:
		return NHWC, true
	}
	return "", false
}

// Preprocess says how the values of a data file become a model's input.
// Its zero value is zoo's own convention: u8 images scaled to [0, 1],
// float values as they are, examples in the model's layout.
type Preprocess struct {
	// Layout is the layout of the model's input; "" detects it from its
	// shape (see DetectLayout). Images in the other layout (CIFAR-10's
	// [C, H, W] files for an [H, W, C] model) are transposed to it.
	Layout Layout
	// Scale multiplies each value: a u8 value from 0 to 255, or a float
	// value as the file holds it. 0 is 1/255 for u8 data and 1 for float
	// data.
	Scale float64
	// Mean and Std normalise the scaled values, (x - Mean) / Std, as a
	// model trained on normalised data wants them; a Std of 0 leaves them.
	Mean, Std float64
}

// ParsePreprocess reads the settings of Preprocess as zoo infer's flags
// give them: layout "nchw", "nhwc" or "" (detect), scale a number or a
// fraction such as "1/255" ("" for the default), normalize "MEAN,STD" such
// as "0.1307,0.3081" ("" for none).
func ParsePreprocess(layout, scale, normalize string) (Preprocess, error) {
	var p Preprocess
	switch l := Layout(strings.ToLower(layout)); l {
	case "", NCHW, NHWC:
		p.Layout = l
	default:
		return p, fmt.Errorf("layout %q: want %s or %s", layout, NCHW, NHWC)
	}
	if scale != "" {
		num, den, frac := strings.Cut(scale, "/")
		a, err1 := strconv.ParseFloat(strings.TrimSpace(num), 64)
		b, err2 := 1.0, error(nil)
		if frac {
			b, err2 = strconv.ParseFloat(strings.TrimSpace(den), 64)
		}
		if err1 != nil || err2 != nil || !(a/b > 0) || math.IsInf(a/b, 0) {
			return p, fmt.Errorf("scale %q: want a positive number or fraction, such as 1/255", scale)
		}
		p.Scale = a / b
	}
	if normalize != "" {
		m, s, ok := strings.Cut(normalize, ",")
		mean, err1 := strconv.ParseFloat(strings.TrimSpace(m), 64)
		std, err2 := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if !ok || err1 != nil || err2 != nil || !(std > 0) || math.IsInf(std, 0) || math.IsNaN(mean) || math.IsInf(mean, 0) {
			return p, fmt.Errorf("normalize %q: want MEAN,STD with STD > 0, such as 0.1307,0.3081", normalize)
		}
		p.Mean, p.Std = mean, std
	}
	return p, nil
}

// IsZero reports whether p is zoo's own convention (see Preprocess).
func (p Preprocess) IsZero() bool { return p == Preprocess{} }

// A prep is a Preprocess planned for one data file and one model: the
// order its values are taken in, and the arithmetic on them.
type prep struct {
	// perm[i] is the index, within a data example, of the model's input
	// value i; nil keeps the order.
	perm []int
	// u8 is set for u8 data, whose values arrive as v/255 (see
	// dataset.Reader.ReadFloat32).
	u8 bool
	// scale multiplies the values when set (not 1, nor u8's 1/255);
	// normalize subtracts mean and divides by std when set.
	scale, mean, std   float64
	rescale, normalize bool
	scratch            []float32
}

// Check checks the data file name, with header h, against a model that
// takes examples shaped in (without the batch) for task: the shapes match
// when CheckInput says so, or when the data's images are the model's in
// the other layout (the data's layout is detected from its shape, the
// model's too unless p.Layout says it). Each mismatch is an error naming
// both shapes.
func (p Preprocess) Check(name string, h dataset.Header, task zoo.Task, in []int) error {
	if task == zoo.Decode && !p.IsZero() {
		return fmt.Errorf("%s: layout, scale and normalisation apply to images, not to the codes decode takes", name)
	}
	err := CheckInput(name, h, task, in)
	if err != nil && p.perm(h, in) != nil && CheckInput(name, h, task, []int{prod(in)}) == nil {
		return nil
	}
	return err
}

// plan returns how the values of data with header h become the input of
// a model that takes examples shaped in.
func (p Preprocess) plan(h dataset.Header, in []int) *prep {
	pr := &prep{u8: h.Type == dataset.U8, scale: p.Scale, mean: p.Mean, std: p.Std, normalize: p.Std != 0, perm: p.perm(h, in)}
	switch {
	case p.Scale == 0:
	case pr.u8:
		pr.rescale = p.Scale != 1.0/255
	default:
		pr.rescale = p.Scale != 1
	}
	return pr
}

// perm returns, when the data's images (header h) are the model's (shaped
// in) in the other layout, the index in a data example of each of the
// model's input values; nil otherwise.
func (p Preprocess) perm(h dataset.Header, in []int) []int {
	if len(h.Dims) != 4 || len(in) != 3 {
		return nil
	}
	item := h.Dims[1:]
	model, ok := p.Layout, p.Layout != ""
	if !ok {
		model, ok = DetectLayout(in)
	}
	data, dok := DetectLayout(item)
	if !ok || !dok || data == model || slices.Equal(item, in) {
		return nil
	}
	perm := []int{2, 0, 1} // model [C, H, W] from data [H, W, C]
	if model == NHWC {
		perm = []int{1, 2, 0} // model [H, W, C] from data [C, H, W]
	}
	if !slices.Equal([]int{item[perm[0]], item[perm[1]], item[perm[2]]}, in) {
		return nil
	}
	return transposition(item, perm)
}

// transposition returns, for each value of the transposed example (dims
// d[perm[0]], d[perm[1]], d[perm[2]]), its index in the example of dims d.
func transposition(d, perm []int) []int {
	strides := []int{d[1] * d[2], d[2], 1}
	out := make([]int, 0, d[0]*d[1]*d[2])
	for i := 0; i < d[perm[0]]; i++ {
		for j := 0; j < d[perm[1]]; j++ {
			for k := 0; k < d[perm[2]]; k++ {
				out = append(out, i*strides[perm[0]]+j*strides[perm[1]]+k*strides[perm[2]])
			}
		}
	}
	return out
}

// active reports whether the plan changes the values as read.
func (pr *prep) active() bool {
	return pr != nil && (pr.perm != nil || pr.rescale || pr.normalize)
}

// transposed reports whether the model takes the data's examples in
// another layout.
func (pr *prep) transposed() bool { return pr != nil && pr.perm != nil }

// apply turns x, n examples of exampleLen values as read, into the
// model's input, in place.
func (pr *prep) apply(x []float32, n, exampleLen int) {
	if !pr.active() {
		return
	}
	if pr.perm != nil {
		if len(pr.scratch) < exampleLen {
			pr.scratch = make([]float32, exampleLen)
		}
		for e := range n {
			ex := x[e*exampleLen : (e+1)*exampleLen]
			copy(pr.scratch, ex)
			for i, j := range pr.perm {
				ex[i] = pr.scratch[j]
			}
		}
	}
	if !pr.rescale && !pr.normalize {
		return
	}
	x = x[:n*exampleLen]
	for i, v := range x {
		y := float64(v)
		if pr.rescale {
			if pr.u8 {
				y = math.Round(y * 255) // the u8 value, exactly
			}
			y *= pr.scale
		}
		if pr.normalize {
			y = (y - pr.mean) / pr.std
		}
		x[i] = float32(y)
	}
}
