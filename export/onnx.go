// Package export lowers a zoo model spec and its weights to ONNX.
//
// Graphs use opset 17 and IR version 8, take one input named "input" and
// give one output named "output", both with a symbolic batch dimension "N".
// Initializers carry the PyTorch state_dict names of the spec, so an ONNX
// file can be read back into PyTorch or zoo without renaming. Linear lowers
// to Gemm with transB=1, activations to Relu, Tanh and Sigmoid.
package export

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

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

// Metadata keys written to every model's metadata_props.
const (
	MetaModel       = "zoo.model"        // registry name, such as "relu-ae-30"
	MetaPart        = "zoo.part"         // "model", or the part name: "encoder", "decoder"
	MetaFamily      = "zoo.family"       // notebook family
	MetaTask        = "zoo.task"         // task of the part: reconstruct, encode, decode or classify
	MetaInputShape  = "zoo.input_shape"  // per-example input shape as JSON, such as [784]
	MetaOutputShape = "zoo.output_shape" // per-example output shape as JSON
	MetaRecipe      = "zoo.recipe"       // training recipe as JSON
	MetaParams      = "zoo.params"       // parameter count of the part
	MetaVersion     = "zoo.version"      // zoo version that wrote the file
	MetaWeights     = "zoo.weights"      // where the weights came from
)

// Options are the settings of one ONNX model.
type Options struct {
	// Part is "" or "model" for the whole model, or the name of one part.
	Part string
	// Weights says where the weights came from, for the metadata.
	Weights string
}

// PartTask is the task a part of a reconstruct model performs: the whole
// model reconstructs, the first part encodes and the last decodes.
func PartTask(m *zoo.Model, part string) string {
	switch {
	case part == "" || part == "model":
		return string(m.Task)
	case m.Task == zoo.Reconstruct && len(m.Parts) > 0 && part == m.Parts[0].Name:
		return "encode"
	case m.Task == zoo.Reconstruct && len(m.Parts) > 0 && part == m.Parts[len(m.Parts)-1].Name:
		return "decode"
	default:
		return part
	}
}

// Model lowers m (or one of its parts) with weights w to an ONNX model.
func Model(m *zoo.Model, w zoo.Weights, opt Options) (*onnxpb.ModelProto, error) {
	if err := m.CheckWeights(w); err != nil {
		return nil, err
	}
	part := opt.Part
	if part == "" {
		part = "model"
	}
	sub := m
	if part != "model" {
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
	cur := InputName
	for i, s := range steps {
		out := s.Prefix
		if i == len(steps)-1 {
			out = OutputName
		}
		nodes, inits, err := lower(s, w, cur, out)
		if err != nil {
			return nil, fmt.Errorf("model %s: layer %s: %w", m.Name, s.Prefix, err)
		}
		g.Node = append(g.Node, nodes...)
		g.Initializer = append(g.Initializer, inits...)
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
		entry(MetaModel, m.Name),
		entry(MetaPart, part),
		entry(MetaFamily, m.Family),
		entry(MetaTask, PartTask(m, part)),
		entry(MetaInputShape, shapeJSON(sub.Input)),
		entry(MetaOutputShape, shapeJSON(outShape)),
		entry(MetaRecipe, string(recipe)),
		entry(MetaParams, strconv.Itoa(sub.NumParams())),
		entry(MetaVersion, zoo.Version),
	}
	if opt.Weights != "" {
		meta = append(meta, entry(MetaWeights, opt.Weights))
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

// lower returns the nodes and initializers of one layer reading value in and
// writing value out.
func lower(s zoo.Step, w zoo.Weights, in, out string) ([]*onnxpb.NodeProto, []*onnxpb.TensorProto, error) {
	switch l := s.Layer.(type) {
	case zoo.Linear:
		wn, bn := s.Prefix+".weight", s.Prefix+".bias"
		n := node("Gemm", s.Prefix, []string{in, wn, bn}, []string{out})
		n.Attribute = []*onnxpb.AttributeProto{intAttr("transB", 1)}
		return []*onnxpb.NodeProto{n}, []*onnxpb.TensorProto{Tensor(wn, w[wn]), Tensor(bn, w[bn])}, nil
	case zoo.ReLU:
		return one(node("Relu", s.Prefix, []string{in}, []string{out})), nil, nil
	case zoo.Tanh:
		return one(node("Tanh", s.Prefix, []string{in}, []string{out})), nil, nil
	case zoo.Sigmoid:
		return one(node("Sigmoid", s.Prefix, []string{in}, []string{out})), nil, nil
	case zoo.Identity:
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
// float_data, into a zoo tensor.
func FromTensorProto(tp *onnxpb.TensorProto) (*zoo.Tensor, error) {
	if tp.GetDataType() != int32(onnxpb.TensorProto_FLOAT) {
		return nil, fmt.Errorf("tensor %q: data type %s, want FLOAT", tp.GetName(), onnxpb.TensorProto_DataType(tp.GetDataType()))
	}
	n := 1
	shape := make([]int, len(tp.Dims))
	for i, d := range tp.Dims {
		if d < 0 || (d > 0 && n > math.MaxInt32/int(d)) {
			return nil, fmt.Errorf("tensor %q: bad dims %v", tp.GetName(), tp.Dims)
		}
		shape[i] = int(d)
		n *= int(d)
	}
	t := &zoo.Tensor{Shape: shape}
	switch {
	case tp.RawData != nil:
		if len(tp.RawData) != 4*n {
			return nil, fmt.Errorf("tensor %q: raw data holds %d bytes, dims %v need %d", tp.GetName(), len(tp.RawData), tp.Dims, 4*n)
		}
		t.Data = make([]float32, n)
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(tp.RawData[4*i:]))
		}
	default:
		if len(tp.FloatData) != n {
			return nil, fmt.Errorf("tensor %q: holds %d floats, dims %v need %d", tp.GetName(), len(tp.FloatData), tp.Dims, n)
		}
		t.Data = append([]float32(nil), tp.FloatData...)
	}
	return t, nil
}

func valueInfo(name string, shape []int) *onnxpb.ValueInfoProto {
	dims := []*onnxpb.TensorShapeProto_Dimension{{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: BatchDim}}}
	for _, d := range shape {
		dims = append(dims, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
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

func entry(k, v string) *onnxpb.StringStringEntryProto {
	return &onnxpb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(v)}
}

func shapeJSON(s []int) string {
	b, _ := json.Marshal(s)
	return string(b)
}
