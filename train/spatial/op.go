// Package spatial provides gorgonia ops on batches of feature maps, tensors
// laid out [N, C, H, W] as in PyTorch: 2-D convolution and its transpose,
// max pooling with the positions of its maxima, max unpooling and per-channel
// batch normalisation with running statistics; and, for the other layers
// of the same graphs, a ReLU and a matrix transpose faster than gorgonia's
// Rectify and Transpose.
//
// Every op works in float32 and float64, and is symbolically differentiable
// (gorgonia's SDOp): its gradient is made of ops of this package, so
// G.Grad builds the backward pass. The ops compute with plain loops and
// package openblas's BLAS (im2col and a GEMM per example for the
// convolutions, OpenBLAS single-threaded), spread over GOMAXPROCS
// goroutines, and reuse their output memory from one run of the
// graph to the next: a value an op returned is valid until the next run.
//
// Max pooling is expressed with two ops: PoolIndices finds, for every
// output, the position of its maximum within its input plane (h*W + w, as
// PyTorch's return_indices=True); Gather reads x at those positions. The
// indices are an ordinary node of the same dtype, not differentiable, which
// MaxUnpool2d takes as its second input; the gradient of Gather is the
// scatter MaxUnpool2d does, and the gradient of that scatter is Gather.
package spatial

import (
	"fmt"
	"hash"
	"hash/fnv"
	"io"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// base holds what all the ops of this package share: a description, which
// is also their hash, and the memory they reuse between runs.
type base struct {
	desc  string
	arity int
	bufs  []any // []float32 or []float64, by slot
	idx   []int // the op's integer memory; see ints
}

// Arity returns the number of inputs of the op.
func (b *base) Arity() int { return b.arity }

// ReturnsPtr returns false: the ops return values of their own.
func (b *base) ReturnsPtr() bool { return false }

// CallsExtern returns false: the ops run in Go.
func (b *base) CallsExtern() bool { return false }

// OverwritesInput returns -1: no op writes over its inputs.
func (b *base) OverwritesInput() int { return -1 }

// WriteHash writes the op's description to h.
func (b *base) WriteHash(h hash.Hash) { _, _ = io.WriteString(h, b.desc) } // a hash.Hash never fails

// Hashcode returns the FNV-1a hash of the op's description.
func (b *base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}

// String returns the op's description.
func (b *base) String() string { return b.desc }

// buffer returns the op's memory in slot i, of length n.
func buffer[T float](b *base, i, n int) []T {
	for len(b.bufs) <= i {
		b.bufs = append(b.bufs, nil)
	}
	v, _ := b.bufs[i].([]T)
	if cap(v) < n {
		v = make([]T, n)
		b.bufs[i] = v
	}
	return v[:n]
}

// ints returns the op's integer memory, of length n.
func (b *base) ints(n int) []int {
	if cap(b.idx) < n {
		b.idx = make([]int, n)
	}
	return b.idx[:n]
}

// output returns a dense tensor of the given shape on the op's memory in
// slot i. Its contents are whatever the previous run left there.
func output[T float](b *base, i int, shape ...int) (*tensor.Dense, []T) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := buffer[T](b, i, n)
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d)), d
}

// values returns the data of the inputs as []T, checking their number and
// dtype.
func values[T float](op G.Op, inputs []G.Value) ([][]T, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(inputs), op.Arity())
	}
	out := make([][]T, len(inputs))
	for i, v := range inputs {
		d, ok := v.Data().([]T)
		if !ok {
			return nil, fmt.Errorf("%v: input %d holds %T, want %T", op, i, v.Data(), d)
		}
		out[i] = d
	}
	return out, nil
}

// dispatch calls f32 or f64 according to the dtype of the first input.
func dispatch(op G.Op, inputs []G.Value, f32 func([][]float32) (G.Value, error), f64 func([][]float64) (G.Value, error)) (G.Value, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%v: no inputs", op)
	}
	switch inputs[0].Dtype() {
	case tensor.Float32:
		in, err := values[float32](op, inputs)
		if err != nil {
			return nil, err
		}
		return f32(in)
	case tensor.Float64:
		in, err := values[float64](op, inputs)
		if err != nil {
			return nil, err
		}
		return f64(in)
	}
	return nil, fmt.Errorf("%v: dtype %v, want float32 or float64", op, inputs[0].Dtype())
}

// tensorType returns the type of a tensor of the given rank with elements
// of type variable a.
func tensorType(dims int) hm.Type { return G.TensorType{Dims: dims, Of: hm.TypeVariable('a')} }

// fnType returns the function type of an op taking tensors of the given
// ranks, the last being its result.
func fnType(dims ...int) hm.Type {
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = tensorType(d)
	}
	return hm.NewFnType(ts...)
}

// shape4 returns the i-th shape of a shape inference call, which must have
// rank 4.
func shape4(op G.Op, in []G.DimSizer, i int) (tensor.Shape, error) {
	if len(in) <= i {
		return nil, fmt.Errorf("%v: %d input shapes, want at least %d", op, len(in), i+1)
	}
	s, ok := in[i].(tensor.Shape)
	if !ok || len(s) != 4 {
		return nil, fmt.Errorf("%v: input %d has shape %v, want [N, C, H, W]", op, i, in[i])
	}
	return s, nil
}

// noGrad is the SymDiff of an op with no differentiable input.
func noGrad(op G.Op) (G.Nodes, error) {
	return nil, fmt.Errorf("%v is not differentiable", op)
}
