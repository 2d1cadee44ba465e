// Package export lowers a zoo model spec and its weights to ONNX.
//
// Graphs use opset 17 and IR version 8, take one input named "input" and
// give one output named "output", both with a symbolic batch dimension "N";
// every intermediate value is declared (value_info) with its shape, named
// by its layer's state_dict prefix ("encoder.3"). Initializers carry the
// PyTorch state_dict names of the spec, so an ONNX file can be read back
// into PyTorch or zoo without renaming. The graph is the evaluation-mode
// network:
//
//   - Linear lowers to Gemm with transB=1; ReLU, Tanh and Sigmoid to Relu,
//     Tanh and Sigmoid; Flatten to Flatten (axis 1) and Unflatten to
//     Reshape [-1, shape...].
//   - Conv2d and ConvTranspose2d lower to Conv and ConvTranspose with
//     kernel_shape, strides and pads; ONNX's ConvTranspose weight layout
//     [In, Out, K, K] is PyTorch's.
//   - BatchNorm2d lowers to BatchNormalization in inference form: weight,
//     bias, running_mean and running_var are initializers under their
//     state_dict names, epsilon zoo.BatchNormEps.
//   - Dropout lowers to Identity.
//   - MaxPool2d lowers to MaxPool (no padding, floor mode). A pool that a
//     later MaxUnpool2d names in the same graph also outputs its Indices
//     ("encoder.2.indices", int64). ONNX indices are offsets into the whole
//     N x C x H x W input, not into one plane as PyTorch's are, so they are
//     only meaningful to a MaxUnpool of the same graph, which is how zoo
//     uses them.
//   - MaxUnpool2d lowers to MaxUnpool with its third input output_shape,
//     the pool's input shape read at run time by a Shape node: it restores
//     the exact size where the pool rounded down (7x7 to 3x3 and back to
//     7x7, not 6x6) whatever the batch size. An encoder part exports on its
//     own (its pools then output no indices); a decoder that unpools with
//     an encoder's indices does not.
package export

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/quant"
	"github.com/zoo-ml/zoo/zoo"
)

// ClassNames returns the class names of a classifier, from the catalogue
// entry of its data set, when they are known and as many as its outputs;
// nil otherwise.
func ClassNames(m *zoo.Model) []string {
	if m.Task != zoo.Classify {
		return nil
	}
	out, err := m.OutShape()
	if err != nil || len(out) != 1 {
		return nil
	}
	return dataset.ClassNames(m.Dataset, out[0])
}

// Opset and IRVersion are the ONNX versions zoo writes.
const (
	Opset     = 17
	IRVersion = 8
)

// Names of the graph input and output, and of the symbolic batch dimension.
const (
	InputName  = "input"
	OutputName = "output"
	BatchDim   = "N"
)

// Options are the settings of one ONNX model.
type Options struct {
	// Part is "" or zoo.WholeModel for the whole model, or the name of one part.
	Part string
	// Weights says where the weights came from, for the metadata.
	Weights string
	// Quantize stores and computes the Linear layers in int8 (see Int8);
	// the zero value writes float32.
	Quantize Quantization
	// Tolerance, when positive, is written as the quantized model's
	// zoo.quantization_tolerance (see zoo.MetaQuantTolerance).
	Tolerance float64
}

