package onnxpb

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestDecodeFloats(t *testing.T) {
	raw := make([]byte, 4*6)
	for i := range 6 {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(i)-2.5))
	}
	float := int32(TensorProto_FLOAT)
	for _, tc := range []struct {
		name  string
		tp    *TensorProto
		data  []float32
		shape []int
		want  string // error text; "" for none
	}{
		{"raw", &TensorProto{Name: proto.String("w"), Dims: []int64{2, 3}, DataType: &float, RawData: raw},
			[]float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}, []int{2, 3}, ""},
		{"float data", &TensorProto{Name: proto.String("b"), Dims: []int64{2}, DataType: &float, FloatData: []float32{1, -1}},
			[]float32{1, -1}, []int{2}, ""},
		{"scalar", &TensorProto{Name: proto.String("s"), DataType: &float, FloatData: []float32{7}}, []float32{7}, []int{}, ""},
		{"int64", &TensorProto{Name: proto.String("x"), DataType: proto.Int32(int32(TensorProto_INT64))}, nil, nil, `tensor "x": data type INT64, want FLOAT`},
		{"short raw", &TensorProto{Name: proto.String("x"), Dims: []int64{2, 3}, DataType: &float, RawData: raw[:20]}, nil, nil, "raw data holds 20 bytes, dims [2 3] need 24"},
		{"short floats", &TensorProto{Name: proto.String("x"), Dims: []int64{4}, DataType: &float, FloatData: []float32{1}}, nil, nil, "holds 1 floats, dims [4] need 4"},
		{"negative dim", &TensorProto{Name: proto.String("x"), Dims: []int64{-1}, DataType: &float}, nil, nil, "bad dims [-1]"},
		{"huge dims", &TensorProto{Name: proto.String("x"), Dims: []int64{1 << 20, 1 << 20}, DataType: &float}, nil, nil, "bad dims"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, shape, err := DecodeFloats(tc.tp)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(data, tc.data) || !slices.Equal(shape, tc.shape) {
				t.Errorf("got %v %v, want %v %v", data, shape, tc.data, tc.shape)
			}
		})
	}
}

