package spatial

import (
	"fmt"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxPool2d returns the maximum of x, [N, C, H, W], over kernel x kernel
// windows moved by stride (0 means kernel), without padding and rounding
// the output size down, as PyTorch's nn.MaxPool2d: y, [N, C, (H-k)/s+1,
// (W-k)/s+1]. It also returns indices, a node of y's shape and dtype holding
// the position h*W + w of each maximum within its input plane (the first
// in row-major order when the window has ties), which has no gradient; pass
// it to MaxUnpool2d. The gradient with respect to x goes to the maxima.
func MaxPool2d(x *G.Node, kernel, stride int) (y, indices *G.Node, err error) {
	if stride == 0 {
		stride = kernel
	}
	s := x.Shape()
	if len(s) != 4 || kernel <= 0 || stride <= 0 || s[2] < kernel || s[3] < kernel {
		return nil, nil, fmt.Errorf("MaxPool2d(%d, %d): bad input %v", kernel, stride, s)
	}
	small := tensor.Shape{s[0], s[1], (s[2]-kernel)/stride + 1, (s[3]-kernel)/stride + 1}
	if indices, err = apply(newPoolIndicesOp(s.Clone(), small, kernel, stride), x); err != nil {
		return nil, nil, err
	}
	if y, err = apply(newGatherOp(s.Clone(), small), x, indices); err != nil {
		return nil, nil, err
	}
	return y, indices, nil
}

// MaxUnpool2d returns the partial inverse of a max pooling, as PyTorch's
// nn.MaxUnpool2d: a node [N, C, h, w] of zeros in which each element of x,
// [N, C, H, W], is added at the position indices (from MaxPool2d, of x's
// shape) gives it in its plane. With overlapping pooling windows two
// elements can name the same position; they add up, which makes the op the
// exact adjoint of pooling's Gather (PyTorch keeps one of them). Its
// gradient with respect to x gathers the output gradient at indices.
func MaxUnpool2d(x, indices *G.Node, h, w int) (*G.Node, error) {
	s := x.Shape()
	if len(s) != 4 || !s.Eq(indices.Shape()) || h <= 0 || w <= 0 {
		return nil, fmt.Errorf("MaxUnpool2d to %dx%d: bad input %v or indices %v", h, w, s, indices.Shape())
	}
	return apply(newScatterOp(s.Clone(), tensor.Shape{s[0], s[1], h, w}), x, indices)
}

// poolIndicesOp finds the position of the maximum of each pooling window.
type poolIndicesOp struct {
	base
	big, small tensor.Shape
	k, s       int
}

func newPoolIndicesOp(big, small tensor.Shape, k, s int) *poolIndicesOp {
	op := &poolIndicesOp{big: big, small: small, k: k, s: s}
	op.desc = fmt.Sprintf("spatial.PoolIndices(%v -> %v, kernel %d, stride %d)", big, small, k, s)
	op.arity = 1
	return op
}

// Type returns Tensor-4 a -> Tensor-4 a.
func (op *poolIndicesOp) Type() hm.Type { return fnType(4, 4) }

// InferShape returns the pooled shape.
func (op *poolIndicesOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.small.Clone(), nil
}

// Do computes the indices.
func (op *poolIndicesOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return poolIndicesDo(op, in[0]) },
		func(in [][]float64) (G.Value, error) { return poolIndicesDo(op, in[0]) })
}

func poolIndicesDo[T float](op *poolIndicesOp, x []T) (G.Value, error) {
	if err := checkLens(op, []int{len(x)}, []int{op.big.TotalSize()}); err != nil {
		return nil, err
	}
	n, c, H, W := op.big[0], op.big[1], op.big[2], op.big[3]
	oh, ow := op.small[2], op.small[3]
	out, idx := output[T](&op.base, 0, op.small...)
	parallel(n, func(i int) {
		for ch := 0; ch < c; ch++ {
			plane := x[(i*c+ch)*H*W:][:H*W]
			dst := idx[(i*c+ch)*oh*ow:][:oh*ow]
			if op.k == 2 && op.s == 2 {
				pool2(plane, dst, W, oh, ow)
				continue
			}
			for r := 0; r < oh; r++ {
				for q := 0; q < ow; q++ {
					dst[r*ow+q] = T(windowMax(plane, W, r*op.s, q*op.s, op.k))
				}
			}
		}
	})
	return out, nil
}

// windowMax returns the position in plane, of width W, of the maximum of
// the k x k window at (h0, w0): the first in row-major order among ties,
// and the first NaN if there is one.
func windowMax[T float](plane []T, W, h0, w0, k int) int {
	best, at := plane[h0*W+w0], h0*W+w0
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			p := (h0+a)*W + w0 + b
			if v := plane[p]; v > best || v != v {
				best, at = v, p
				if v != v {
					return at
				}
			}
		}
	}
	return at
}

// pool2 is windowMax over the 2 x 2 windows of stride 2 of plane, of width
// W, writing the oh x ow positions to dst. It compares the two top
// elements, the two bottom ones, then the two winners, which keeps the
// first maximum in row-major order, without branches; a window whose sum is NaN, as one holding a NaN is, goes to
// windowMax.
func pool2[T float](plane, dst []T, W, oh, ow int) {
	for r := 0; r < oh; r++ {
		top, bot := plane[2*r*W:][:2*ow], plane[(2*r+1)*W:][:2*ow]
		row := dst[r*ow:][:ow]
		for q := range row {
			a, b, c, d := top[2*q], top[2*q+1], bot[2*q], bot[2*q+1]
			at := 2*r*W + 2*q
			if s := a + b + c + d; s != s {
				row[q] = T(windowMax(plane, W, 2*r, 2*q, 2))
				continue
			}
			i, j := b2i(b > a), b2i(d > c)
			k := b2i(bot[2*q+j] > top[2*q+i])
			row[q] = T(at + i + k*(W+j-i))
		}
	}
}

