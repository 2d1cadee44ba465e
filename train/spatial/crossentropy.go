package spatial

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// CrossEntropy returns the scalar -scale * sum over the rows i and classes j
// of t[i, j] * log softmax(y[i])[j], for logits y and targets t, both
// [N, classes]: with one-hot rows of t and scale 1/N, nn.CrossEntropyLoss().
// The log-sum-exp of each row is taken in float64. Its gradient with
// respect to y is scale * g * (softmax(y[i]) * sum(t[i]) - t[i]) for the
// loss gradient g; t has none. It does in one op per direction what
// LogSoftMax, HadamardProd, Sum and a scaling do in several.
func CrossEntropy(y, t *G.Node, scale float64) (*G.Node, error) {
	if y.Dims() != 2 || !y.Shape().Eq(t.Shape()) {
		return nil, fmt.Errorf("CrossEntropy: logits %v and targets %v are not both [N, classes]", y.Shape(), t.Shape())
	}
	return apply(newCrossEntropyOp(y.Shape().Clone(), scale, false), y, t)
}

// crossEntropyOp is CrossEntropy (grad false), from y and t, or its
// gradient with respect to y (grad true), from y, t and the loss gradient.
type crossEntropyOp struct {
	base
	n, k  int
	scale float64
	grad  bool
}

func newCrossEntropyOp(s tensor.Shape, scale float64, grad bool) *crossEntropyOp {
	op := &crossEntropyOp{n: s[0], k: s[1], scale: scale, grad: grad}
	op.desc = fmt.Sprintf("spatial.CrossEntropy%v(scale %g)", s, scale)
	op.arity = 2
	if grad {
		op.desc = fmt.Sprintf("spatial.CrossEntropyGrad%v(scale %g)", s, scale)
		op.arity = 3
	}
	return op
}

// Type returns Tensor-2 a -> Tensor-2 a -> a, or Tensor-2 a -> Tensor-2 a
// -> a -> Tensor-2 a for the gradient.
func (op *crossEntropyOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.grad {
		return hm.NewFnType(tensorType(2), tensorType(2), a, tensorType(2))
	}
	return hm.NewFnType(tensorType(2), tensorType(2), a)
}

// InferShape returns a scalar shape, or y's for the gradient.
func (op *crossEntropyOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return tensor.Shape{op.n, op.k}, nil
	}
	return tensor.ScalarShape(), nil
}

// Do computes the loss or its gradient.
func (op *crossEntropyOp) Do(inputs ...G.Value) (G.Value, error) {
	if len(inputs) != op.arity {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(inputs), op.arity)
	}
	switch y := inputs[0].Data().(type) {
	case []float32:
		return crossEntropyDo(op, y, inputs)
	case []float64:
		return crossEntropyDo(op, y, inputs)
	}
	return nil, fmt.Errorf("%v: input 0 holds %T, want []float32 or []float64", op, inputs[0].Data())
}

// logSumExp returns log(sum(exp(row))) in float64.
func logSumExp[T float](row []T) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

func crossEntropyDo[T float](op *crossEntropyOp, y []T, inputs []G.Value) (G.Value, error) {
	t, ok := inputs[1].Data().([]T)
	n := op.n * op.k
	if !ok || len(y) != n || len(t) != n {
		return nil, fmt.Errorf("%v: inputs of %d and %T, want %d values each", op, len(y), inputs[1].Data(), n)
	}
	if !op.grad {
		var loss float64
		for i := 0; i < op.n; i++ {
			row, ti := y[i*op.k:][:op.k], t[i*op.k:][:op.k]
			lse := logSumExp(row)
			for j, v := range row {
				if ti[j] != 0 {
					loss += float64(ti[j]) * (lse - float64(v))
				}
			}
		}
		var z T
		if _, f32 := any(z).(float32); f32 {
			return G.NewF32(float32(op.scale * loss)), nil
		}
		return G.NewF64(op.scale * loss), nil
	}
	g, err := scalarInput(op, inputs[2])
	if err != nil {
		return nil, err
	}
	c := op.scale * g
	out, dy := output[T](&op.base, 0, op.n, op.k)
	for i := 0; i < op.n; i++ {
		row, ti, di := y[i*op.k:][:op.k], t[i*op.k:][:op.k], dy[i*op.k:][:op.k]
		lse := logSumExp(row)
		var sum float64
		for _, v := range ti {
			sum += float64(v)
		}
		for j, v := range row {
			di[j] = T(c * (math.Exp(float64(v)-lse)*sum - float64(ti[j])))
		}
	}
	return out, nil
}

