package spatial

import (
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/zoo-ml/zoo/internal/vec"
)

// ReLU returns max(x, 0) elementwise for a tensor x of any shape, NaN
// staying NaN, as PyTorch's nn.ReLU; its gradient passes the output
// gradient where x > 0 and is zero elsewhere (at 0 too, as PyTorch's). It
// does in one pass per direction what G.Rectify does in several.
func ReLU(x *G.Node) (*G.Node, error) {
	return apply(newReLUOp(x.Shape().Clone(), false), x)
}

// reluOp is ReLU (grad false), from x, or its gradient (grad true), from
// ReLU's output y and the output gradient dy.
type reluOp struct{ pointwise }

func newReLUOp(s tensor.Shape, grad bool) *reluOp {
	return &reluOp{newPointwise("ReLU", s, grad)}
}

// Do computes ReLU or its gradient.
func (op *reluOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return reluDo(op, in) },
		func(in [][]float64) (G.Value, error) { return reluDo(op, in) })
}

// reluChunk is the number of elements a goroutine of reluDo takes at a time.
const reluChunk = 1 << 14

func reluDo[T float](op *reluOp, in [][]T) (G.Value, error) {
	return chunked(op, &op.base, op.shape, in, func(d []T, lo, hi int) {
		if !op.grad {
			if x, ok := any(in[0][lo:hi]).([]float32); ok {
				vec.ReLU(any(d).([]float32), x)
				return
			}
			for i, v := range in[0][lo:hi] {
				d[i] = max(v, 0) // branch-free, NaN staying NaN
			}
			return
		}
		reluGrad(in[0][lo:hi], in[1][lo:hi], d)
	})
}

// reluInPlace sets each element x of s to max(x, 0), NaN staying NaN.
func reluInPlace[T float](s []T) {
	if x, ok := any(s).([]float32); ok {
		vec.ReLU(x, x)
		return
	}
	for i, v := range s {
		s[i] = max(v, 0)
	}
}

// reluGrad sets dx to dy where y > 0 and to 0 elsewhere, without
// branches, which random signs would mispredict: y > 0 exactly when the
// bits of y, less 1, as an unsigned integer, are below those of +Inf.
func reluGrad[T float](y, dy, dx []T) {
	switch y := any(y).(type) {
	case []float32:
		vec.ReLUGrad(any(dx).([]float32)[:len(y)], any(dy).([]float32), y)
	case []float64:
		dy, dx := any(dy).([]float64)[:len(y)], any(dx).([]float64)[:len(y)]
		for i, v := range y {
			keep := -uint64(b2i(math.Float64bits(v)-1 < 0x7ff0000000000000))
			dx[i] = math.Float64frombits(math.Float64bits(dy[i]) & keep)
		}
	}
}

// SymDiff returns the gradient op applied to ReLU's output and the output
// gradient: y > 0 exactly where x > 0.
func (op *reluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return op.symDiff(op, newReLUOp(op.shape, true), output, grad)
}
