package spatial

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvParams are the stride and zero padding of a convolution, and whether
// its input needs a gradient.
type ConvParams struct {
	// Stride is the step between windows, 0 meaning 1.
	Stride int
	// Padding is the zero padding on each side of the image.
	Padding int
	// NoInputGrad says the input needs no gradient, as a network's input
	// does not: the backward pass then skips the gradient with respect to
	// it, and asking G.Grad for that gradient fails.
	NoInputGrad bool
	// ReLU applies max(x, 0) to the output, as a ReLU layer after the
	// convolution would, in the same pass: the output is the ReLU's.
	ReLU bool
}

func (p ConvParams) stride() int {
	if p.Stride == 0 {
		return 1
	}
	return p.Stride
}

// Conv2d returns the 2-D cross-correlation of x, [N, C, H, W], with the
// kernels w, [O, C, K, K], plus the bias b, [O] (nil for none), as PyTorch's
// nn.Conv2d: a node [N, O, (H+2P-K)/S+1, (W+2P-K)/S+1].
func Conv2d(x, w, b *G.Node, p ConvParams) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 4 || len(ws) != 4 || ws[1] != xs[1] || ws[2] != ws[3] {
		return nil, fmt.Errorf("Conv2d: input %v and weight %v do not fit [N, C, H, W] and [O, C, K, K]", xs, ws)
	}
	s, k := p.stride(), ws[2]
	if p.Padding < 0 || xs[2]+2*p.Padding < k || xs[3]+2*p.Padding < k {
		return nil, fmt.Errorf("Conv2d: kernel %d does not fit input %v with padding %d", k, xs, p.Padding)
	}
	g := geom{N: xs[0], C: xs[1], H: xs[2], W: xs[3], O: ws[0],
		OH: (xs[2]+2*p.Padding-k)/s + 1, OW: (xs[3]+2*p.Padding-k)/s + 1, K: k, S: s, P: p.Padding}
	return apply(newConvOp(g, false, b != nil, p.NoInputGrad, p.ReLU), x, w, b)
}

// ConvTranspose2d returns the transposed convolution of x, [N, I, H, W],
// with the kernels w, [I, O, K, K], plus the bias b, [O] (nil for none), as
// PyTorch's nn.ConvTranspose2d without output padding: a node
// [N, O, (H-1)S - 2P + K, (W-1)S - 2P + K].
func ConvTranspose2d(x, w, b *G.Node, p ConvParams) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) != 4 || len(ws) != 4 || ws[0] != xs[1] || ws[2] != ws[3] {
		return nil, fmt.Errorf("ConvTranspose2d: input %v and weight %v do not fit [N, I, H, W] and [I, O, K, K]", xs, ws)
	}
	s, k := p.stride(), ws[2]
	g := geom{N: xs[0], C: ws[1], H: (xs[2]-1)*s - 2*p.Padding + k, W: (xs[3]-1)*s - 2*p.Padding + k,
		O: xs[1], OH: xs[2], OW: xs[3], K: k, S: s, P: p.Padding}
	if p.Padding < 0 || g.H <= 0 || g.W <= 0 {
		return nil, fmt.Errorf("ConvTranspose2d: kernel %d, stride %d and padding %d give input %v an empty output", k, s, p.Padding, xs)
	}
	return apply(newConvOp(g, true, b != nil, p.NoInputGrad, p.ReLU), x, w, b)
}

// apply applies op to the non-nil nodes among in.
func apply(op G.Op, in ...*G.Node) (*G.Node, error) {
	var nodes []*G.Node
	for _, n := range in {
		if n != nil {
			nodes = append(nodes, n)
		}
	}
	y, err := G.ApplyOp(op, nodes...)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	return y, nil
}

// convOp is a convolution (transposed false: image side to column side)
// or a transposed convolution (column side to image side) of geometry g,
// with inputs x, w and, with bias, b.
type convOp struct {
	base
	g                           geom
	transposed, bias, noX, relu bool
}

func newConvOp(g geom, transposed, bias, noX, relu bool) *convOp {
	name := "Conv2d"
	if transposed {
		name = "ConvTranspose2d"
	}
	op := &convOp{g: g, transposed: transposed, bias: bias, noX: noX, relu: relu}
	op.desc = fmt.Sprintf("spatial.%s%+v(bias %t, input gradient %t, relu %t)", name, g, bias, !noX, relu)
	op.arity = 2
	if bias {
		op.arity = 3
	}
	return op
}

// Type returns Tensor-4 a -> Tensor-4 a [-> Tensor-1 a] -> Tensor-4 a.
func (op *convOp) Type() hm.Type {
	if op.bias {
		return fnType(4, 4, 1, 4)
	}
	return fnType(4, 4, 4)
}