// Model lowers m (or one of its parts) with weights w to an ONNX model.
func Model(m *zoo.Model, w zoo.Weights, opt Options) (*onnxpb.ModelProto, error) {
	if err := m.CheckWeights(w); err != nil {
		return nil, err
	}
	part := opt.Part
	if part == "" {
		part = zoo.WholeModel
	}
	sub := m
	if part != zoo.WholeModel {
		var err error
		if sub, err = m.Sub(part); err != nil {
			return nil, err
		}
	}
	steps, err := sub.Steps()
	if err != nil {
		return nil, err
	}
	g := &onnxpb.GraphProto{
		Name:      proto.String(sub.Name),
		DocString: proto.String(m.Description),
		Input:     []*onnxpb.ValueInfoProto{valueInfo(InputName, sub.Input)},
	}
	switch opt.Quantize {
	case Float32, Int8:
	default:
		return nil, fmt.Errorf("model %s: quantization %q: want %q or %q", m.Name, opt.Quantize, Float32, Int8)
	}
	lw := &lowering{w: w, q: opt.Quantize, poolIn: map[string]string{}, keep: map[string]bool{}}
	for _, s := range steps {
		if u, ok := s.Layer.(zoo.MaxUnpool2d); ok {
			lw.keep[u.Pool] = true
		}
	}
	cur := InputName
	for i, s := range steps {
		out := s.Prefix
		if i == len(steps)-1 {
			out = OutputName
		} else {
			g.ValueInfo = append(g.ValueInfo, valueInfo(out, s.Out))
		}
		nodes, inits, err := lw.lower(s, cur, out)
		if err != nil {
			return nil, fmt.Errorf("model %s: layer %s: %w", m.Name, s.Prefix, err)
		}
		if lw.keep[s.Prefix] {
			g.ValueInfo = append(g.ValueInfo, typedValueInfo(indicesName(s.Prefix), onnxpb.TensorProto_INT64, s.Out))
		}
		g.Node = append(g.Node, nodes...)
		g.Initializer = append(g.Initializer, inits...)
		if _, ok := s.Layer.(zoo.MaxPool2d); ok {
			lw.poolIn[s.Prefix] = cur
		}
		cur = out
	}
	outShape := sub.Input
	if len(steps) > 0 {
		outShape = steps[len(steps)-1].Out
	}
	if len(steps) == 0 {
		g.Node = append(g.Node, node("Identity", "identity", []string{InputName}, []string{OutputName}))
	}
	g.Output = []*onnxpb.ValueInfoProto{valueInfo(OutputName, outShape)}

	recipe, err := json.Marshal(m.Recipe)
	if err != nil {
		return nil, err
	}
	meta := []*onnxpb.StringStringEntryProto{
		entry(zoo.MetaModel, m.Name),
		entry(zoo.MetaPart, part),
		entry(zoo.MetaFamily, m.Family),
		entry(zoo.MetaTask, string(m.PartTask(part))),
		entry(zoo.MetaInputShape, shapeJSON(sub.Input)),
		entry(zoo.MetaOutputShape, shapeJSON(outShape)),
		entry(zoo.MetaRecipe, string(recipe)),
		entry(zoo.MetaParams, strconv.Itoa(sub.NumParams())),
		entry(zoo.MetaVersion, zoo.Version),
	}
	if opt.Weights != "" {
		meta = append(meta, entry(zoo.MetaWeights, opt.Weights))
	}
	if opt.Quantize != Float32 {
		meta = append(meta, entry(zoo.MetaQuantization, string(opt.Quantize)))
	}
	if opt.Tolerance > 0 {
		meta = append(meta, entry(zoo.MetaQuantTolerance, strconv.FormatFloat(opt.Tolerance, 'g', 3, 64)))
	}
	if names := ClassNames(m); names != nil && m.PartTask(part) == zoo.Classify {
		b, _ := json.Marshal(names)
		meta = append(meta, entry(zoo.MetaClasses, string(b)))
	}
	return &onnxpb.ModelProto{
		IrVersion:       proto.Int64(IRVersion),
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:    proto.String("zoo"),
		ProducerVersion: proto.String(zoo.Version),
		ModelVersion:    proto.Int64(1),
		DocString:       proto.String(fmt.Sprintf("%s (%s): %s", sub.Name, m.Family, m.Description)),
		Graph:           g,
		MetadataProps:   meta,
	}, nil
}

// lowering holds what lowering one layer needs beyond the layer itself.
type lowering struct {
	w zoo.Weights
	q Quantization
	// keep holds the prefixes of the pools whose indices a MaxUnpool2d uses.
	keep map[string]bool
	// poolIn maps a pool's prefix to the name of its input value.
	poolIn map[string]string
}

