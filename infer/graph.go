package infer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// A Port is one input or output of a Graph, as onnxruntime sees it.
type Port struct {
	// Name is the graph's name of the input or output.
	Name string
	// Kind is what flows through it: KindTensor, or a sequence, a map, an
	// optional, ... which a Graph does not run.
	Kind string
	// Type is a tensor's element type.
	Type ElemType
	// Shape is a tensor's dimensions, -1 for a symbolic one.
	Shape []int64
}

// KindTensor is the Kind of a Port through which a dense tensor flows.
const KindTensor = "tensor"

// kinds names onnxruntime's value types as a Port's Kind.
var kinds = map[ort.ONNXType]string{
	ort.ONNXTypeTensor: KindTensor, ort.ONNXTypeSequence: "sequence", ort.ONNXTypeMap: "map",
	ort.ONNXTypeOptional: "optional", ort.ONNXTypeSparseTensor: "sparse tensor", ort.ONNXTypeOpaque: "opaque",
}

func portOf(io ort.InputOutputInfo) Port {
	p := Port{Name: io.Name, Kind: kinds[io.OrtValueType]}
	if p.Kind == "" {
		p.Kind = "value of unknown kind"
	}
	if p.Kind == KindTensor {
		p.Type = ElemType(io.DataType)
		p.Shape = slices.Clone(io.Dimensions)
	}
	return p
}

// String describes the port as "x: float [? 1 28 28]" (? a symbolic
// dimension), or "s: sequence" for what is not a tensor.
func (p Port) String() string {
	if p.Kind != KindTensor {
		return p.Name + ": " + p.Kind
	}
	return fmt.Sprintf("%s: %s %s", p.Name, p.Type, shapeWords(p.Shape))
}

// Fixed reports whether every dimension of the port is known.
func (p Port) Fixed() bool {
	return p.Kind == KindTensor && !slices.ContainsFunc(p.Shape, func(d int64) bool { return d < 0 })
}

// An UnsupportedError says that a graph's input or output is not a tensor
// of a type zoo runs: a sequence, a map, strings, complex numbers.
type UnsupportedError struct {
	// Model is the model file, Port the input or output.
	Model string
	Port  Port
}

func (e *UnsupportedError) Error() string {
	what := "a " + e.Port.Kind
	if e.Port.Kind == KindTensor {
		what = "a tensor of " + e.Port.Type.String()
	}
	return fmt.Sprintf("%s: %s is %s, which zoo does not run (it runs tensors of numbers and bools; sequences, maps, strings and complex numbers are not supported)",
		e.Model, e.Port.Name, what)
}

// supported returns an *UnsupportedError for a port zoo cannot run.
func supported(model string, p Port) error {
	if p.Kind != KindTensor || p.Type.Size() == 0 {
		return &UnsupportedError{Model: model, Port: p}
	}
	return nil
}

// A Graph is any ONNX model loaded into onnxruntime: it lists the model's
// inputs and outputs with their element types and shapes, and runs named
// Values through it. Session is the special case zoo streams images
// through: one float32 input and one float32 output with a batch
// dimension.
type Graph struct {
	path      string
	provider  string
	ins, outs []Port
	meta      map[string]string
	sess      *ort.DynamicAdvancedSession
	cuda      bool
}

// OpenGraph loads the ONNX model at path with the session options opt
// (Device, Threads, CUDA and Warn; IOBinding does not apply). A model
// onnxruntime cannot load is an error that gives onnxruntime's reason.
func OpenGraph(path string, opt Options) (*Graph, error) {
	if err := Init(""); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("open model %s: not a model onnxruntime can load: %w", path, err)
	}
	g := &Graph{path: path}
	for _, io := range ins {
		g.ins = append(g.ins, portOf(io))
	}
	for _, io := range outs {
		g.outs = append(g.outs, portOf(io))
	}
	if g.meta, err = metadata(path); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	dev := opt.Device
	if dev.Kind == "" {
		dev.Kind = "cpu"
	}
	err = g.create(dev, opt)
	if errors.Is(err, ErrNoCUDA) && dev.Kind == "auto" {
		if opt.Warn != nil {
			fmt.Fprintf(opt.Warn, "zoo: %v; using the CPU\n", err)
		}
		err = g.create(Device{Kind: "cpu"}, Options{Threads: opt.Threads})
	}
	if err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	return g, nil
}