// scalarInput returns the value of a scalar input (a loss gradient) as float64.
func scalarInput(op G.Op, v G.Value) (float64, error) {
	switch d := v.Data().(type) {
	case float32:
		return float64(d), nil
	case float64:
		return d, nil
	case []float32:
		return float64(d[0]), nil
	case []float64:
		return d[0], nil
	}
	return 0, fmt.Errorf("%v: loss gradient holds %T", op, v.Data())
}

// DiffWRT returns true for y only.
func (op *crossEntropyOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	d[0] = !op.grad
	return d
}

// SymDiff returns the gradient with respect to y, and none for t.
func (op *crossEntropyOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return noGrad(op)
	}
	dy, err := G.ApplyOp(newCrossEntropyOp(tensor.Shape{op.n, op.k}, op.scale, true), inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dy, nil}, nil
}

// L1 returns the scalar scale * sum(|h|) over all the elements of h, summed
// in float64: a sparsity penalty. Its gradient is scale * g * sign(h),
// with sign(0) = 0 as PyTorch's abs.
func L1(h *G.Node, scale float64) (*G.Node, error) {
	return apply(newL1Op(h.Shape().Clone(), scale, false), h)
}

// l1Op is L1 (grad false), from h, or its gradient (grad true), from h and
// the loss gradient.
type l1Op struct {
	base
	shape tensor.Shape
	scale float64
	grad  bool
}

func newL1Op(s tensor.Shape, scale float64, grad bool) *l1Op {
	op := &l1Op{shape: s, scale: scale, grad: grad}
	op.desc = fmt.Sprintf("spatial.L1%v(scale %g)", s, scale)
	op.arity = 1
	if grad {
		op.desc = fmt.Sprintf("spatial.L1Grad%v(scale %g)", s, scale)
		op.arity = 2
	}
	return op
}

// Type returns Tensor-d a -> a, or Tensor-d a -> a -> Tensor-d a for the
// gradient.
func (op *l1Op) Type() hm.Type {
	d, a := op.shape.Dims(), hm.TypeVariable('a')
	if op.grad {
		return hm.NewFnType(tensorType(d), a, tensorType(d))
	}
	return hm.NewFnType(tensorType(d), a)
}

// InferShape returns a scalar shape, or h's for the gradient.
func (op *l1Op) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return op.shape.Clone(), nil
	}
	return tensor.ScalarShape(), nil
}

// Do computes the penalty or its gradient.
func (op *l1Op) Do(inputs ...G.Value) (G.Value, error) {
	if len(inputs) != op.arity {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(inputs), op.arity)
	}
	switch h := inputs[0].Data().(type) {
	case []float32:
		return l1Do(op, h, inputs)
	case []float64:
		return l1Do(op, h, inputs)
	}
	return nil, fmt.Errorf("%v: input 0 holds %T, want []float32 or []float64", op, inputs[0].Data())
}

func l1Do[T float](op *l1Op, h []T, inputs []G.Value) (G.Value, error) {
	n := op.shape.TotalSize()
	if len(h) != n {
		return nil, fmt.Errorf("%v: input of %d values, want %d", op, len(h), n)
	}
	if !op.grad {
		var a, b float64
		i := 0
		for ; i+2 <= n; i += 2 {
			a += math.Abs(float64(h[i]))
			b += math.Abs(float64(h[i+1]))
		}
		for ; i < n; i++ {
			a += math.Abs(float64(h[i]))
		}
		var z T
		if _, f32 := any(z).(float32); f32 {
			return G.NewF32(float32(op.scale * (a + b))), nil
		}
		return G.NewF64(op.scale * (a + b)), nil
	}
	g, err := scalarInput(op, inputs[1])
	if err != nil {
		return nil, err
	}
	c := T(op.scale * g)
	out, dh := output[T](&op.base, 0, op.shape...)
	for i, v := range h {
		switch {
		case v > 0:
			dh[i] = c
		case v < 0:
			dh[i] = -c
		default:
			dh[i] = 0
		}
	}
	return out, nil
}

// DiffWRT returns true for h, and nothing for the gradient.
func (op *l1Op) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	d[0] = !op.grad
	return d
}

// SymDiff returns the gradient with respect to h.
func (op *l1Op) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return noGrad(op)
	}
	dh, err := G.ApplyOp(newL1Op(op.shape, op.scale, true), inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dh}, nil
}
