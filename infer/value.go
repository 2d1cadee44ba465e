package infer

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/zoo-ml/zoo/internal/half"
	"github.com/zoo-ml/zoo/onnxpb"
)

// A Value is a named tensor of any numeric or bool element type: what a
// Graph takes and gives. Its values are little-endian bytes, laid out as
// ONNX's raw_data lays them out (row-major; bool one byte each, float16
// and bfloat16 their 16-bit patterns).
type Value struct {
	// Name is the graph input or output the value is for.
	Name string
	// Type is the element type, by ONNX's numbering (onnxruntime's too).
	Type onnxpb.TensorProto_DataType
	// Shape is the tensor's dimensions; empty for a scalar.
	Shape []int64
	// Raw holds the Len() values, ElemSize(Type) bytes each.
	Raw []byte
}

// ValueOf decodes a TensorProto, such as a test data file of the ONNX Model
// Zoo holds, into a Value named by the tensor's name (see onnxpb.DecodeRaw).
func ValueOf(tp *onnxpb.TensorProto) (Value, error) {
	dt, shape, raw, err := onnxpb.DecodeRaw(tp)
	if err != nil {
		return Value{}, err
	}
	return Value{Name: tp.GetName(), Type: dt, Shape: shape, Raw: raw}, nil
}

// Float32Value returns a float32 Value holding data, of the given shape.
func Float32Value(name string, shape []int64, data []float32) Value {
	raw := make([]byte, 0, 4*len(data))
	for _, v := range data {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return Value{Name: name, Type: onnxpb.TensorProto_FLOAT, Shape: append([]int64{}, shape...), Raw: raw}
}

// Len returns the number of values: the product of the dimensions.
func (v Value) Len() int {
	n := 1
	for _, d := range v.Shape {
		n *= int(d)
	}
	return n
}

// Describe returns the type and shape in words, such as "float [8 10]".
func (v Value) Describe() string {
	return fmt.Sprintf("%s %v", onnxpb.TypeName(v.Type), v.Shape)
}

// IsFloat reports whether the element type is a floating-point one.
func (v Value) IsFloat() bool { return isFloat(v.Type) }

func isFloat(dt onnxpb.TensorProto_DataType) bool {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		return true
	}
	return false
}

// Float64s returns the values as float64: float16 and bfloat16 decoded
// exactly, integers converted (int64 and uint64 beyond 2^53 rounded), bools
// as 0 and 1. It returns nil for a Raw that does not hold Len() values of
// Type.
func (v Value) Float64s() []float64 {
	size := onnxpb.ElemSize(v.Type)
	n := v.Len()
	if size == 0 || len(v.Raw) != n*size {
		return nil
	}
	out := make([]float64, n)
	le := binary.LittleEndian
	for i := range out {
		b := v.Raw[i*size:]
		switch v.Type {
		case onnxpb.TensorProto_FLOAT:
			out[i] = float64(math.Float32frombits(le.Uint32(b)))
		case onnxpb.TensorProto_DOUBLE:
			out[i] = math.Float64frombits(le.Uint64(b))
		case onnxpb.TensorProto_FLOAT16:
			out[i] = float64(half.Float32(le.Uint16(b)))
		case onnxpb.TensorProto_BFLOAT16:
			out[i] = float64(half.BFloat16(le.Uint16(b)))
		case onnxpb.TensorProto_INT8:
			out[i] = float64(int8(b[0]))
		case onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL:
			out[i] = float64(b[0])
		case onnxpb.TensorProto_INT16:
			out[i] = float64(int16(le.Uint16(b)))
		case onnxpb.TensorProto_UINT16:
			out[i] = float64(le.Uint16(b))
		case onnxpb.TensorProto_INT32:
			out[i] = float64(int32(le.Uint32(b)))
		case onnxpb.TensorProto_UINT32:
			out[i] = float64(le.Uint32(b))
		case onnxpb.TensorProto_INT64:
			out[i] = float64(int64(le.Uint64(b)))
		case onnxpb.TensorProto_UINT64:
			out[i] = float64(le.Uint64(b))
		}
	}
	return out
}

// Float32s returns the values of a float32 Value, nil for another type.
func (v Value) Float32s() []float32 {
	if v.Type != onnxpb.TensorProto_FLOAT || len(v.Raw) != 4*v.Len() {
		return nil
	}
	out := make([]float32, v.Len())
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(v.Raw[4*i:]))
	}
	return out
}

// shapeWords formats dims as "[N 1 28 28]", a symbolic dimension (-1) as ?.
func shapeWords(dims []int64) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		if d < 0 {
			parts[i] = "?"
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