// b2i returns 1 for true and 0 for false, which compiles to a SETcc.
func b2i(c bool) int {
	if c {
		return 1
	}
	return 0
}

// DiffWRT returns false: indices have no gradient.
func (op *poolIndicesOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

// SymDiff fails: indices have no gradient.
func (op *poolIndicesOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) { return noGrad(op) }

// gatherOp reads x, [N, C, H, W], at the positions of indices, [N, C, h, w]:
// y[n, c, i] = x[n, c, indices[n, c, i]].
type gatherOp struct {
	base
	big, small tensor.Shape
}

func newGatherOp(big, small tensor.Shape) *gatherOp {
	op := &gatherOp{big: big, small: small}
	op.desc = fmt.Sprintf("spatial.Gather(%v -> %v)", big, small)
	op.arity = 2
	return op
}

// Type returns Tensor-4 a -> Tensor-4 a -> Tensor-4 a.
func (op *gatherOp) Type() hm.Type { return fnType(4, 4, 4) }

// InferShape returns the shape of the indices.
func (op *gatherOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.small.Clone(), nil }

// Do gathers.
func (op *gatherOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return gatherDo(op, in) },
		func(in [][]float64) (G.Value, error) { return gatherDo(op, in) })
}

func gatherDo[T float](op *gatherOp, in [][]T) (G.Value, error) {
	x, idx := in[0], in[1]
	if err := checkLens(op, []int{len(x), len(idx)}, []int{op.big.TotalSize(), op.small.TotalSize()}); err != nil {
		return nil, err
	}
	planes, bp, sp := op.big[0]*op.big[1], op.big[2]*op.big[3], op.small[2]*op.small[3]
	out, y := output[T](&op.base, 0, op.small...)
	var bad atomic.Bool
	parallel(planes, func(i int) {
		src, ix, dst := x[i*bp:][:bp], idx[i*sp:][:sp], y[i*sp:][:sp]
		for j, v := range ix {
			p := int(v)
			if p < 0 || p >= bp {
				bad.Store(true)
				return
			}
			dst[j] = src[p]
		}
	})
	if bad.Load() {
		return nil, fmt.Errorf("%v: an index lies outside a plane of %d", op, bp)
	}
	return out, nil
}

// DiffWRT returns true for x and false for the indices.
func (op *gatherOp) DiffWRT(inputs int) []bool { return []bool{true, false}[:inputs] }

// SymDiff returns the scatter of the output gradient to x's shape.
func (op *gatherOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: %d inputs, want 2", op, len(inputs))
	}
	dx, err := G.ApplyOp(newScatterOp(op.small, op.big), grad, inputs[1])
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dx, nil}, nil
}

// scatterOp adds x, [N, C, h, w], into zeros [N, C, H, W] at the positions
// of indices: out[n, c, indices[n, c, i]] += x[n, c, i].
type scatterOp struct {
	base
	small, big tensor.Shape
}

func newScatterOp(small, big tensor.Shape) *scatterOp {
	op := &scatterOp{small: small, big: big}
	op.desc = fmt.Sprintf("spatial.Scatter(%v -> %v)", small, big)
	op.arity = 2
	return op
}

// Type returns Tensor-4 a -> Tensor-4 a -> Tensor-4 a.
func (op *scatterOp) Type() hm.Type { return fnType(4, 4, 4) }

// InferShape returns the unpooled shape.
func (op *scatterOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.big.Clone(), nil }

// Do scatters.
func (op *scatterOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return scatterDo(op, in) },
		func(in [][]float64) (G.Value, error) { return scatterDo(op, in) })
}

func scatterDo[T float](op *scatterOp, in [][]T) (G.Value, error) {
	x, idx := in[0], in[1]
	if err := checkLens(op, []int{len(x), len(idx)}, []int{op.small.TotalSize(), op.small.TotalSize()}); err != nil {
		return nil, err
	}
	planes, bp, sp := op.big[0]*op.big[1], op.big[2]*op.big[3], op.small[2]*op.small[3]
	out, y := output[T](&op.base, 0, op.big...)
	var bad atomic.Bool
	parallel(planes, func(i int) {
		src, ix, dst := x[i*sp:][:sp], idx[i*sp:][:sp], y[i*bp:][:bp]
		clear(dst)
		for j, v := range ix {
			p := int(v)
			if p < 0 || p >= bp {
				bad.Store(true)
				return
			}
			dst[p] += src[j]
		}
	})
	if bad.Load() {
		return nil, fmt.Errorf("%v: an index lies outside a plane of %d", op, bp)
	}
	return out, nil
}

// DiffWRT returns true for x and false for the indices.
func (op *scatterOp) DiffWRT(inputs int) []bool { return []bool{true, false}[:inputs] }

// SymDiff returns the gather of the output gradient at the indices.
func (op *scatterOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%v: %d inputs, want 2", op, len(inputs))
	}
	dx, err := G.ApplyOp(newGatherOp(op.big, op.small), grad, inputs[1])
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dx, nil}, nil
}