// InferShape returns the output shape of the geometry.
func (op *convOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if _, err := shape4(op, in, 0); err != nil {
		return nil, err
	}
	g := op.g
	if op.transposed {
		return tensor.Shape{g.N, g.C, g.H, g.W}, nil
	}
	return tensor.Shape{g.N, g.O, g.OH, g.OW}, nil
}

// Do computes the convolution.
func (op *convOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return convDo(op, in) },
		func(in [][]float64) (G.Value, error) { return convDo(op, in) })
}

func convDo[T float](op *convOp, in [][]T) (G.Value, error) {
	g := op.g
	x, w := in[0], in[1]
	var b []T
	if op.bias {
		b = in[2]
	}
	imgLen, colLen := g.N*g.img(), g.N*g.O*g.plane()
	if err := checkLens(op, []int{len(x), len(w), len(b)}, []int{pick(op.transposed, colLen, imgLen), g.O * g.ckk(), pick(op.bias, pick(op.transposed, g.C, g.O), 0)}); err != nil {
		return nil, err
	}
	// One example at a time, each goroutine with a column matrix of its
	// own that stays in cache, and OpenBLAS single-threaded inside.
	ckk, pl, il := g.ckk(), g.plane(), g.img()
	nw := workers(g.N)
	defer serialBLAS()()
	if pg, ok := polyphaseOf[T](g, op.transposed); ok {
		return convPolyphase(op, pg, any(x).([]float32), any(w).([]float32), any(b).([]float32)), nil
	}
	if !op.transposed && g.S == 1 {
		out, y := output[T](&op.base, 2, g.N, g.O, g.OH, g.OW)
		convWide(&op.base, g, nw, x, w, b, y, op.relu)
		return out, nil
	}
	if !op.transposed {
		cols := buffer[T](&op.base, 0, nw*ckk*pl)
		out, y := output[T](&op.base, 2, g.N, g.O, g.OH, g.OW)
		parallelW(g.N, nw, func(wk, n int) {
			col := cols[wk*ckk*pl:][:ckk*pl]
			im2col(g, x[n*il:][:il], col)
			yn := y[n*g.O*pl:][:g.O*pl]
			gemm(false, false, g.O, pl, ckk, w, ckk, col, pl, 0, yn, pl)
			if b != nil {
				addBias(pl, b, yn)
			}
			if op.relu {
				reluInPlace(yn)
			}
		})
		return out, nil
	}
	out, y := output[T](&op.base, 2, g.N, g.C, g.H, g.W)
	if g.S == 1 && g.P <= g.K-1 {
		convTransposeStride1(&op.base, g, nw, x, w, b, y, op.relu)
		return out, nil
	}
	// col = w^T x_n, with w^T made explicit: gonum's kernel for a
	// transposed left operand is several times slower.
	wt := buffer[T](&op.base, 3, ckk*g.O)
	for o := 0; o < g.O; o++ {
		for r, v := range w[o*ckk : (o+1)*ckk] {
			wt[r*g.O+o] = v
		}
	}
	cols := buffer[T](&op.base, 0, nw*ckk*pl)
	parallelW(g.N, nw, func(wk, n int) {
		col := cols[wk*ckk*pl:][:ckk*pl]
		gemm(false, false, ckk, pl, g.O, wt, g.O, x[n*g.O*pl:][:g.O*pl], pl, 0, col, pl)
		yn := y[n*il:][:il]
		col2im(g, col, yn)
		if b != nil {
			addBias(g.H*g.W, b, yn)
		}
		if op.relu {
			reluInPlace(yn)
		}
	})
	return out, nil
}

// convTransposeStride1 sets y, [N, C, H, W], to the transposed convolution
// of stride 1 and padding at most K-1 of x, [N, O, OH, OW], with w, [O, C,
// K, K], plus bias (nil for none), using the memory of b's slot 3 and
// convWide's. The image side is the convolution of the column side,
// zero-padded by K-1-P, with the kernels flipped and their channel axes
// swapped: an im2col, which copies, in place of a col2im, which adds.
func convTransposeStride1[T float](b *base, g geom, nw int, x, w, bias, y []T, relu bool) {
	f := geom{N: g.N, C: g.O, H: g.OH, W: g.OW, O: g.C, OH: g.H, OW: g.W, K: g.K, S: 1, P: g.K - 1 - g.P}
	kk := g.K * g.K
	wf := buffer[T](b, 3, g.C*f.ckk())
	for o := 0; o < g.O; o++ {
		for c := 0; c < g.C; c++ {
			src, dst := w[(o*g.C+c)*kk:][:kk], wf[(c*g.O+o)*kk:][:kk]
			for i, v := range src {
				dst[kk-1-i] = v
			}
		}
	}
	convWide(b, f, nw, x, wf, bias, y, relu)
}