// create makes the onnxruntime session of g on dev.
func (g *Graph) create(dev Device, opt Options) error {
	var err error
	guard := func(f func()) { f() }
	if dev.Kind != "cpu" {
		guard = func(f func()) { guardSignals(f) }
	}
	guard(func() {
		var opts *ort.SessionOptions
		opts, g.provider, _, err = sessionOptions(dev, opt.Threads, opt.CUDA, opt.Warn)
		if err != nil {
			return
		}
		defer free(opts)
		g.sess, err = ort.NewDynamicAdvancedSession(g.path, names(g.ins), names(g.outs), opts)
		if err != nil && g.provider == CUDAProvider {
			err = fmt.Errorf("%w: %w", ErrNoCUDA, err)
		}
	})
	g.cuda = g.provider == CUDAProvider
	return err
}

func names(ports []Port) []string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = p.Name
	}
	return s
}

// Path returns the model file.
func (g *Graph) Path() string { return g.path }

// Provider returns the execution provider in use, such as "CPUExecutionProvider".
func (g *Graph) Provider() string { return g.provider }

// Inputs returns the model's inputs, in the model's order (initializers
// excluded).
func (g *Graph) Inputs() []Port { return slices.Clone(g.ins) }

// Outputs returns the model's outputs, in the model's order.
func (g *Graph) Outputs() []Port { return slices.Clone(g.outs) }

// Metadata returns the model's metadata_props.
func (g *Graph) Metadata() map[string]string { return g.meta }

// Run runs the model on the values in, one for each input, matched by
// name, and returns the outputs in the model's order. The values must
// have the inputs' element types and fit their shapes. want gives, by
// output name, the shapes expected of outputs whose shapes the model
// leaves symbolic; only float16 and bfloat16 outputs need one
// (onnxruntime_go v1.27.0 cannot copy such outputs out of tensors
// onnxruntime allocated). A graph with an input or output that is not a
// tensor of numbers or bools returns an *UnsupportedError.
func (g *Graph) Run(in []Value, want map[string][]int64) ([]Value, error) {
	inputs, err := g.inputValues(in)
	defer destroy(inputs)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", g.path, err)
	}
	outputs := make([]ort.Value, len(g.outs))
	defer destroy(outputs)
	for i, p := range g.outs {
		if err := supported(g.path, p); err != nil {
			return nil, err
		}
		shape := p.Shape
		if s, ok := want[p.Name]; ok && !p.Fixed() {
			shape = s
		}
		if !slices.ContainsFunc(shape, func(d int64) bool { return d < 0 }) && len(shape) > 0 && shapeLen(shape) > 0 {
			if outputs[i], err = ort.NewCustomDataTensor(ort.Shape(shape), make([]byte, shapeLen(shape)*p.Type.Size()), ort.TensorElementDataType(p.Type)); err != nil {
				return nil, fmt.Errorf("run %s: allocate output %s: %w", g.path, p, err)
			}
		} else if p.Type.Size() == 2 && !isInt16(p.Type) {
			return nil, fmt.Errorf("run %s: output %s has symbolic dimensions: give its shape to receive %s values", g.path, p, p.Type)
		}
	}
	g.guard(func() { err = g.sess.Run(inputs, outputs) })
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", g.path, err)
	}
	vals := make([]Value, len(g.outs))
	for i, p := range g.outs {
		if vals[i], err = valueOf(p, outputs[i]); err != nil {
			return nil, fmt.Errorf("run %s: %w", g.path, err)
		}
	}
	return vals, nil
}

func isInt16(dt ElemType) bool {
	return dt == Int16 || dt == Uint16
}

// guard runs f, putting back Go's signal handlers afterwards on CUDA.
func (g *Graph) guard(f func()) {
	if g.cuda {
		guardSignals(f)
		return
	}
	f()
}

// inputValues makes the onnxruntime tensors of in, in the order of the
// model's inputs, checking each value against its input.
func (g *Graph) inputValues(in []Value) ([]ort.Value, error) {
	values := make([]ort.Value, len(g.ins))
	seen := map[string]bool{}
	for _, v := range in {
		i := slices.IndexFunc(g.ins, func(p Port) bool { return p.Name == v.Name })
		switch {
		case i < 0:
			return values, fmt.Errorf("no input named %q (the inputs are %s)", v.Name, strings.Join(names(g.ins), ", "))
		case seen[v.Name]:
			return values, fmt.Errorf("input %s given twice", v.Name)
		}
		seen[v.Name] = true
		p := g.ins[i]
		if err := supported(g.path, p); err != nil {
			return values, err
		}
		if err := fits(p, v); err != nil {
			return values, err
		}
		var err error
		if values[i], err = ortValue(v); err != nil {
			return values, fmt.Errorf("input %s: %w", p.Name, err)
		}
	}
	if len(seen) != len(g.ins) {
		var missing []string
		for _, p := range g.ins {
			if !seen[p.Name] {
				missing = append(missing, p.Name)
			}
		}
		return values, fmt.Errorf("no value for input %s", strings.Join(missing, ", "))
	}
	return values, nil
}

