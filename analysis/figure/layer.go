package figure

import (
	"fmt"
	"image"
	"math"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

// ReadFirstLayer reads the first Gemm or Conv node of the ONNX model at
// path (in graph order) whose weight is an initializer, its weight and bias,
// and the Relu, Tanh or Sigmoid node that takes its output, if any.
func ReadFirstLayer(path string) (*Layer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read first layer: %w", err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read first layer of %s: not an ONNX model: %w", path, err)
	}
	g := m.GetGraph()
	inits := map[string]*onnxpb.TensorProto{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = t
	}
	for i, n := range g.GetNode() {
		op := n.GetOpType()
		if (op != "Gemm" && op != "Conv") || len(n.Input) < 2 || inits[n.Input[1]] == nil {
			continue
		}
		data, shape, err := onnxpb.DecodeFloats(inits[n.Input[1]])
		if err != nil {
			return nil, fmt.Errorf("read first layer of %s: %w", path, err)
		}
		l := &Layer{Name: n.Input[1], Op: op, Weight: data, Shape: shape, Stride: 1}
		if op == "Gemm" {
			transB := false
			for _, a := range n.Attribute {
				switch {
				case a.GetName() == "transB":
					transB = a.GetI() == 1
				case a.GetName() == "transA" && a.GetI() != 0, (a.GetName() == "alpha" || a.GetName() == "beta") && a.GetF() != 1:
					return nil, fmt.Errorf("read first layer of %s: Gemm %s has %s set; zoo reads Gemm with transB only", path, n.GetName(), a.GetName())
				}
			}
			if len(shape) != 2 {
				return nil, fmt.Errorf("read first layer of %s: Gemm weight %s has shape %v", path, l.Name, shape)
			}
			if !transB { // [in, out] -> [out, in]
				l.Weight, l.Shape = transpose(data, shape[0], shape[1]), []int{shape[1], shape[0]}
			}
		} else {
			if len(shape) != 4 {
				return nil, fmt.Errorf("read first layer of %s: Conv weight %s has shape %v", path, l.Name, shape)
			}
			for _, a := range n.Attribute {
				switch a.GetName() {
				case "strides":
					if len(a.Ints) > 0 {
						l.Stride = int(a.Ints[0])
					}
				case "pads":
					if len(a.Ints) > 0 {
						l.Pad = int(a.Ints[0])
					}
				case "group":
					if a.GetI() != 1 {
						return nil, fmt.Errorf("read first layer of %s: grouped Conv %s", path, n.GetName())
					}
				}
			}
		}
		if len(n.Input) > 2 && inits[n.Input[2]] != nil {
			bias, _, err := onnxpb.DecodeFloats(inits[n.Input[2]])
			if err != nil {
				return nil, fmt.Errorf("read first layer of %s: %w", path, err)
			}
			if len(bias) != l.Shape[0] {
				return nil, fmt.Errorf("read first layer of %s: bias %s has %d values for %d outputs", path, n.Input[2], len(bias), l.Shape[0])
			}
			l.Bias = bias
		}
		if len(n.Output) > 0 {
			for _, next := range g.GetNode()[i+1:] {
				if len(next.Input) > 0 && next.Input[0] == n.Output[0] {
					switch next.GetOpType() {
					case "Relu", "Tanh", "Sigmoid":
						l.Activation = next.GetOpType()
					}
					break
				}
			}
		}
		return l, nil
	}
	return nil, fmt.Errorf("read first layer of %s: no Gemm or Conv node with an initializer weight", path)
}

func transpose(v []float32, r, c int) []float32 {
	out := make([]float32, len(v))
	for i := range r {
		for j := range c {
			out[j*r+i] = v[i*c+j]
		}
	}
	return out
}

// maxFilters is the most filters (or kernels) the filters figure draws.
const maxFilters = 256

// Filters draws the weights of m.First: a Linear layer's rows as images
// of the input's shape (up to 256; opt.Filters sets how many), or a
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
		n = min(n, out)
		for k := range n {
			ims = append(ims, toImage(normalized(l.Weight[k*in:(k+1)*in]), c, h, w))
		}
		what = fmt.Sprintf("first %d of the %d rows of %s [%d, %d] as %dx%d images", n, out, l.Name, out, in, h, w)
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

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// firstLayer computes l on the n inputs of x with package reference: the
// Linear map (or convolution, with its stride and padding) plus bias and
// the activation. It returns the n outputs and their per-example shape.
func firstLayer(l *Layer, x []float32, n int, input []int) ([]float32, []int, error) {
	m, w, err := l.model(input)
	if err != nil {
		return nil, nil, err
	}
	if len(x) != n*zoo.Numel(m.Input) {
		return nil, nil, fmt.Errorf("first layer %s takes %d values, inputs have %d", l.Name, zoo.Numel(m.Input), len(x)/max(n, 1))
	}
	y, shape, err := reference.Forward(m, w, x, n)
	if err != nil {
		return nil, nil, fmt.Errorf("first layer %s: %w", l.Name, err)
	}
	return y, shape, nil
}

