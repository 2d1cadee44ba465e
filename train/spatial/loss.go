package spatial

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/zoo-ml/zoo/internal/vec"
)

// SquaredError returns the scalar scale * sum((y - t)^2) over all the
// elements of y and the target t, of the same shape: nn.MSELoss() with
// scale 1/numel, the squared error summed per example and averaged over
// the batch with scale 1/batch. The sum is taken in float64. Its gradient
// with respect to y is 2 scale g (y - t) for the loss gradient g; t has
// none. It does in one pass per direction what Sub, Square and Mean do in
// several.
func SquaredError(y, t *G.Node, scale float64) (*G.Node, error) {
	if !y.Shape().Eq(t.Shape()) {
		return nil, fmt.Errorf("SquaredError: output %v and target %v differ in shape", y.Shape(), t.Shape())
	}
	return apply(newSqErrOp(y.Shape().Clone(), scale, false), y, t)
}

// sqErrOp is SquaredError (grad false), from y and t, or its gradient
// with respect to y (grad true), from y, t and the loss gradient.
type sqErrOp struct {
	base
	shape tensor.Shape
	scale float64
	grad  bool
}

func newSqErrOp(s tensor.Shape, scale float64, grad bool) *sqErrOp {
	op := &sqErrOp{shape: s, scale: scale, grad: grad}
	op.desc = fmt.Sprintf("spatial.SquaredError%v(scale %g)", s, scale)
	op.arity = 2
	if grad {
		op.desc = fmt.Sprintf("spatial.SquaredErrorGrad%v(scale %g)", s, scale)
		op.arity = 3
	}
	return op
}

// Type returns Tensor-d a -> Tensor-d a -> a, or Tensor-d a -> Tensor-d a
// -> a -> Tensor-d a for the gradient.
func (op *sqErrOp) Type() hm.Type {
	d, a := op.shape.Dims(), hm.TypeVariable('a')
	if op.grad {
		return hm.NewFnType(tensorType(d), tensorType(d), a, tensorType(d))
	}
	return hm.NewFnType(tensorType(d), tensorType(d), a)
}

// InferShape returns a scalar shape, or y's for the gradient.
func (op *sqErrOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return op.shape.Clone(), nil
	}
	return tensor.ScalarShape(), nil
}

// Do computes the loss or its gradient.
func (op *sqErrOp) Do(inputs ...G.Value) (G.Value, error) {
	if len(inputs) != op.arity {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(inputs), op.arity)
	}
	switch y := inputs[0].Data().(type) {
	case []float32:
		return sqErrDo(op, y, inputs)
	case []float64:
		return sqErrDo(op, y, inputs)
	}
	return nil, fmt.Errorf("%v: input 0 holds %T, want []float32 or []float64", op, inputs[0].Data())
}

func sqErrDo[T float](op *sqErrOp, y []T, inputs []G.Value) (G.Value, error) {
	t, ok := inputs[1].Data().([]T)
	n := op.shape.TotalSize()
	if !ok || len(y) != n || len(t) != n {
		return nil, fmt.Errorf("%v: inputs of %d and %T, want %d values each", op, len(y), inputs[1].Data(), n)
	}
	if !op.grad {
		parts := buffer[float64](&op.base, 1, (n+reluChunk-1)/reluChunk)
		parallel(len(parts), func(c int) {
			lo, hi := c*reluChunk, min(n, (c+1)*reluChunk)
			ys, ts := y[lo:hi], t[lo:hi]
			if f, ok := any(ys).([]float32); ok {
				parts[c] = vec.SqDiff(f, any(ts).([]float32))
				return
			}
			var a, b float64
			i := 0
			for ; i+2 <= len(ys); i += 2 {
				d0, d1 := float64(ys[i])-float64(ts[i]), float64(ys[i+1])-float64(ts[i+1])
				a += d0 * d0
				b += d1 * d1
			}
			for ; i < len(ys); i++ {
				d := float64(ys[i]) - float64(ts[i])
				a += d * d
			}
			parts[c] = a + b
		})
		var s float64
		for _, p := range parts {
			s += p
		}
		var z T
		if _, f32 := any(z).(float32); f32 {
			return G.NewF32(float32(op.scale * s)), nil
		}
		return G.NewF64(op.scale * s), nil
	}
	var g float64
	switch v := inputs[2].Data().(type) {
	case float32:
		g = float64(v)
	case float64:
		g = v
	case []float32:
		g = float64(v[0])
	case []float64:
		g = v[0]
	default:
		return nil, fmt.Errorf("%v: loss gradient holds %T", op, inputs[2].Data())
	}
	c := T(2 * op.scale * g)
	out, dy := output[T](&op.base, 0, op.shape...)
	parallel((n+reluChunk-1)/reluChunk, func(k int) {
		lo, hi := k*reluChunk, min(n, (k+1)*reluChunk)
		d, ts := dy[lo:hi], t[lo:hi]
		if f, ok := any(d).([]float32); ok {
			vec.ScaledDiff(f, any(y[lo:hi]).([]float32), any(ts).([]float32), float32(c))
			return
		}
		for i, v := range y[lo:hi] {
			d[i] = c * (v - ts[i])
		}
	})
	return out, nil
}

// DiffWRT returns true for y only.
func (op *sqErrOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	d[0] = !op.grad
	return d
}

// SymDiff returns the gradient with respect to y, and none for t.
func (op *sqErrOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return noGrad(op)
	}
	dy, err := G.ApplyOp(newSqErrOp(op.shape, op.scale, true), inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dy, nil}, nil
}
