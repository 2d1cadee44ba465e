package onnxpb

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// ElemSize returns the size in bytes of one element of data type dt, or 0
// for the types whose elements have no fixed size (STRING) and those
// DecodeRaw does not decode (UNDEFINED, COMPLEX64, COMPLEX128, and any
// number this schema does not name).
func ElemSize(dt TensorProto_DataType) int {
	switch dt {
	case TensorProto_UINT8, TensorProto_INT8, TensorProto_BOOL:
		return 1
	case TensorProto_UINT16, TensorProto_INT16, TensorProto_FLOAT16, TensorProto_BFLOAT16:
		return 2
	case TensorProto_FLOAT, TensorProto_INT32, TensorProto_UINT32:
		return 4
	case TensorProto_INT64, TensorProto_DOUBLE, TensorProto_UINT64:
		return 8
	}
	return 0
}

// TypeName returns ONNX's own name of data type dt, as its type strings
// write it (tensor(float)): "float", "float16", "int64", "bool", ...; a
// number the schema does not name is "type N".
func TypeName(dt TensorProto_DataType) string {
	if s, ok := TensorProto_DataType_name[int32(dt)]; ok {
		return strings.ToLower(s)
	}
	return fmt.Sprintf("type %d", int32(dt))
}

// DecodeRaw decodes a tensor of any fixed-size element type (see ElemSize)
// and returns its data type, its shape and its values as little-endian
// bytes, as raw_data holds them: from raw_data, or from the field ONNX
// keeps that type in otherwise (float_data; int32_data for the 8- and
// 16-bit types, bool, float16 and bfloat16 bit patterns, and int32;
// int64_data; double_data; uint64_data for uint32 and uint64). A string
// tensor, a tensor whose data is in an external file, or whose data does not
// fill its dims, is an error naming the tensor.
func DecodeRaw(tp *TensorProto) (dt TensorProto_DataType, shape []int64, raw []byte, err error) {
	dt = TensorProto_DataType(tp.GetDataType())
	size := ElemSize(dt)
	if size == 0 {
		return dt, nil, nil, fmt.Errorf("tensor %q: data type %s is not supported (want a numeric or bool tensor)", tp.GetName(), TypeName(dt))
	}
	if tp.GetDataLocation() == TensorProto_EXTERNAL {
		return dt, nil, nil, fmt.Errorf("tensor %q: data in an external file is not supported", tp.GetName())
	}
	n := 1
	for _, d := range tp.Dims {
		if d < 0 || (d > 0 && n > math.MaxInt32/size/int(d)) {
			return dt, nil, nil, fmt.Errorf("tensor %q: bad dims %v", tp.GetName(), tp.Dims)
		}
		n *= int(d)
	}
	shape = append([]int64{}, tp.Dims...)
	if tp.RawData != nil {
		if len(tp.RawData) != size*n {
			return dt, nil, nil, fmt.Errorf("tensor %q: raw data holds %d bytes, dims %v of %s need %d", tp.GetName(), len(tp.RawData), tp.Dims, TypeName(dt), size*n)
		}
		return dt, shape, append([]byte{}, tp.RawData...), nil
	}
	raw, have := typedRaw(tp, dt, size)
	if have != n {
		return dt, nil, nil, fmt.Errorf("tensor %q: holds %d values, dims %v need %d", tp.GetName(), have, tp.Dims, n)
	}
	return dt, shape, raw, nil
}

// typedRaw encodes the typed field that holds values of dt, elements of
// size bytes, as little-endian bytes, and returns them with the number of
// values the field holds.
func typedRaw(tp *TensorProto, dt TensorProto_DataType, size int) ([]byte, int) {
	var raw []byte
	switch dt {
	case TensorProto_FLOAT:
		for _, v := range tp.FloatData {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
		return raw, len(tp.FloatData)
	case TensorProto_DOUBLE:
		for _, v := range tp.DoubleData {
			raw = binary.LittleEndian.AppendUint64(raw, math.Float64bits(v))
		}
		return raw, len(tp.DoubleData)
	case TensorProto_INT64:
		for _, v := range tp.Int64Data {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
		return raw, len(tp.Int64Data)
	case TensorProto_UINT32, TensorProto_UINT64:
		for _, v := range tp.Uint64Data {
			if size == 4 {
				raw = binary.LittleEndian.AppendUint32(raw, uint32(v))
			} else {
				raw = binary.LittleEndian.AppendUint64(raw, v)
			}
		}
		return raw, len(tp.Uint64Data)
	}
	// The rest are stored in int32_data, one value (or bit pattern) each.
	for _, v := range tp.Int32Data {
		switch size {
		case 1:
			raw = append(raw, byte(v))
		case 2:
			raw = binary.LittleEndian.AppendUint16(raw, uint16(v))
		default:
			raw = binary.LittleEndian.AppendUint32(raw, uint32(v))
		}
	}
	return raw, len(tp.Int32Data)
}

// metadataField is the field number of ModelProto.metadata_props.
const metadataField = 14

// ReadMetadata returns the metadata_props of the serialized ModelProto b,
// reading only the model's top-level fields: the graph and its weights are
// skipped, not decoded. Bytes that are not a ModelProto are an error.
func ReadMetadata(b []byte) (map[string]string, error) {
	meta := map[string]string{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("not an ONNX model: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if num == metadataField && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return nil, fmt.Errorf("not an ONNX model: %w", protowire.ParseError(m))
			}
			var kv StringStringEntryProto
			if err := proto.Unmarshal(v, &kv); err != nil {
				return nil, fmt.Errorf("not an ONNX model: metadata: %w", err)
			}
			meta[kv.GetKey()] = kv.GetValue()
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return nil, fmt.Errorf("not an ONNX model: %w", protowire.ParseError(m))
		}
		b = b[m:]
	}
	return meta, nil
}
