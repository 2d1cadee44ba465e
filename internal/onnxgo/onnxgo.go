// Package onnxgo runs zoo's ONNX files in pure Go, with
// github.com/owulveryck/onnx-go and its gorgonnx backend (on gorgonia): one
// of the engines of the cross-language checks, beside onnxruntime and
// Python's ONNX checker. onnx-go v0.5.0 implements a subset of the ONNX
// operators; Ops lists those a model uses.
//
// This package must not be linked with zoo's onnxpb: both register protobuf
// messages named onnx.ModelProto etc., and the protobuf runtime panics at
// start-up on the clash.
package onnxgo

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"gorgonia.org/tensor"
)

// Run decodes the ONNX model in b and runs it on x, n examples shaped as
// the model's first input (whose first dimension is the batch), returning
// the first output and its shape. onnx-go panics on some inputs; Run turns
// a panic into an error.
func Run(b []byte, x []float32, n int) (y []float32, shape []int, err error) {
	in, err := InputShape(b)
	if err != nil {
		return nil, nil, err
	}
	if len(in) == 0 || n <= 0 || len(x) != n*numel(in[1:]) {
		return nil, nil, fmt.Errorf("onnx-go: %d values for %d examples of input %v", len(x), n, in)
	}
	defer func() {
		if r := recover(); r != nil {
			y, shape, err = nil, nil, fmt.Errorf("onnx-go: panic: %v", r)
		}
	}()
	backend := gorgonnx.NewGraph()
	m := onnx.NewModel(backend)
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, nil, fmt.Errorf("onnx-go: decode: %w", err)
	}
	dims := append([]int{n}, in[1:]...)
	t := tensor.New(tensor.WithShape(dims...), tensor.WithBacking(slices.Clone(x)))
	if err := m.SetInput(0, t); err != nil {
		return nil, nil, fmt.Errorf("onnx-go: set input: %w", err)
	}
	if err := backend.Run(); err != nil {
		return nil, nil, fmt.Errorf("onnx-go: run: %w", err)
	}
	outs, err := m.GetOutputTensors()
	if err != nil {
		return nil, nil, fmt.Errorf("onnx-go: outputs: %w", err)
	}
	if len(outs) == 0 {
		return nil, nil, errors.New("onnx-go: no output")
	}
	data, ok := outs[0].Data().([]float32)
	if !ok {
		return nil, nil, fmt.Errorf("onnx-go: output holds %T, not []float32", outs[0].Data())
	}
	return slices.Clone(data), slices.Clone([]int(outs[0].Shape())), nil
}

// Field numbers of the ONNX messages that Ops and InputShape read.
const (
	modelGraph      = 7  // ModelProto.graph
	graphNode       = 1  // GraphProto.node
	graphInput      = 11 // GraphProto.input
	nodeOpType      = 4  // NodeProto.op_type
	valueInfoType   = 2  // ValueInfoProto.type
	typeTensor      = 1  // TypeProto.tensor_type
	tensorTypeShape = 2  // TypeProto.Tensor.shape
	shapeDim        = 1  // TensorShapeProto.dim
	dimValue        = 1  // TensorShapeProto.Dimension.dim_value
)

// Ops returns the distinct operator types of the main graph of the ONNX
// model in b, sorted.
func Ops(b []byte) ([]string, error) {
	g, err := graph(b)
	if err != nil {
		return nil, err
	}
	var ops []string
	err = fields(g, func(num protowire.Number, v []byte, _ uint64) error {
		if num != graphNode {
			return nil
		}
		return fields(v, func(num protowire.Number, v []byte, _ uint64) error {
			if num == nodeOpType {
				ops = append(ops, string(v))
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(ops)
	return slices.Compact(ops), nil
}

// InputShape returns the shape of the first input of the ONNX model in b,
// with 0 for a symbolic dimension such as the batch.
func InputShape(b []byte) ([]int, error) {
	g, err := graph(b)
	if err != nil {
		return nil, err
	}
	var in []byte
	if err := fields(g, func(num protowire.Number, v []byte, _ uint64) error {
		if num == graphInput && in == nil {
			in = v
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, errors.New("onnx: the graph has no input")
	}
	shape := []int{}
	path := []protowire.Number{valueInfoType, typeTensor, tensorTypeShape}
	msg := in
	for _, want := range path {
		var next []byte
		if err := fields(msg, func(num protowire.Number, v []byte, _ uint64) error {
			if num == want {
				next = v
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if next == nil {
			return nil, errors.New("onnx: the input has no tensor shape")
		}
		msg = next
	}
	err = fields(msg, func(num protowire.Number, v []byte, _ uint64) error {
		if num != shapeDim {
			return nil
		}
		d := 0
		err := fields(v, func(num protowire.Number, _ []byte, x uint64) error {
			if num == dimValue {
				d = int(int64(x))
			}
			return nil
		})
		shape = append(shape, d)
		return err
	})
	return shape, err
}

// graph returns the bytes of the model's graph.
func graph(b []byte) ([]byte, error) {
	var g []byte
	if err := fields(b, func(num protowire.Number, v []byte, _ uint64) error {
		if num == modelGraph {
			g = v
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if g == nil {
		return nil, errors.New("onnx: the model has no graph")
	}
	return g, nil
}

// fields calls f with each field of the protobuf message b: the bytes of
// length-delimited fields, the value of varints.
func fields(b []byte, f func(num protowire.Number, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("onnx: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("onnx: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(num, v, x); err != nil {
			return err
		}
	}
	return nil
}

func numel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
