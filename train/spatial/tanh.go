package spatial

import (
	"math"

	"github.com/zoo-ml/zoo/internal/vec"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tanh returns tanh(x) elementwise for a tensor x of any shape: in float64
// math.Tanh's values, in float32 vec.Tanh's (computed in float32 with AVX2
// within vec.MaxULP units of the last place, as PyTorch's vectorised tanh
// is within a few; rounded from float64 without AVX2);
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
		switch x := any(in[0][lo:hi]).(type) {
		case []float32:
			vec.Tanh(any(d).([]float32), x)
		case []float64:
			d := any(d).([]float64)
			for i, v := range x {
				d[i] = math.Tanh(v)
			}
		}
	})
}

// SymDiff returns the gradient op applied to Tanh's output and the output
// gradient.
func (op *tanhOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return op.symDiff(op, newTanhOp(op.shape, true), output, grad)
}