// indicesName is the name of the Indices output of the pool with the given prefix.
func indicesName(pool string) string { return pool + ".indices" }

// lower returns the nodes and initializers of one layer reading value in and
// writing value out.
func (lw *lowering) lower(s zoo.Step, in, out string) ([]*onnxpb.NodeProto, []*onnxpb.TensorProto, error) {
	w := lw.w
	params := func(names ...string) ([]string, []*onnxpb.TensorProto) {
		var full []string
		var inits []*onnxpb.TensorProto
		for _, n := range names {
			full = append(full, s.Prefix+"."+n)
			inits = append(inits, Tensor(s.Prefix+"."+n, w[s.Prefix+"."+n]))
		}
		return full, inits
	}
	switch l := s.Layer.(type) {
	case zoo.Linear:
		if lw.q == Int8 && quant.Quantized(l.In, l.Out) {
			return lowerLinearInt8(s.Prefix, in, out, w[s.Prefix+".weight"], w[s.Prefix+".bias"])
		}
		names, inits := params("weight", "bias")
		n := node("Gemm", s.Prefix, append([]string{in}, names...), []string{out})
		n.Attribute = []*onnxpb.AttributeProto{intAttr("transB", 1)}
		return one(n), inits, nil
	case zoo.Conv2d:
		names, inits := params("weight", "bias")
		n := node("Conv", s.Prefix, append([]string{in}, names...), []string{out})
		n.Attribute = convAttrs(l.Kernel, l.StrideOr1(), l.Padding)
		return one(n), inits, nil
	case zoo.ConvTranspose2d:
		names, inits := params("weight", "bias")
		n := node("ConvTranspose", s.Prefix, append([]string{in}, names...), []string{out})
		n.Attribute = convAttrs(l.Kernel, l.StrideOr1(), l.Padding)
		return one(n), inits, nil
	case zoo.MaxPool2d:
		outs := []string{out}
		if lw.keep[s.Prefix] {
			outs = append(outs, indicesName(s.Prefix))
		}
		n := node("MaxPool", s.Prefix, []string{in}, outs)
		n.Attribute = poolAttrs(l.Kernel, l.StrideOrKernel())
		return one(n), nil, nil
	case zoo.MaxUnpool2d:
		poolIn, ok := lw.poolIn[l.Pool]
		if !ok || !lw.keep[l.Pool] {
			return nil, nil, fmt.Errorf("%s: no earlier pool %q in this graph keeps its indices", l, l.Pool)
		}
		// The output shape is the pool's input shape, batch included, read
		// at run time: MaxPool's Indices index that whole N x C x H x W
		// tensor, and a pool that rounded its output size down needs the
		// size given (7x7 pools to 3x3, which unpools to 6x6 by default).
		shapeName := s.Prefix + ".output_shape"
		shape := node("Shape", s.Prefix+".shape", []string{poolIn}, []string{shapeName})
		n := node("MaxUnpool", s.Prefix, []string{in, indicesName(l.Pool), shapeName}, []string{out})
		n.Attribute = poolAttrs(l.Kernel, l.StrideOrKernel())
		return []*onnxpb.NodeProto{shape, n}, nil, nil
	case zoo.BatchNorm2d:
		names, inits := params("weight", "bias", "running_mean", "running_var")
		n := node("BatchNormalization", s.Prefix, append([]string{in}, names...), []string{out})
		n.Attribute = []*onnxpb.AttributeProto{
			floatAttr("epsilon", zoo.BatchNormEps),
			floatAttr("momentum", 1-zoo.BatchNormMomentum), // ONNX weighs the running statistics
		}
		return one(n), inits, nil
	case zoo.ReLU:
		return one(node("Relu", s.Prefix, []string{in}, []string{out})), nil, nil
	case zoo.Tanh:
		return one(node("Tanh", s.Prefix, []string{in}, []string{out})), nil, nil
	case zoo.Sigmoid:
		return one(node("Sigmoid", s.Prefix, []string{in}, []string{out})), nil, nil
	case zoo.Identity, zoo.Dropout:
		return one(node("Identity", s.Prefix, []string{in}, []string{out})), nil, nil
	case zoo.Flatten:
		n := node("Flatten", s.Prefix, []string{in}, []string{out})
		n.Attribute = []*onnxpb.AttributeProto{intAttr("axis", 1)}
		return one(n), nil, nil
	case zoo.Unflatten:
		shapeName := s.Prefix + ".shape"
		dims := append([]int{-1}, l.Shape...)
		shape := &onnxpb.TensorProto{Name: proto.String(shapeName), Dims: []int64{int64(len(dims))}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT64))}
		for _, d := range dims {
			shape.Int64Data = append(shape.Int64Data, int64(d))
		}
		return one(node("Reshape", s.Prefix, []string{in, shapeName}, []string{out})), []*onnxpb.TensorProto{shape}, nil
	default:
		return nil, nil, fmt.Errorf("no ONNX lowering of %s", s.Layer.Kind())
	}
}

