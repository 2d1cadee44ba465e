package spatial

import (
	"math"

	"github.com/zoo-ml/zoo/internal/vec"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sigmoid returns 1/(1+exp(-x)) elementwise for a tensor x of any shape,
// saturated as G.Sigmoid saturates it (to 1 above 15 in float32 and 19 in
// float64, to 0 below -88 and -709): in float64 with G.Sigmoid's values,
// in float32 with vec.Sigmoid's (within vec.MaxULP of the exact value,
// computed in float32 with AVX2, where G.Sigmoid rounds float64); its
// gradient is dy * (y * (1 - y)), rounded as G.Sigmoid's (which is 0 where
// y saturates; G.Sigmoid's is below 1e-6 there). It does in one
// pass per direction, spread over goroutines, what G.Sigmoid does in one
// call per element forward and three passes backward.
func Sigmoid(x *G.Node) (*G.Node, error) {
	return apply(newSigmoidOp(x.Shape().Clone(), false), x)
}

// sigmoidOp is Sigmoid (grad false), from x, or its gradient (grad true),
// from Sigmoid's output y and the output gradient dy.
type sigmoidOp struct{ pointwise }

func newSigmoidOp(s tensor.Shape, grad bool) *sigmoidOp {
	return &sigmoidOp{newPointwise("Sigmoid", s, grad)}
}

// Do computes Sigmoid or its gradient.
func (op *sigmoidOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return sigmoidDo(op, in) },
		func(in [][]float64) (G.Value, error) { return sigmoidDo(op, in) })
}

func sigmoidDo[T float](op *sigmoidOp, in [][]T) (G.Value, error) {
	return chunked(op, &op.base, op.shape, in, func(d []T, lo, hi int) {
		if op.grad {
			dy := in[1][lo:hi]
			for i, y := range in[0][lo:hi] {
				t := 1 - y
				t = y * t
				d[i] = t * dy[i]
			}
			return
		}
		switch x := any(in[0][lo:hi]).(type) {
		case []float32:
			vec.Sigmoid(any(d).([]float32), x)
		case []float64:
			d := any(d).([]float64)
			for i, v := range x {
				d[i] = sigmoid64(v)
			}
		}
	})
}

// sigmoid64 is gorgonia's float64 sigmoid.
func sigmoid64(x float64) float64 {
	if x < -709 {
		return 0
	}
	if x > 19 {
		return 1
	}
	return 1.0 / (1.0 + math.Exp(-x))
}

// SymDiff returns the gradient op applied to Sigmoid's output and the
// output gradient.
func (op *sigmoidOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return op.symDiff(op, newSigmoidOp(op.shape, true), output, grad)
}
