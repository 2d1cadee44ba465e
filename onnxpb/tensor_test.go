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