// convAttrs are the attributes of a square Conv or ConvTranspose.
func convAttrs(kernel, stride, pad int) []*onnxpb.AttributeProto {
	return []*onnxpb.AttributeProto{
		intsAttr("kernel_shape", kernel, kernel),
		intsAttr("strides", stride, stride),
		intsAttr("pads", pad, pad, pad, pad),
	}
}

// poolAttrs are the attributes of a square MaxPool or MaxUnpool without padding.
func poolAttrs(kernel, stride int) []*onnxpb.AttributeProto {
	return []*onnxpb.AttributeProto{
		intsAttr("kernel_shape", kernel, kernel),
		intsAttr("strides", stride, stride),
	}
}

// Tensor returns t as a float32 TensorProto named name, with raw little-endian data.
func Tensor(name string, t *zoo.Tensor) *onnxpb.TensorProto {
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = int64(d)
	}
	raw := make([]byte, 4*len(t.Data))
	for i, v := range t.Data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{
		Name:     proto.String(name),
		Dims:     dims,
		DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		RawData:  raw,
	}
}

// FromTensorProto decodes a float32 TensorProto, stored as raw_data or as
// float_data, into a zoo tensor (see [onnxpb.DecodeFloats]).
func FromTensorProto(tp *onnxpb.TensorProto) (*zoo.Tensor, error) {
	data, shape, err := onnxpb.DecodeFloats(tp)
	if err != nil {
		return nil, err
	}
	return &zoo.Tensor{Shape: shape, Data: data}, nil
}

func valueInfo(name string, shape []int) *onnxpb.ValueInfoProto {
	return typedValueInfo(name, onnxpb.TensorProto_FLOAT, shape)
}

// typedValueInfo describes a tensor of elements t and shape [N, shape...].
func typedValueInfo(name string, t onnxpb.TensorProto_DataType, shape []int) *onnxpb.ValueInfoProto {
	dims := []*onnxpb.TensorShapeProto_Dimension{{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: BatchDim}}}
	for _, d := range shape {
		dims = append(dims, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(t)),
			Shape:    &onnxpb.TensorShapeProto{Dim: dims},
		}}},
	}
}

func node(op, name string, in, out []string) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{OpType: proto.String(op), Name: proto.String(name), Input: in, Output: out}
}

func one(n *onnxpb.NodeProto) []*onnxpb.NodeProto { return []*onnxpb.NodeProto{n} }

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func intsAttr(name string, v ...int) *onnxpb.AttributeProto {
	a := &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum()}
	for _, x := range v {
		a.Ints = append(a.Ints, int64(x))
	}
	return a
}

func floatAttr(name string, v float64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_FLOAT.Enum(), F: proto.Float32(float32(v))}
}

func entry(k, v string) *onnxpb.StringStringEntryProto {
	return &onnxpb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(v)}
}

func shapeJSON(s []int) string {
	b, _ := json.Marshal(s)
	return string(b)
}
