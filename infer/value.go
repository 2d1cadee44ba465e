package infer

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/zoo-ml/zoo/internal/half"
)

// A Value is a named tensor of any numeric or bool element type: what a
// Graph takes and gives. Its values are little-endian bytes, laid out as
// ONNX's raw_data lays them out (row-major; bool one byte each, float16
// and bfloat16 their 16-bit patterns).
type Value struct {
	// Name is the graph input or output the value is for.
	Name string
	// Type is the element type.
	Type ElemType
	// Shape is the tensor's dimensions; empty for a scalar.
	Shape []int64
	// Raw holds the Len() values, Type.Size() bytes each.
	Raw []byte
}

// Float32Value returns a float32 Value holding data, of the given shape.
func Float32Value(name string, shape []int64, data []float32) Value {
	raw := make([]byte, 0, 4*len(data))
	for _, v := range data {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return Value{Name: name, Type: Float, Shape: append([]int64{}, shape...), Raw: raw}
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
	return fmt.Sprintf("%s %v", v.Type, v.Shape)
}

// Float64s returns the values as float64: float16 and bfloat16 decoded
// exactly, integers converted (int64 and uint64 beyond 2^53 rounded), bools
// as 0 and 1. It returns nil for a Raw that does not hold Len() values of
// Type.
func (v Value) Float64s() []float64 {
	size := v.Type.Size()
	n := v.Len()
	if size == 0 || len(v.Raw) != n*size {
		return nil
	}
	out := make([]float64, n)
	le := binary.LittleEndian
	for i := range out {
		b := v.Raw[i*size:]
		switch v.Type {
		case Float:
			out[i] = float64(math.Float32frombits(le.Uint32(b)))
		case Double:
			out[i] = math.Float64frombits(le.Uint64(b))
		case Float16:
			out[i] = float64(half.Float32(le.Uint16(b)))
		case BFloat16:
			out[i] = float64(half.BFloat16(le.Uint16(b)))
		case Int8:
			out[i] = float64(int8(b[0]))
		case Uint8, Bool:
			out[i] = float64(b[0])
		case Int16:
			out[i] = float64(int16(le.Uint16(b)))
		case Uint16:
			out[i] = float64(le.Uint16(b))
		case Int32:
			out[i] = float64(int32(le.Uint32(b)))
		case Uint32:
			out[i] = float64(le.Uint32(b))
		case Int64:
			out[i] = float64(int64(le.Uint64(b)))
		case Uint64:
			out[i] = float64(le.Uint64(b))
		}
	}
	return out
}

// Float32s returns the values of a float32 Value, nil for another type.
func (v Value) Float32s() []float32 {
	if v.Type != Float || len(v.Raw) != 4*v.Len() {
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
