package figure

import (
	"fmt"
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
		l, err := readLayer(n, inits)
		if err != nil {
			return nil, fmt.Errorf("read first layer of %s: %w", path, err)
		}
		l.Activation = activation(n, g.GetNode()[i+1:])
		return l, nil
	}
	return nil, fmt.Errorf("read first layer of %s: no Gemm or Conv node with an initializer weight", path)
}

// readLayer reads the Gemm or Conv node n, its weight and bias from inits.
func readLayer(n *onnxpb.NodeProto, inits map[string]*onnxpb.TensorProto) (*Layer, error) {
	data, shape, err := onnxpb.DecodeFloats(inits[n.Input[1]])
	if err != nil {
		return nil, err
	}
	l := &Layer{Name: n.Input[1], Op: n.GetOpType(), Weight: data, Shape: shape, Stride: 1}
	if l.Op == "Gemm" {
		err = l.gemm(n)
	} else {
		err = l.conv(n)
	}
	if err != nil {
		return nil, err
	}
	if len(n.Input) > 2 && inits[n.Input[2]] != nil {
		bias, _, err := onnxpb.DecodeFloats(inits[n.Input[2]])
		if err != nil {
			return nil, err
		}
		if len(bias) != l.Shape[0] {
			return nil, fmt.Errorf("bias %s has %d values for %d outputs", n.Input[2], len(bias), l.Shape[0])
		}
		l.Bias = bias
	}
	return l, nil
}

// gemm reads the attributes of the Gemm node n and puts l's weight in the
// layout [out, in].
func (l *Layer) gemm(n *onnxpb.NodeProto) error {
	transB := false
	for _, a := range n.Attribute {
		switch {
		case a.GetName() == "transB":
			transB = a.GetI() == 1
		case a.GetName() == "transA" && a.GetI() != 0, (a.GetName() == "alpha" || a.GetName() == "beta") && a.GetF() != 1:
			return fmt.Errorf("node %s (Gemm) has %s set; zoo reads Gemm with transB only", n.GetName(), a.GetName())
		}
	}
	if len(l.Shape) != 2 {
		return fmt.Errorf("weight %s of a Gemm has shape %v", l.Name, l.Shape)
	}
	if !transB { // [in, out] -> [out, in]
		l.Weight, l.Shape = transpose(l.Weight, l.Shape[0], l.Shape[1]), []int{l.Shape[1], l.Shape[0]}
	}
	return nil
}

// conv reads the stride and padding of the Conv node n.
func (l *Layer) conv(n *onnxpb.NodeProto) error {
	if len(l.Shape) != 4 {
		return fmt.Errorf("weight %s of a Conv has shape %v", l.Name, l.Shape)
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
				return fmt.Errorf("grouped Conv %s", n.GetName())
			}
		}
	}
	return nil
}

// activation returns the op of the first of the nodes after n that takes
// n's output when it is Relu, Tanh or Sigmoid, else "".
func activation(n *onnxpb.NodeProto, after []*onnxpb.NodeProto) string {
	if len(n.Output) == 0 {
		return ""
	}
	for _, next := range after {
		if len(next.Input) > 0 && next.Input[0] == n.Output[0] {
			switch op := next.GetOpType(); op {
			case "Relu", "Tanh", "Sigmoid":
				return op
			}
			return ""
		}
	}
	return ""
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
