package spatial

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BatchNormParams are the mode and constants of a batch normalisation.
type BatchNormParams struct {
	// Training normalises with the batch's statistics and updates the
	// running ones; otherwise the running statistics normalise.
	Training bool
	// Momentum is the weight of the batch in the running statistics.
	Momentum float64
	// Eps is added to the variance before the square root.
	Eps float64
}

// BatchNorm2d normalises each channel of x, [N, C, H, W], and scales and
// shifts it by weight and bias, [C], as PyTorch's nn.BatchNorm2d:
//
//	y = (x - mean) / sqrt(var + eps) * weight + bias
//
// In training mode mean and var are the batch's, over N, H and W, var
// biased; every run of the graph then also updates runMean and runVar, [C],
// in their own memory: running = (1-momentum)*running + momentum*batch,
// with the unbiased batch variance, as PyTorch does. In evaluation mode
// mean and var are runMean and runVar. runMean and runVar have no
// gradient; x, weight and bias do, through the batch statistics in training
// mode.
func BatchNorm2d(x, weight, bias, runMean, runVar *G.Node, p BatchNormParams) (*G.Node, error) {
	s := x.Shape()
	if len(s) != 4 {
		return nil, fmt.Errorf("BatchNorm2d: input %v is not [N, C, H, W]", s)
	}
	for _, n := range []*G.Node{weight, bias, runMean, runVar} {
		if !n.Shape().Eq(tensor.Shape{s[1]}) {
			return nil, fmt.Errorf("BatchNorm2d: parameter %s has shape %v, want [%d]", n.Name(), n.Shape(), s[1])
		}
	}
	if p.Training && s[0]*s[2]*s[3] < 2 {
		return nil, fmt.Errorf("BatchNorm2d: training needs more than one value per channel, input %v", s)
	}
	return apply(newBatchNormOp(s, p), x, weight, bias, runMean, runVar)
}

// bnShape is the shape of a batch normalisation: n examples, c channels,
// planes h x w of p = h*w positions.
type bnShape struct{ n, c, h, w, p int }

// m returns the number of values per channel.
func (s bnShape) m() int { return s.n * s.p }

// shape returns [n, c, h, w].
func (s bnShape) shape() []int { return []int{s.n, s.c, s.h, s.w} }

// batchNormOp is y = BatchNorm2d(x, weight, bias, runMean, runVar).
type batchNormOp struct {
	base
	bnShape
	BatchNormParams
}

func newBatchNormOp(s tensor.Shape, p BatchNormParams) *batchNormOp {
	op := &batchNormOp{bnShape: bnShape{s[0], s[1], s[2], s[3], s[2] * s[3]}, BatchNormParams: p}
	op.desc = fmt.Sprintf("spatial.BatchNorm2d%v(%+v)", s, p)
	op.arity = 5
	return op
}

// Type returns Tensor-4 a -> (Tensor-1 a)^4 -> Tensor-4 a.
func (op *batchNormOp) Type() hm.Type { return fnType(4, 1, 1, 1, 1, 4) }

// InferShape returns x's shape.
func (op *batchNormOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shape4(op, in, 0)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

// Do normalises, and in training mode updates the running statistics.
func (op *batchNormOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return batchNormDo(op, in) },
		func(in [][]float64) (G.Value, error) { return batchNormDo(op, in) })
}

// stats returns each channel's mean and 1/sqrt(var+eps), from the batch x
// (with the biased variance in bvar) in training mode, from rm and rv
// otherwise.
func stats[T float](b *base, s bnShape, p BatchNormParams, x, rm, rv []T) (mean, inv, bvar []float64) {
	mean, inv, bvar = buffer[float64](b, 10, s.c), buffer[float64](b, 11, s.c), buffer[float64](b, 12, s.c)
	parallel(s.c, func(c int) {
		if !p.Training {
			mean[c], bvar[c] = float64(rm[c]), float64(rv[c])
			inv[c] = 1 / math.Sqrt(bvar[c]+p.Eps)
			return
		}
		var total float64
		for i := 0; i < s.n; i++ {
			total += sum(x[(i*s.c+c)*s.p:][:s.p])
		}
		mu := total / float64(s.m())
		var sq float64
		for i := 0; i < s.n; i++ {
			sq += sqDev(x[(i*s.c+c)*s.p:][:s.p], mu)
		}
		mean[c], bvar[c] = mu, sq/float64(s.m())
		inv[c] = 1 / math.Sqrt(bvar[c]+p.Eps)
	})
	return mean, inv, bvar
}

func batchNormDo[T float](op *batchNormOp, in [][]T) (G.Value, error) {
	x, w, b, rm, rv := in[0], in[1], in[2], in[3], in[4]
	c := op.c
	if err := checkLens(op, []int{len(x), len(w), len(b), len(rm), len(rv)}, []int{op.n * c * op.p, c, c, c, c}); err != nil {
		return nil, err
	}
	mean, inv, bvar := stats(&op.base, op.bnShape, op.BatchNormParams, x, rm, rv)
	out, y := output[T](&op.base, 0, op.shape()...)
	parallel(op.n, func(i int) {
		for ch := 0; ch < c; ch++ {
			scale := inv[ch] * float64(w[ch])
			shift := float64(b[ch]) - mean[ch]*scale
			src, dst := x[(i*c+ch)*op.p:][:op.p], y[(i*c+ch)*op.p:][:op.p]
			for j, v := range src {
				dst[j] = T(float64(v)*scale + shift)
			}
		}
	})
	if op.Training {
		m, unbias := op.Momentum, float64(op.m())/float64(op.m()-1)
		for ch := 0; ch < c; ch++ {
			rm[ch] = T((1-m)*float64(rm[ch]) + m*mean[ch])
			rv[ch] = T((1-m)*float64(rv[ch]) + m*bvar[ch]*unbias)
		}
	}
	return out, nil
}