// convWide sets y, [N, O, OH, OW], to the convolution of stride 1 of x,
// [N, C, H, W], with w, [O, C*K*K], plus b (nil for none), one example at a
// time in the wide layout, using the memory of b's slots 5 to 7.
func convWide[T float](b *base, g geom, nw int, x, w, bias, y []T, relu bool) {
	if useDirect[T](g) {
		convWideDirect(b, g, nw, any(x).([]float32), any(w).([]float32), any(bias).([]float32), any(y).([]float32), relu)
		return
	}
	l, ckk, il, pl := wideOf(g), g.ckk(), g.img(), g.plane()
	pads := buffer[T](b, 5, nw*g.C*l.PH*l.PW)
	cols := buffer[T](b, 6, nw*ckk*l.L)
	ys := buffer[T](b, 7, nw*g.O*l.L)
	parallelW(g.N, nw, func(wk, n int) {
		col, yw := cols[wk*ckk*l.L:][:ckk*l.L], ys[wk*g.O*l.L:][:g.O*l.L]
		im2colWide(g, l, x[n*il:][:il], pads[wk*g.C*l.PH*l.PW:][:g.C*l.PH*l.PW], col)
		gemm(false, false, g.O, l.L, ckk, w, ckk, col, l.L, 0, yw, l.L)
		unwide(g, l, l.L, yw, bias, y[n*g.O*pl:][:g.O*pl], relu)
	})
}

// DiffWRT returns which inputs have a gradient: all but x with NoInputGrad.
func (op *convOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = i > 0 || !op.noX
	}
	return d
}

// SymDiff returns the gradients with respect to x, w and b: the
// convolution in the other direction of the output gradient with w, the
// correlation of the image side with the column side, and the sum over the
// output gradient's channels.
func (op *convOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.arity {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(inputs), op.arity)
	}
	x, w := inputs[0], inputs[1]
	d := make(G.Nodes, len(inputs))
	var err error
	if op.relu {
		// The gradient with respect to the convolution's own output.
		if grad, err = G.ApplyOp(newReLUOp(output.Shape().Clone(), true), output, grad); err != nil {
			return nil, fmt.Errorf("%v: ReLU gradient: %w", op, err)
		}
	}
	if !op.noX {
		if d[0], err = G.ApplyOp(newConvOp(op.g, !op.transposed, false, false, false), grad, w); err != nil {
			return nil, fmt.Errorf("%v: input gradient: %w", op, err)
		}
	}
	img, small := x, grad
	if op.transposed {
		img, small = grad, x
	}
	if d[1], err = G.ApplyOp(newWeightGradOp(op.g), img, small); err != nil {
		return nil, fmt.Errorf("%v: weight gradient: %w", op, err)
	}
	if op.bias {
		if d[2], err = G.ApplyOp(newChannelSumOp(grad.Shape()), grad); err != nil {
			return nil, fmt.Errorf("%v: bias gradient: %w", op, err)
		}
	}
	return d, nil
}

// weightGradOp is the gradient of a convolution of geometry g with respect
// to its weight: from the image side img and the column side small, the
// sum over the batch of small times im2col(img) transposed, [O, C, K, K].
type weightGradOp struct {
	base
	g geom
}

func newWeightGradOp(g geom) *weightGradOp {
	op := &weightGradOp{g: g}
	op.desc = fmt.Sprintf("spatial.ConvWeightGrad%+v", g)
	op.arity = 2
	return op
}

// Type returns Tensor-4 a -> Tensor-4 a -> Tensor-4 a.
func (op *weightGradOp) Type() hm.Type { return fnType(4, 4, 4) }

// InferShape returns [O, C, K, K].
func (op *weightGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.g.O, op.g.C, op.g.K, op.g.K}, nil
}

// Do computes the weight gradient.
func (op *weightGradOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return weightGradDo(op, in) },
		func(in [][]float64) (G.Value, error) { return weightGradDo(op, in) })
}

