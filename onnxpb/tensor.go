package onnxpb

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DecodeFloats decodes a float32 tensor, stored as raw_data (little-endian)
// or as float_data, and returns its values and its shape. A tensor of
// another data type, or whose data does not fill its dims, is an error
// naming the tensor.
func DecodeFloats(tp *TensorProto) (data []float32, shape []int, err error) {
	if tp.GetDataType() != int32(TensorProto_FLOAT) {
		return nil, nil, fmt.Errorf("tensor %q: data type %s, want FLOAT", tp.GetName(), TensorProto_DataType(tp.GetDataType()))
	}
	n := 1
	shape = make([]int, len(tp.Dims))
	for i, d := range tp.Dims {
		if d < 0 || (d > 0 && n > math.MaxInt32/int(d)) {
			return nil, nil, fmt.Errorf("tensor %q: bad dims %v", tp.GetName(), tp.Dims)
		}
		shape[i] = int(d)
		n *= int(d)
	}
	if tp.RawData != nil {
		if len(tp.RawData) != 4*n {
			return nil, nil, fmt.Errorf("tensor %q: raw data holds %d bytes, dims %v need %d", tp.GetName(), len(tp.RawData), tp.Dims, 4*n)
		}
		data = make([]float32, n)
		for i := range data {
			data[i] = math.Float32frombits(binary.LittleEndian.Uint32(tp.RawData[4*i:]))
		}
		return data, shape, nil
	}
	if len(tp.FloatData) != n {
		return nil, nil, fmt.Errorf("tensor %q: holds %d floats, dims %v need %d", tp.GetName(), len(tp.FloatData), tp.Dims, n)
	}
	return append([]float32(nil), tp.FloatData...), shape, nil
}
