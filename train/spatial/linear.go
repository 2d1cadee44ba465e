package spatial

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/zoo-ml/zoo/internal/vec"
)

// Linear returns x w^T + b for x, [N, I], the weight w, [O, I], in
// PyTorch's layout and the bias b, [O] (nil for none), as nn.Linear: a
// node [N, O]. It multiplies by the transposed weight in place, with no
// transposed copy, and adds the bias in the same op. Its gradients are
// dy w, dy^T x and the column sums of dy; noX leaves out the first, for a
// network's input.
func Linear(x, w, b *G.Node, noX bool) (*G.Node, error) {
	return linear(x, w, b, noX, false)
}

// LinearReLU is Linear followed by a ReLU, max(x w^T + b, 0), applied in
// the same pass: the same values as ReLU(Linear(...)), exactly. Its
// gradient goes through ReLU's.
func LinearReLU(x, w, b *G.Node, noX bool) (*G.Node, error) {
	return linear(x, w, b, noX, true)
}

func linear(x, w, b *G.Node, noX, relu bool) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 2 || len(ws) != 2 || xs[1] != ws[1] || (b != nil && (b.Shape().TotalSize() != ws[0] || b.Dims() != 1)) {
		return nil, fmt.Errorf("Linear: input %v, weight %v and bias do not fit [N, I], [O, I] and [O]", xs, ws)
	}
	op := newLinearOp(linearFwd, xs[0], ws[1], ws[0], b != nil, noX)
	if relu {
		op.relu = true
		op.desc += "+ReLU"
	}
	return apply(op, x, w, b)
}

// Modes of linearOp.
const (
	linearFwd   = iota // x, w [, b] -> x w^T + b, [N, O]
	linearGradX        // dy, w -> dy w, [N, I]
	linearGradW        // dy, x -> dy^T x, [O, I]
	linearGradB        // dy -> column sums, [O]
)

// linearOp is Linear of an [N, I] input and O outputs, or one of its
// gradients, by mode.
type linearOp struct {
	base
	mode, n, in, out int
	bias, noX, relu  bool
}

func newLinearOp(mode, n, in, out int, bias, noX bool) *linearOp {
	op := &linearOp{mode: mode, n: n, in: in, out: out, bias: bias, noX: noX}
	name := [...]string{"Linear", "LinearGradInput", "LinearGradWeight", "LinearGradBias"}[mode]
	op.desc = fmt.Sprintf("spatial.%s(%d, %d -> %d, bias %t, input gradient %t)", name, n, in, out, bias, !noX)
	switch {
	case mode == linearFwd && bias:
		op.arity = 3
	case mode == linearGradB:
		op.arity = 1
	default:
		op.arity = 2
	}
	return op
}

// Type returns the matrix types of the mode.
func (op *linearOp) Type() hm.Type {
	switch {
	case op.mode == linearFwd && op.bias:
		return fnType(2, 2, 1, 2)
	case op.mode == linearGradB:
		return fnType(2, 1)
	}
	return fnType(2, 2, 2)
}

// InferShape returns the shape of the mode's result.
func (op *linearOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.shape(), nil
}

func (op *linearOp) shape() tensor.Shape {
	switch op.mode {
	case linearGradX:
		return tensor.Shape{op.n, op.in}
	case linearGradW:
		return tensor.Shape{op.out, op.in}
	case linearGradB:
		return tensor.Shape{op.out}
	}
	return tensor.Shape{op.n, op.out}
}

// Do computes the mode's result.
func (op *linearOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return linearDo(op, in) },
		func(in [][]float64) (G.Value, error) { return linearDo(op, in) })
}

func linearDo[T float](op *linearOp, in [][]T) (G.Value, error) {
	n, ni, no := op.n, op.in, op.out
	var want []int
	switch op.mode {
	case linearFwd:
		want = []int{n * ni, no * ni, no}
	case linearGradX:
		want = []int{n * no, no * ni}
	case linearGradW:
		want = []int{n * no, n * ni}
	case linearGradB:
		want = []int{n * no}
	}
	lens := make([]int, len(in))
	for i, v := range in {
		lens[i] = len(v)
	}
	if err := checkLens(op, lens, want); err != nil {
		return nil, err
	}
	out, y := output[T](&op.base, 0, op.shape()...)
	switch op.mode {
	case linearFwd:
		gemm(false, true, n, no, ni, in[0], ni, in[1], ni, 0, y, no)
		if op.bias {
			addBiasRows(y, in[2], n, op.relu)
		} else if op.relu {
			reluInPlace(y)
		}
	case linearGradX:
		gemm(false, false, n, ni, no, in[0], no, in[1], ni, 0, y, ni)
	case linearGradW:
		gemm(true, false, no, ni, n, in[0], no, in[1], ni, 0, y, ni)
	case linearGradB:
		acc := buffer[float64](&op.base, 1, no)
		clear(acc)
		dy := in[0]
		for r := 0; r < n; r++ {
			accumulate(acc, dy[r*no:][:no])
		}
		for j, v := range acc {
			y[j] = T(v)
		}
	}
	return out, nil
}

// DiffWRT returns, for Linear, true for the weight and bias and for the
// input unless noX; the gradients have none.
func (op *linearOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	if op.mode == linearFwd {
		for i := range d {
			d[i] = i > 0 || !op.noX
		}
	}
	return d
}

// SymDiff returns the gradients of Linear with respect to x, w and b.
func (op *linearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.mode != linearFwd {
		return noGrad(op)
	}
	if len(inputs) != op.arity {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(inputs), op.arity)
	}
	d := make(G.Nodes, len(inputs))
	var err error
	if op.relu {
		// The gradient with respect to the product's own output.
		if grad, err = G.ApplyOp(newReLUOp(output.Shape().Clone(), true), output, grad); err != nil {
			return nil, fmt.Errorf("%v: ReLU gradient: %w", op, err)
		}
	}
	if !op.noX {
		if d[0], err = G.ApplyOp(newLinearOp(linearGradX, op.n, op.in, op.out, false, false), grad, inputs[1]); err != nil {
			return nil, fmt.Errorf("%v: input gradient: %w", op, err)
		}
	}
	if d[1], err = G.ApplyOp(newLinearOp(linearGradW, op.n, op.in, op.out, false, false), grad, inputs[0]); err != nil {
		return nil, fmt.Errorf("%v: weight gradient: %w", op, err)
	}
	if op.bias {
		if d[2], err = G.ApplyOp(newLinearOp(linearGradB, op.n, op.in, op.out, false, false), grad); err != nil {
			return nil, fmt.Errorf("%v: bias gradient: %w", op, err)
		}
	}
	return d, nil
}

// addBiasRows adds b, [no], to each of the n rows of y and, with relu,
// applies max(x, 0).
func addBiasRows[T float](y, b []T, n int, relu bool) {
	no := len(b)
	for r := 0; r < n; r++ {
		row := y[r*no:][:no]
		if f, ok := any(row).([]float32); ok {
			vec.AddReLU(f, any(b).([]float32), relu)
			continue
		}
		for j, v := range b {
			row[j] += v
		}
		if relu {
			reluInPlace(row)
		}
	}
}

// accumulate adds x to acc, each element in float64.
func accumulate[T float](acc []float64, x []T) {
	if f, ok := any(x).([]float32); ok {
		vec.Accumulate(acc, f)
		return
	}
	for j, v := range x[:len(acc)] {
		acc[j] += float64(v)
	}
}
