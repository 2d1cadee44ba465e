package spatial

import (
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tanh returns tanh(x) elementwise for a tensor x of any shape, rounded
// from float64 (so within half a unit of the last place, as PyTorch's);
// its gradient is dy * (1 - y*y), rounded as PyTorch's tanh_backward. It
// does in one pass per direction, spread over goroutines and into memory
// it reuses, what G.Tanh does with a new tensor per run and three passes
// backward.
func Tanh(x *G.Node) (*G.Node, error) {
	return apply(newTanhOp(x.Shape().Clone(), false), x)
}

// tanhOp is Tanh (grad false), from x, or its gradient (grad true), from
// Tanh's output y and the output gradient dy.
type tanhOp struct{ pointwise }

func newTanhOp(s tensor.Shape, grad bool) *tanhOp {
	return &tanhOp{newPointwise("Tanh", s, grad)}
}

// Do computes Tanh or its gradient.
func (op *tanhOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return tanhDo(op, in) },
		func(in [][]float64) (G.Value, error) { return tanhDo(op, in) })
}

func tanhDo[T float](op *tanhOp, in [][]T) (G.Value, error) {
	return chunked(op, &op.base, op.shape, in, func(d []T, lo, hi int) {
		if op.grad {
			dy := in[1][lo:hi]
			for i, y := range in[0][lo:hi] {
				t := y * y
				t = 1 - t
				d[i] = dy[i] * t
			}
			return
		}
		for i, v := range in[0][lo:hi] {
			d[i] = T(math.Tanh(float64(v)))
		}
	})
}

// SymDiff returns the gradient op applied to Tanh's output and the output
// gradient.
func (op *tanhOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return op.symDiff(op, newTanhOp(op.shape, true), output, grad)
}
