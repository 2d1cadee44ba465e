package spatial

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Mask returns x * m elementwise, for x and a mask m of the same shape
// that the caller fills (a Dropout's 0 and 1/(1-p)); its gradient with
// respect to x is dy * m, and m has none. It multiplies in one pass into
// memory it reuses, where G.HadamardProd makes a new tensor per run.
func Mask(x, m *G.Node) (*G.Node, error) {
	if !x.Shape().Eq(m.Shape()) {
		return nil, fmt.Errorf("Mask: input %v and mask %v differ in shape", x.Shape(), m.Shape())
	}
	return apply(newMaskOp(x.Shape().Clone(), false), x, m)
}

// maskOp multiplies its two inputs elementwise; as the gradient of Mask
// (grad true) it takes dy and m.
type maskOp struct {
	base
	shape tensor.Shape
	grad  bool
}

func newMaskOp(s tensor.Shape, grad bool) *maskOp {
	op := &maskOp{shape: s, grad: grad}
	op.desc = fmt.Sprintf("spatial.Mask%v", s)
	if grad {
		op.desc = fmt.Sprintf("spatial.MaskGrad%v", s)
	}
	op.arity = 2
	return op
}

// Type returns Tensor-d a -> Tensor-d a -> Tensor-d a.
func (op *maskOp) Type() hm.Type {
	d := op.shape.Dims()
	return fnType(d, d, d)
}

// InferShape returns the shape of x.
func (op *maskOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }

// Do multiplies.
func (op *maskOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return maskDo(op, in) },
		func(in [][]float64) (G.Value, error) { return maskDo(op, in) })
}

func maskDo[T float](op *maskOp, in [][]T) (G.Value, error) {
	return chunked(op, &op.base, op.shape, in, func(d []T, lo, hi int) {
		m := in[1][lo:hi]
		for i, v := range in[0][lo:hi] {
			d[i] = v * m[i]
		}
	})
}

// DiffWRT returns true for x only, and nothing for the gradient.
func (op *maskOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	d[0] = !op.grad
	return d
}

// SymDiff returns dy * m for x, and none for m.
func (op *maskOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return noGrad(op)
	}
	dx, err := G.ApplyOp(newMaskOp(op.shape, true), grad, inputs[1])
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dx, nil}, nil
}