// ortValue makes the onnxruntime tensor of v.
func ortValue(v Value) (ort.Value, error) {
	switch {
	case v.Len() == 0:
		return nil, fmt.Errorf("empty (shape %v): onnxruntime_go cannot pass empty tensors", v.Shape)
	case len(v.Shape) > 0:
		return ort.NewCustomDataTensor(ort.Shape(slices.Clone(v.Shape)), slices.Clone(v.Raw), ort.TensorElementDataType(v.Type))
	}
	// A scalar: onnxruntime_go makes those of Go types only.
	le := binary.LittleEndian
	switch v.Type {
	case Float:
		return ort.NewScalar(math.Float32frombits(le.Uint32(v.Raw)))
	case Double:
		return ort.NewScalar(math.Float64frombits(le.Uint64(v.Raw)))
	case Int8:
		return ort.NewScalar(int8(v.Raw[0]))
	case Uint8:
		return ort.NewScalar(v.Raw[0])
	case Bool:
		return ort.NewScalar(v.Raw[0] != 0)
	case Int16:
		return ort.NewScalar(int16(le.Uint16(v.Raw)))
	case Uint16:
		return ort.NewScalar(le.Uint16(v.Raw))
	case Int32:
		return ort.NewScalar(int32(le.Uint32(v.Raw)))
	case Uint32:
		return ort.NewScalar(le.Uint32(v.Raw))
	case Int64:
		return ort.NewScalar(int64(le.Uint64(v.Raw)))
	case Uint64:
		return ort.NewScalar(le.Uint64(v.Raw))
	}
	return nil, fmt.Errorf("a scalar of %s: onnxruntime_go cannot pass one", v.Type)
}

// fits checks that v has the type of p, its rank and its fixed dimensions.
func fits(p Port, v Value) error {
	if v.Type != p.Type {
		return fmt.Errorf("input %s takes %s values, not %s", p, p.Type, v.Type)
	}
	ok := len(v.Shape) == len(p.Shape)
	for i := 0; ok && i < len(p.Shape); i++ {
		ok = p.Shape[i] < 0 || p.Shape[i] == v.Shape[i]
	}
	if !ok {
		return fmt.Errorf("input %s does not take a tensor of shape %v", p, v.Shape)
	}
	if len(v.Raw) != v.Len()*v.Type.Size() {
		return fmt.Errorf("input %s: %d bytes for %v values of %s", p.Name, len(v.Raw), v.Shape, v.Type)
	}
	return nil
}

// valueOf copies an output onnxruntime returned into a Value.
func valueOf(p Port, v ort.Value) (Value, error) {
	out := Value{Name: p.Name, Type: p.Type, Shape: slices.Clone([]int64(v.GetShape()))}
	var err error
	switch t := v.(type) {
	case *ort.CustomDataTensor:
		out.Raw = slices.Clone(t.GetData())
	case *ort.Tensor[float32]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[float64]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[int8]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[uint8]:
		out.Raw = slices.Clone(t.GetData())
	case *ort.Tensor[int16]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[uint16]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[int32]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[uint32]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[int64]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[uint64]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	case *ort.Tensor[bool]:
		out.Raw, err = binary.Append(nil, binary.LittleEndian, t.GetData())
	default:
		return Value{}, fmt.Errorf("output %s: onnxruntime gave a %T", p.Name, v)
	}
	if err == nil && len(out.Raw) != out.Len()*out.Type.Size() {
		err = fmt.Errorf("%d bytes for %v values of %s", len(out.Raw), out.Shape, out.Type)
	}
	if err != nil {
		return Value{}, fmt.Errorf("output %s: %w", p.Name, err)
	}
	return out, nil
}

func shapeLen(s []int64) int {
	n := 1
	for _, d := range s {
		n *= int(d)
	}
	return n
}

func destroy(values []ort.Value) {
	for _, v := range values {
		if v != nil {
			free(v)
		}
	}
}

// Close releases the session.
func (g *Graph) Close() error {
	if g.sess == nil {
		return nil
	}
	err := g.sess.Destroy()
	g.sess = nil
	return err
}
