package zoo

import (
	"fmt"
	"strings"
)

// A Layer is one step of a Part. Layers are plain data: the lowerings
// (training, export, the plain-Go reference) switch on the concrete type.
//
// The concrete layer types are Linear, Conv2d, ConvTranspose2d,
// MaxPool2d, MaxUnpool2d, BatchNorm2d, Dropout, ReLU, Tanh, Sigmoid,
// Identity, Flatten and Unflatten. The interface is sealed (its method
// layer is unexported), so no other package can add one behind the
// lowerings' backs; LayerKinds lists them, and internal/crosscheck checks
// that every lowering handles each.
type Layer interface {
	// Kind is the PyTorch-style name of the layer, such as "Linear".
	Kind() string
	// OutShape returns the per-example output shape for the per-example
	// input shape in, or an error if the layer cannot take that input.
	OutShape(in []int) ([]int, error)
	// Params lists the layer's parameters; prefix is the layer's
	// state_dict prefix, such as "encoder.0".
	Params(prefix string) []Param
	// String describes the layer as PyTorch prints it, such as
	// "Linear(in_features=784, out_features=512)".
	String() string
	// layer seals the interface to this package's types.
	layer()
}

// LayerKinds returns one value of each concrete layer type, in the order
// of the Layer documentation: examples for tests that must cover every
// kind. Each is valid on a small input (a MaxUnpool2d needs its pool:
// Pool names "encoder.0").
func LayerKinds() []Layer {
	return []Layer{
		Linear{In: 6, Out: 4},
		Conv2d{In: 2, Out: 3, Kernel: 3, Padding: 1},
		ConvTranspose2d{In: 2, Out: 3, Kernel: 2, Stride: 2},
		MaxPool2d{Kernel: 2, Indices: true},
		MaxUnpool2d{Kernel: 2, Pool: "encoder.0"},
		BatchNorm2d{Channels: 2},
		Dropout{P: 0.5},
		ReLU{},
		Tanh{},
		Sigmoid{},
		Identity{},
		Flatten{},
		Unflatten{Shape: []int{2, 3}},
	}
}

// Init names a parameter initialisation scheme.
type Init string

// Initialisation schemes.
const (
	// InitTorch is PyTorch's default for nn.Linear: weights
	// kaiming_uniform_(a=sqrt(5)), that is U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
	// and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
	InitTorch Init = "torch-default"
	// InitGlorot is Keras' default for Dense: weights Glorot-uniform,
	// U(-sqrt(6/(fan_in+fan_out)), +sqrt(6/(fan_in+fan_out))), biases zero.
	InitGlorot Init = "glorot-uniform"
	// InitOnes and InitZeros fill the tensor with 1 or 0 (BatchNorm).
	InitOnes  Init = "ones"
	InitZeros Init = "zeros"
)

// A Param describes one named parameter tensor of a model.
type Param struct {
	// Name is the PyTorch state_dict key, such as "encoder.0.weight".
	Name string
	// Shape is the tensor shape in PyTorch layout (Linear weight is [out, in]).
	Shape []int
	// Init is the initialisation scheme; Bias tells the bias rule of that
	// scheme applies.
	Init Init
	Bias bool
	// FanIn and FanOut are the fans used by the initialiser.
	FanIn, FanOut int
	// Buffer marks state that is saved and exported but not trained, such
	// as BatchNorm's running statistics: it has no gradient and no
	// optimizer state.
	Buffer bool
}

// Size returns the number of elements of the parameter.
func (p Param) Size() int { return prod(p.Shape) }

// Linear is a fully connected layer y = x W^T + b, with W of shape
// [Out, In] as in PyTorch's nn.Linear.
type Linear struct {
	In, Out int
	// Init selects the initialiser; the zero value means InitTorch.
	Init Init
}

// Kind returns "Linear".
func (Linear) Kind() string { return "Linear" }

// OutShape returns [Out] for an input of shape [In].
func (l Linear) OutShape(in []int) ([]int, error) {
	if len(in) != 1 || in[0] != l.In {
		return nil, fmt.Errorf("Linear(%d, %d) needs input [%d], got %v", l.In, l.Out, l.In, in)
	}
	return []int{l.Out}, nil
}