func weightGradDo[T float](op *weightGradOp, in [][]T) (G.Value, error) {
	g := op.g
	img, small := in[0], in[1]
	if err := checkLens(op, []int{len(img), len(small)}, []int{g.N * g.img(), g.N * g.O * g.plane()}); err != nil {
		return nil, err
	}
	// One example at a time, as convDo, each goroutine summing into a
	// gradient of its own; the sums add up at the end.
	ckk, pl, il, wl := g.ckk(), g.plane(), g.img(), g.O*g.ckk()
	nw := workers(g.N)
	if pg, ok := polyphaseOf[T](g, false); ok {
		out, dw := output[T](&op.base, 2, g.O, g.C, g.K, g.K)
		weightGradPolyphase(op, pg, any(img).([]float32), any(small).([]float32), any(dw).([]float32))
		return out, nil
	}
	if g.S == 1 && useDirect[T](g) {
		out, dw := output[T](&op.base, 2, g.O, g.C, g.K, g.K)
		weightGradDirect(&op.base, g, nw, any(img).([]float32), any(small).([]float32), any(dw).([]float32))
		return out, nil
	}
	var cols []T
	if g.S != 1 {
		cols = buffer[T](&op.base, 0, nw*ckk*pl)
	}
	sums := buffer[T](&op.base, 1, nw*wl)
	clear(sums)
	restore := serialBLAS()
	if g.S == 1 {
		// The wide layout, with small copied to it, zero at the positions
		// that belong to no output.
		l := wideOf(g)
		pads := buffer[T](&op.base, 3, nw*g.C*l.PH*l.PW)
		wcols := buffer[T](&op.base, 4, nw*ckk*l.L)
		smalls := buffer[T](&op.base, 5, nw*g.O*l.L)
		clear(smalls)
		parallelW(g.N, nw, func(wk, n int) {
			col, sw := wcols[wk*ckk*l.L:][:ckk*l.L], smalls[wk*g.O*l.L:][:g.O*l.L]
			im2colWide(g, l, img[n*il:][:il], pads[wk*g.C*l.PH*l.PW:][:g.C*l.PH*l.PW], col)
			sn := small[n*g.O*pl:][:g.O*pl]
			for o := 0; o < g.O; o++ {
				for oh := 0; oh < g.OH; oh++ {
					copy(sw[o*l.L+oh*l.PW:][:g.OW], sn[o*pl+oh*g.OW:])
				}
			}
			gemm(false, true, g.O, ckk, l.L, sw, l.L, col, l.L, 1, sums[wk*wl:][:wl], ckk)
		})
	} else {
		parallelW(g.N, nw, func(wk, n int) {
			col := cols[wk*ckk*pl:][:ckk*pl]
			im2col(g, img[n*il:][:il], col)
			gemm(false, true, g.O, ckk, pl, small[n*g.O*pl:][:g.O*pl], pl, col, pl, 1, sums[wk*wl:][:wl], ckk)
		})
	}
	restore()
	out, dw := output[T](&op.base, 2, g.O, g.C, g.K, g.K)
	copy(dw, sums[:wl])
	for wk := 1; wk < nw; wk++ {
		for i, v := range sums[wk*wl:][:wl] {
			dw[i] += v
		}
	}
	return out, nil
}

// DiffWRT returns false for both inputs: second derivatives are not needed.
func (op *weightGradOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

// SymDiff fails: the op is not differentiable.
func (op *weightGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) { return noGrad(op) }

// channelSumOp sums a tensor [N, C, ...] over all but its channel axis,
// giving [C]: the gradient of a per-channel bias.
type channelSumOp struct {
	base
	n, c, p int
}

func newChannelSumOp(s tensor.Shape) *channelSumOp {
	op := &channelSumOp{n: s[0], c: s[1], p: s.TotalSize() / (s[0] * s[1])}
	op.desc = fmt.Sprintf("spatial.ChannelSum(%d, %d, %d)", op.n, op.c, op.p)
	op.arity = 1
	return op
}

// Type returns Tensor-4 a -> Tensor-1 a.
func (op *channelSumOp) Type() hm.Type { return fnType(4, 1) }

// InferShape returns [C].
func (op *channelSumOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.c}, nil
}

// Do sums over the batch and the plane.
func (op *channelSumOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return channelSumDo(op, in[0]) },
		func(in [][]float64) (G.Value, error) { return channelSumDo(op, in[0]) })
}

func channelSumDo[T float](op *channelSumOp, t []T) (G.Value, error) {
	if err := checkLens(op, []int{len(t)}, []int{op.n * op.c * op.p}); err != nil {
		return nil, err
	}
	out, s := output[T](&op.base, 0, op.c)
	parallel(op.c, func(c int) {
		var acc float64
		for i := 0; i < op.n; i++ {
			acc += sum(t[(i*op.c+c)*op.p:][:op.p])
		}
		s[c] = T(acc)
	})
	return out, nil
}

// DiffWRT returns false: second derivatives are not needed.
func (op *channelSumOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

// SymDiff fails: the op is not differentiable.
func (op *channelSumOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) { return noGrad(op) }

// checkLens checks the lengths of the inputs against the geometry.
func checkLens(op G.Op, got, want []int) error {
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("%v: input %d has %d elements, want %d", op, i, got[i], want[i])
		}
	}
	return nil
}

func pick(c bool, a, b int) int {
	if c {
		return a
	}
	return b
}