// model returns l as a one-layer zoo model (with its activation) on inputs
// of shape input (a Linear layer's input is flat), and its weights.
func (l *Layer) model(input []int) (*zoo.Model, zoo.Weights, error) {
	var layer zoo.Layer
	switch {
	case l.Op == "Gemm" && len(l.Shape) == 2:
		layer, input = zoo.Linear{In: l.Shape[1], Out: l.Shape[0]}, []int{l.Shape[1]}
	case l.Op == "Conv" && len(l.Shape) == 4:
		out, in, kh, kw := l.Shape[0], l.Shape[1], l.Shape[2], l.Shape[3]
		if len(input) != 3 || input[0] != in {
			return nil, nil, fmt.Errorf("first layer %s takes %d channels, inputs have shape %v", l.Name, in, input)
		}
		if kh != kw {
			return nil, nil, fmt.Errorf("first layer %s: kernel %dx%d is not square", l.Name, kh, kw)
		}
		layer = zoo.Conv2d{In: in, Out: out, Kernel: kh, Stride: l.Stride, Padding: l.Pad}
	default:
		return nil, nil, fmt.Errorf("first layer %s: op %q of shape %v; want Gemm or Conv", l.Name, l.Op, l.Shape)
	}
	layers := []zoo.Layer{layer}
	switch l.Activation {
	case "Relu":
		layers = append(layers, zoo.ReLU{})
	case "Tanh":
		layers = append(layers, zoo.Tanh{})
	case "Sigmoid":
		layers = append(layers, zoo.Sigmoid{})
	}
	bias := l.Bias
	if bias == nil {
		bias = make([]float32, l.Shape[0])
	}
	m := &zoo.Model{Name: "first layer " + l.Name, Input: input, Parts: []zoo.Part{{Name: "first", Layers: layers}}}
	w := zoo.Weights{
		"first.0.weight": {Shape: l.Shape, Data: l.Weight},
		"first.0.bias":   {Shape: []int{l.Shape[0]}, Data: bias},
	}
	return m, w, nil
}

// mapSize returns the height and width of the square-ish map that shows n
// activations: a square when n is one (1156 is 34x34), else the narrowest
// rectangle of width ceil(sqrt(n)).
func mapSize(n int) (h, w int) {
	w = isqrt(n)
	if w*w == n {
		return w, w
	}
	w++
	return (n + w - 1) / w, w
}

// actImage renders activations v as an h x w map, values divided by scale
// (black 0, white scale and above; negative values black too).
func actImage(v []float32, h, w int, scale float64) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, x := range v {
		f := 0.0
		if scale > 0 {
			f = float64(x) / scale
		}
		img.Pix[i] = byteOf(float32(f))
	}
	return img
}

// Activations draws the hidden activation maps of the images opt.Index of
// d (default the first 8) under the images, and the mean activation of each
// unit over all of d. The hidden layer is the encoder's output (for
// sparse-ae, its 1156 ReLU units, drawn as 34x34) when m has an encoder,
// else m.First computed in Go from the ONNX initializers (for a
// convolution, the maps of its first channels). Maps are scaled by the
// largest activation shown (white), 0 and below black.
func Activations(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "activations"
	f, err := prepare(fig, m, d, opt, 8)
	if err != nil {
		return nil, err
	}
	c, h, w, index := f.c, f.h, f.w, f.index
	var hidden []float32
	var units int
	var layer string
	switch {
	case m.hasEncoder():
		if hidden, err = m.codes(d); err != nil {
			return nil, err
		}
		units, layer = m.Code, "encoder output"
	case m.First != nil:
		shape := m.Input
		if m.First.Op == "Conv" && len(shape) != 3 {
			shape = []int{c, h, w}
		}
		var out []int
		if hidden, out, err = firstLayer(m.First, d.X, d.N, shape); err != nil {
			return nil, fmt.Errorf("%s: %w", fig, err)
		}
		units = prod(out)
		layer = fmt.Sprintf("first layer %s (%s)", m.First.Name, m.First.Op)
		if m.First.Activation != "" {
			layer = fmt.Sprintf("first layer %s (%s, %s)", m.First.Name, m.First.Op, m.First.Activation)
		}
		if len(out) == 3 { // show the first channel of a convolution
			layer += fmt.Sprintf(", channel 0 of %d", out[0])
			ch := out[1] * out[2]
			first := make([]float32, 0, d.N*ch)
			for i := range d.N {
				first = append(first, hidden[i*units:i*units+ch]...)
			}
			hidden, units = first, ch
		}
	default:
		return nil, notApplicable(fig, "model %s has neither an encoder nor first-layer weights", m.name())
	}
	mh, mw := mapSize(units)
	pad := func(v []float32) []float32 {
		return append(append([]float32(nil), v...), make([]float32, mh*mw-units)...)
	}
	var peak float64
	for _, i := range index {
		for _, v := range hidden[i*units : (i+1)*units] {
			peak = math.Max(peak, float64(v))
		}
	}
	mean := make([]float32, units)
	var active float64
	for i := range d.N {
		for j, v := range hidden[i*units : (i+1)*units] {
			mean[j] += v / float32(d.N)
			if v > 0 {
				active++
			}
		}
	}
	var meanPeak float64
	for _, v := range mean {
		meanPeak = math.Max(meanPeak, float64(v))
	}
	s := section{rows: []string{"input", "activations"}}
	var ins, maps []image.Image
	for _, i := range index {
		ins = append(ins, toImage(d.row(i), c, h, w))
		maps = append(maps, actImage(pad(hidden[i*units:(i+1)*units]), mh, mw, peak))
		s.cols = append(s.cols, itemLabel(d, i))
	}
	s.cells = [][]image.Image{ins, maps}
	meanSec := section{title: fmt.Sprintf("mean activation of each unit over the %d images of %s (white: %.3g)", d.N, d.Name, meanPeak),
		rows: []string{"mean"}, cells: [][]image.Image{{actImage(pad(mean), mh, mw, meanPeak)}}}
	frac := active / float64(d.N*units)
	title := opt.title(fmt.Sprintf("%s: %s, %d units as %dx%d maps; %.1f%% of activations > 0", m.name(), layer, units, mh, mw, 100*frac))
	return done(fig, title, grid(title, []section{s, meanSec}),
		fmt.Sprintf("%s: %d units; %.2f%% of the activations over %s are positive; largest mean activation %.4g", layer, units, 100*frac, d.Name, meanPeak)), nil
}
