package spatial

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// pointwise is what the element-wise ops whose gradient is a function of
// their output y and the output gradient dy (ReLU, Sigmoid) share: the
// forward op (grad false) takes x, the gradient op (grad true) takes y and
// dy, and both have the shape of x.
type pointwise struct {
	base
	shape tensor.Shape
	grad  bool
}

// newPointwise describes the op name (or its gradient) on shape s.
func newPointwise(name string, s tensor.Shape, grad bool) pointwise {
	p := pointwise{shape: s, grad: grad}
	p.desc = fmt.Sprintf("spatial.%s%v", name, s)
	p.arity = 1
	if grad {
		p.desc = fmt.Sprintf("spatial.%sGrad%v", name, s)
		p.arity = 2
	}
	return p
}

// Type returns Tensor-d a -> Tensor-d a, or Tensor-d a -> Tensor-d a ->
// Tensor-d a for the gradient.
func (p *pointwise) Type() hm.Type {
	d := p.shape.Dims()
	if p.grad {
		return fnType(d, d, d)
	}
	return fnType(d, d)
}

// InferShape returns the shape of x.
func (p *pointwise) InferShape(...G.DimSizer) (tensor.Shape, error) { return p.shape.Clone(), nil }

// DiffWRT returns true for x, and false for the gradient's inputs.
func (p *pointwise) DiffWRT(inputs int) []bool {
	return []bool{!p.grad, false}[:inputs]
}

// symDiff applies gradOp, the gradient of op, to op's output and the
// output gradient; the gradient op itself has none.
func (p *pointwise) symDiff(op, gradOp G.Op, output, grad *G.Node) (G.Nodes, error) {
	if p.grad {
		return noGrad(op)
	}
	dx, err := G.ApplyOp(gradOp, output, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dx}, nil
}

// chunked checks that every input of op has the elements of shape, then
// fills a new output of b with f, chunk by chunk over goroutines: f(d, lo,
// hi) writes d, the output's elements lo to hi.
func chunked[T float](op fmt.Stringer, b *base, shape tensor.Shape, in [][]T, f func(d []T, lo, hi int)) (G.Value, error) {
	n := shape.TotalSize()
	for i, x := range in {
		if len(x) != n {
			return nil, fmt.Errorf("%v: input %d has %d elements, want %d", op, i, len(x), n)
		}
	}
	out, dst := output[T](b, 0, shape...)
	parallel((n+reluChunk-1)/reluChunk, func(c int) {
		lo, hi := c*reluChunk, min(n, (c+1)*reluChunk)
		f(dst[lo:hi], lo, hi)
	})
	return out, nil
}