// DiffWRT returns true for x, weight and bias, false for the running
// statistics.
func (op *batchNormOp) DiffWRT(inputs int) []bool {
	return []bool{true, true, true, false, false}[:inputs]
}

// SymDiff returns the gradients with respect to x, weight and bias.
func (op *batchNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 5 {
		return nil, fmt.Errorf("%v: %d inputs, want 5", op, len(inputs))
	}
	x, w, rm, rv := inputs[0], inputs[1], inputs[3], inputs[4]
	dx, err := G.ApplyOp(newBNGradOp(op, false), x, w, rm, rv, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: input gradient: %w", op, err)
	}
	dw, err := G.ApplyOp(newBNGradOp(op, true), x, w, rm, rv, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: weight gradient: %w", op, err)
	}
	db, err := G.ApplyOp(newChannelSumOp(x.Shape()), grad)
	if err != nil {
		return nil, fmt.Errorf("%v: bias gradient: %w", op, err)
	}
	return G.Nodes{dx, dw, db, nil, nil}, nil
}

// bnGradOp is the gradient of a batch normalisation with respect to x
// (weight false) or to its weight (weight true), from the inputs x,
// weight, runMean, runVar and the output gradient dy. In training mode it
// recomputes the batch statistics from x and ignores the running ones:
//
//	dx = weight/sqrt(var+eps) * (dy - mean(dy) - xhat*mean(dy*xhat))
//	dweight = sum(dy*xhat)
//
// with the means and sums per channel, xhat the normalised x. In evaluation
// mode dx = weight/sqrt(runVar+eps) * dy.
type bnGradOp struct {
	base
	bnShape
	BatchNormParams
	weight bool
}

func newBNGradOp(fwd *batchNormOp, weight bool) *bnGradOp {
	op := &bnGradOp{bnShape: fwd.bnShape, BatchNormParams: fwd.BatchNormParams, weight: weight}
	op.desc = fmt.Sprintf("spatial.BatchNorm2dGrad%v(%+v, weight %t)", fwd.shape(), fwd.BatchNormParams, weight)
	op.arity = 5
	return op
}

// Type returns Tensor-4 a -> (Tensor-1 a)^3 -> Tensor-4 a -> Tensor-4 a
// (Tensor-1 a for the weight gradient).
func (op *bnGradOp) Type() hm.Type {
	if op.weight {
		return fnType(4, 1, 1, 1, 4, 1)
	}
	return fnType(4, 1, 1, 1, 4, 4)
}

// InferShape returns x's shape, or [C] for the weight gradient.
func (op *bnGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.weight {
		return tensor.Shape{op.c}, nil
	}
	return tensor.Shape(op.shape()), nil
}

// Do computes the gradient.
func (op *bnGradOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return bnGradDo(op, in) },
		func(in [][]float64) (G.Value, error) { return bnGradDo(op, in) })
}

func bnGradDo[T float](op *bnGradOp, in [][]T) (G.Value, error) {
	x, w, rm, rv, dy := in[0], in[1], in[2], in[3], in[4]
	c, size := op.c, op.n*op.c*op.p
	if err := checkLens(op, []int{len(x), len(w), len(rm), len(rv), len(dy)}, []int{size, c, c, c, size}); err != nil {
		return nil, err
	}
	mean, inv, _ := stats(&op.base, op.bnShape, op.BatchNormParams, x, rm, rv)
	// Per channel: sum(dy) and sum(dy*xhat).
	sdy, sdyx := buffer[float64](&op.base, 1, c), buffer[float64](&op.base, 2, c)
	parallel(c, func(ch int) {
		var a, b float64
		for i := 0; i < op.n; i++ {
			xs, ds := x[(i*c+ch)*op.p:][:op.p], dy[(i*c+ch)*op.p:][:op.p]
			sa, sb := sumDot(ds, xs, mean[ch])
			a, b = a+sa, b+sb
		}
		sdy[ch], sdyx[ch] = a, b*inv[ch]
	})
	if op.weight {
		out, dw := output[T](&op.base, 0, c)
		for ch := range dw {
			dw[ch] = T(sdyx[ch])
		}
		return out, nil
	}
	out, dx := output[T](&op.base, 0, op.shape()...)
	m := float64(op.m())
	parallel(c, func(ch int) {
		k := float64(w[ch]) * inv[ch]
		if !op.Training {
			for i := 0; i < op.n; i++ {
				ds, dst := dy[(i*c+ch)*op.p:][:op.p], dx[(i*c+ch)*op.p:][:op.p]
				for j, d := range ds {
					dst[j] = T(k * float64(d))
				}
			}
			return
		}
		mdy, mdyx := sdy[ch]/m, sdyx[ch]/m
		for i := 0; i < op.n; i++ {
			xs, ds, dst := x[(i*c+ch)*op.p:][:op.p], dy[(i*c+ch)*op.p:][:op.p], dx[(i*c+ch)*op.p:][:op.p]
			for j, d := range ds {
				xhat := (float64(xs[j]) - mean[ch]) * inv[ch]
				dst[j] = T(k * (float64(d) - mdy - xhat*mdyx))
			}
		}
	})
	return out, nil
}

// DiffWRT returns false: second derivatives are not needed.
func (op *bnGradOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

// SymDiff fails: the op is not differentiable.
func (op *bnGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) { return noGrad(op) }