// Params returns the weight [Out, In] and the bias [Out].
func (l Linear) Params(prefix string) []Param {
	init := l.Init
	if init == "" {
		init = InitTorch
	}
	return []Param{
		{Name: prefix + ".weight", Shape: []int{l.Out, l.In}, Init: init, FanIn: l.In, FanOut: l.Out},
		{Name: prefix + ".bias", Shape: []int{l.Out}, Init: init, Bias: true, FanIn: l.In, FanOut: l.Out},
	}
}

func (l Linear) String() string {
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d)", l.In, l.Out)
}

func (Linear) layer() {}

// ReLU is max(0, x), elementwise.
type ReLU struct{}

// Tanh is the hyperbolic tangent, elementwise.
type Tanh struct{}

// Sigmoid is 1/(1+exp(-x)), elementwise.
type Sigmoid struct{}

// Identity passes its input through unchanged.
type Identity struct{}

// Kind returns "ReLU".
func (ReLU) Kind() string { return "ReLU" }

// Kind returns "Tanh".
func (Tanh) Kind() string { return "Tanh" }

// Kind returns "Sigmoid".
func (Sigmoid) Kind() string { return "Sigmoid" }

// Kind returns "Identity".
func (Identity) Kind() string { return "Identity" }

// OutShape returns in.
func (ReLU) OutShape(in []int) ([]int, error) { return clone(in), nil }

// OutShape returns in.
func (Tanh) OutShape(in []int) ([]int, error) { return clone(in), nil }

// OutShape returns in.
func (Sigmoid) OutShape(in []int) ([]int, error) { return clone(in), nil }

// OutShape returns in.
func (Identity) OutShape(in []int) ([]int, error) { return clone(in), nil }

// Params returns nil: ReLU has no parameters.
func (ReLU) Params(string) []Param { return nil }

// Params returns nil: Tanh has no parameters.
func (Tanh) Params(string) []Param { return nil }

// Params returns nil: Sigmoid has no parameters.
func (Sigmoid) Params(string) []Param { return nil }

// Params returns nil: Identity has no parameters.
func (Identity) Params(string) []Param { return nil }

func (ReLU) String() string     { return "ReLU()" }
func (Tanh) String() string     { return "Tanh()" }
func (Sigmoid) String() string  { return "Sigmoid()" }
func (Identity) String() string { return "Identity()" }

func (ReLU) layer()     {}
func (Tanh) layer()     {}
func (Sigmoid) layer()  {}
func (Identity) layer() {}

// Flatten reshapes a per-example input of any rank to one dimension, as
// nn.Flatten() does with its default start_dim=1.
type Flatten struct{}

// Kind returns "Flatten".
func (Flatten) Kind() string { return "Flatten" }

// OutShape returns [product of in].
func (Flatten) OutShape(in []int) ([]int, error) { return []int{prod(in)}, nil }

// Params returns nil: Flatten has no parameters.
func (Flatten) Params(string) []Param { return nil }

func (Flatten) String() string { return "Flatten(start_dim=1, end_dim=-1)" }

func (Flatten) layer() {}

// Unflatten reshapes a one-dimensional per-example input to Shape, as
// nn.Unflatten(1, Shape) does.
type Unflatten struct{ Shape []int }

// Kind returns "Unflatten".
func (Unflatten) Kind() string { return "Unflatten" }

// OutShape returns Shape when in has as many elements.
func (u Unflatten) OutShape(in []int) ([]int, error) {
	if prod(in) != prod(u.Shape) {
		return nil, fmt.Errorf("Unflatten to %v needs %d elements, got %v", u.Shape, prod(u.Shape), in)
	}
	return clone(u.Shape), nil
}

// Params returns nil: Unflatten has no parameters.
func (Unflatten) Params(string) []Param { return nil }

func (u Unflatten) String() string {
	s := make([]string, len(u.Shape))
	for i, d := range u.Shape {
		s[i] = fmt.Sprint(d)
	}
	return "Unflatten(dim=1, unflattened_size=(" + strings.Join(s, ", ") + "))"
}

func (Unflatten) layer() {}

// Numel returns the number of elements of a tensor of the given shape: the
// product of its dimensions, 1 for a scalar.
func Numel(shape []int) int { return prod(shape) }

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func clone(s []int) []int { return append([]int(nil), s...) }