func TestDecodeRaw(t *testing.T) {
	i32 := func(dt TensorProto_DataType) *int32 { v := int32(dt); return &v }
	for _, tc := range []struct {
		name  string
		tp    *TensorProto
		dt    TensorProto_DataType
		shape []int64
		raw   []byte
		want  string // error text; "" for none
	}{
		{"raw int64", &TensorProto{Dims: []int64{2}, DataType: i32(TensorProto_INT64), RawData: []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
			TensorProto_INT64, []int64{2}, []byte{1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ""},
		{"float data", &TensorProto{Dims: []int64{1}, DataType: i32(TensorProto_FLOAT), FloatData: []float32{1}}, TensorProto_FLOAT, []int64{1}, []byte{0, 0, 0x80, 0x3f}, ""},
		{"double data", &TensorProto{Dims: []int64{1}, DataType: i32(TensorProto_DOUBLE), DoubleData: []float64{-2}}, TensorProto_DOUBLE, []int64{1}, []byte{0, 0, 0, 0, 0, 0, 0, 0xc0}, ""},
		{"int64 data", &TensorProto{Dims: []int64{1}, DataType: i32(TensorProto_INT64), Int64Data: []int64{-1}}, TensorProto_INT64, []int64{1}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ""},
		{"float16 bits in int32 data", &TensorProto{Dims: []int64{2}, DataType: i32(TensorProto_FLOAT16), Int32Data: []int32{0x3c00, 0xc000}}, TensorProto_FLOAT16, []int64{2}, []byte{0x00, 0x3c, 0x00, 0xc0}, ""},
		{"int8 in int32 data", &TensorProto{Dims: []int64{2}, DataType: i32(TensorProto_INT8), Int32Data: []int32{-1, 5}}, TensorProto_INT8, []int64{2}, []byte{0xff, 5}, ""},
		{"bool in int32 data", &TensorProto{Dims: []int64{2}, DataType: i32(TensorProto_BOOL), Int32Data: []int32{1, 0}}, TensorProto_BOOL, []int64{2}, []byte{1, 0}, ""},
		{"int32 data", &TensorProto{Dims: []int64{1}, DataType: i32(TensorProto_INT32), Int32Data: []int32{-2}}, TensorProto_INT32, []int64{1}, []byte{0xfe, 0xff, 0xff, 0xff}, ""},
		{"uint32 in uint64 data", &TensorProto{Dims: []int64{1}, DataType: i32(TensorProto_UINT32), Uint64Data: []uint64{7}}, TensorProto_UINT32, []int64{1}, []byte{7, 0, 0, 0}, ""},
		{"uint64 data", &TensorProto{Dims: []int64{1}, DataType: i32(TensorProto_UINT64), Uint64Data: []uint64{7}}, TensorProto_UINT64, []int64{1}, []byte{7, 0, 0, 0, 0, 0, 0, 0}, ""},
		{"scalar", &TensorProto{DataType: i32(TensorProto_UINT8), RawData: []byte{9}}, TensorProto_UINT8, []int64{}, []byte{9}, ""},
		{"string", &TensorProto{Name: proto.String("s"), DataType: i32(TensorProto_STRING)}, 0, nil, nil, `tensor "s": data type string is not supported`},
		{"external", &TensorProto{Name: proto.String("e"), DataType: i32(TensorProto_FLOAT), DataLocation: TensorProto_EXTERNAL.Enum()}, 0, nil, nil, "external file"},
		{"short raw", &TensorProto{Dims: []int64{3}, DataType: i32(TensorProto_INT16), RawData: []byte{1, 2}}, 0, nil, nil, "raw data holds 2 bytes, dims [3] of int16 need 6"},
		{"short typed", &TensorProto{Dims: []int64{3}, DataType: i32(TensorProto_INT64), Int64Data: []int64{1}}, 0, nil, nil, "holds 1 values, dims [3] need 3"},
		{"huge dims", &TensorProto{Dims: []int64{1 << 20, 1 << 20}, DataType: i32(TensorProto_UINT8)}, 0, nil, nil, "bad dims"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dt, shape, raw, err := DecodeRaw(tc.tp)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if dt != tc.dt || !slices.Equal(shape, tc.shape) || !slices.Equal(raw, tc.raw) {
				t.Errorf("got %v %v %v, want %v %v %v", dt, shape, raw, tc.dt, tc.shape, tc.raw)
			}
		})
	}
}

func TestTypeNameElemSize(t *testing.T) {
	for _, tc := range []struct {
		dt   TensorProto_DataType
		name string
		size int
	}{
		{TensorProto_FLOAT, "float", 4}, {TensorProto_FLOAT16, "float16", 2}, {TensorProto_BOOL, "bool", 1},
		{TensorProto_INT64, "int64", 8}, {TensorProto_STRING, "string", 0}, {TensorProto_COMPLEX64, "complex64", 0},
		{TensorProto_DataType(99), "type 99", 0},
	} {
		if TypeName(tc.dt) != tc.name || ElemSize(tc.dt) != tc.size {
			t.Errorf("%d: %q %d, want %q %d", tc.dt, TypeName(tc.dt), ElemSize(tc.dt), tc.name, tc.size)
		}
	}
}

func TestReadMetadata(t *testing.T) {
	m := &ModelProto{IrVersion: proto.Int64(8), ProducerName: proto.String("p"),
		Graph:         &GraphProto{Name: proto.String("g"), Node: []*NodeProto{{OpType: proto.String("Relu")}}},
		MetadataProps: []*StringStringEntryProto{{Key: proto.String("zoo.model"), Value: proto.String("cnn")}, {Key: proto.String("k"), Value: proto.String("")}}}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := ReadMetadata(b)
	if err != nil || len(meta) != 2 || meta["zoo.model"] != "cnn" {
		t.Errorf("ReadMetadata = %v, %v", meta, err)
	}
	if meta, err := ReadMetadata(nil); err != nil || len(meta) != 0 {
		t.Errorf("empty model: %v, %v", meta, err)
	}
	for _, bad := range []string{"not onnx", "<html>404</html>", string(b[:len(b)-3])} {
		if _, err := ReadMetadata([]byte(bad)); err == nil || !strings.Contains(err.Error(), "not an ONNX model") {
			t.Errorf("ReadMetadata(%q) = %v", bad, err)
		}
	}
}

// FuzzDecodeRaw decodes arbitrary bytes as a TensorProto: nothing panics,
// and a tensor that decodes has as many bytes as its shape and type say.
func FuzzDecodeRaw(f *testing.F) {
	i32 := func(dt TensorProto_DataType) *int32 { v := int32(dt); return &v }
	for _, tp := range []*TensorProto{
		{Dims: []int64{2}, DataType: i32(TensorProto_FLOAT16), Int32Data: []int32{0x3c00, 0xc000}},
		{Dims: []int64{1, 2}, DataType: i32(TensorProto_INT64), RawData: make([]byte, 16)},
		{Dims: []int64{3}, DataType: i32(TensorProto_UINT32), Uint64Data: []uint64{1, 2, 3}},
		{Dims: []int64{1 << 40}, DataType: i32(TensorProto_BOOL)},
	} {
		b, err := proto.Marshal(tp)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tp TensorProto
		if proto.Unmarshal(b, &tp) != nil {
			return
		}
		dt, shape, raw, err := DecodeRaw(&tp)
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= int(d)
		}
		if len(raw) != n*ElemSize(dt) {
			t.Fatalf("%s %v: %d bytes", TypeName(dt), shape, len(raw))
		}
	})
}
