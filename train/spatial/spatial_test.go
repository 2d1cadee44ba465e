package spatial

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// leaf adds a float64 variable of the given shape and values to g.
func leaf(g *G.ExprGraph, name string, shape []int, v []float64) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
}

// leaf32 adds a float32 copy of v to g.
func leaf32(g *G.ExprGraph, name string, shape []int, v []float64) *G.Node {
	d := make([]float32, len(v))
	for i, x := range v {
		d[i] = float32(x)
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
}

func numel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func uniform(rng *rand.Rand, n int, lo, hi float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return v
}

// distinct returns n values in [-1, 1) at least 1/n apart, in random order,
// so that no pooling window has ties even after a finite-difference step.
func distinct(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i, p := range rng.Perm(n) {
		v[i] = 2*float64(p)/float64(n) - 1 + 0.1/float64(n)*rng.Float64()
	}
	return v
}

// scalarLoss runs a graph whose scalar loss build makes from the leaf y
// (and a target leaf of y's shape) and returns the loss and its gradient
// with respect to y.
func scalarLoss(t *testing.T, f32 bool, shape []int, y, tg []float64, build func(y, tg *G.Node) (*G.Node, error)) (float64, []float64) {
	t.Helper()
	g := G.NewGraph()
	mk := leaf
	if f32 {
		mk = leaf32
	}
	yn, tn := mk(g, "y", shape, y), mk(g, "t", shape, tg)
	loss, err := build(yn, tn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, yn); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(yn))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	gv, err := yn.Grad()
	if err != nil {
		t.Fatal(err)
	}
	var l float64
	switch v := loss.Value().Data().(type) {
	case float32:
		l = float64(v)
	case float64:
		l = v
	}
	return l, toF64(gv.Data())
}

// runGrad builds loss = sum(out * w) for a fixed random w, with out made by
// build from the leaf x, runs it once and returns out's values and the
// gradient with respect to x.
func runGrad(t *testing.T, f32 bool, shape []int, x []float64, build func(x *G.Node) (*G.Node, error)) (y, dx []float64) {
	t.Helper()
	g := G.NewGraph()
	mk := leaf
	if f32 {
		mk = leaf32
	}
	xn := mk(g, "x", shape, x)
	yn, err := build(xn)
	if err != nil {
		t.Fatal(err)
	}
	wn := mk(g, "w", yn.Shape(), uniform(rand.New(rand.NewPCG(1, 1)), yn.Shape().TotalSize(), -2, 2))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(yn, wn))))
	if _, err := G.Grad(loss, xn); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(xn))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	gv, err := xn.Grad()
	if err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), toF64(yn.Value().Data())...), toF64(gv.Data())
}

// gradCheck builds loss = sum(out * r) for a random r, with out made by
// build from the float64 leaves it returns, and compares the gradient of
// the loss with respect to the leaves in wrt against central differences.
func gradCheck(t *testing.T, build func(g *G.ExprGraph) (out *G.Node, wrt []*G.Node, err error)) {
	t.Helper()
	g := G.NewGraph()
	out, wrt, err := build(g)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	r := leaf(g, "r", out.Shape(), uniform(rng, out.Shape().TotalSize(), -1, 1))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r))))
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	run := func() float64 {
		t.Helper()
		for _, w := range wrt {
			if gr, err := w.Grad(); err == nil && gr != nil {
				clear(gr.Data().([]float64))
			}
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		defer vm.Reset()
		return loss.Value().Data().(float64)
	}
	run()
	grads := make([][]float64, len(wrt))
	for i, w := range wrt {
		gr, err := w.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads[i] = append([]float64(nil), gr.Data().([]float64)...)
	}
	// The ops are linear or smooth and pooling inputs are 1/n apart, so a
	// step of 1e-4 keeps the truncation error below 1e-8 while rounding
	// stays far smaller than with 1e-6.
	const eps = 1e-4
	worst := 0.0
	for i, w := range wrt {
		vals := w.Value().Data().([]float64)
		for j := range vals {
			orig := vals[j]
			vals[j] = orig + eps
			lp := run()
			vals[j] = orig - eps
			lm := run()
			vals[j] = orig
			num, ana := (lp-lm)/(2*eps), grads[i][j]
			rel := math.Abs(num-ana) / math.Max(1e-6, math.Abs(num)+math.Abs(ana))
			worst = math.Max(worst, rel)
			if rel > 1e-6 {
				t.Errorf("d/d%s[%d]: analytic %.9g, numeric %.9g (relative error %.2g)", w.Name(), j, ana, num, rel)
			}
		}
	}
	t.Logf("worst relative error %.2g", worst)
}

// forward runs the graph holding out once and returns out's values.
func forward(t *testing.T, g *G.ExprGraph, out *G.Node) []float64 {
	t.Helper()
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	switch d := out.Value().Data().(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		o := make([]float64, len(d))
		for i, v := range d {
			o[i] = float64(v)
		}
		return o
	}
	t.Fatalf("output holds %T", out.Value().Data())
	return nil
}

func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

type convCase struct {
	name                 string
	n, in, out, h, w     int
	k, s, p              int
	transposed, withBias bool
}

// convCases are the geometries of the registry's models, odd sizes,
// strides that do not divide and a padding wider than the kernel.
var convCases = []convCase{
	{"conv-k3-s1-p1", 2, 2, 3, 6, 5, 3, 1, 1, false, true},
	{"conv-k5-s1-p2", 2, 2, 3, 7, 7, 5, 1, 2, false, true},
	{"conv-k5-s1-p0", 2, 3, 2, 8, 7, 5, 1, 0, false, true},
	{"conv-k4-s2-p1", 2, 3, 2, 8, 8, 4, 2, 1, false, true},
	{"conv-k3-s2-p1-odd", 2, 2, 2, 7, 6, 3, 2, 1, false, true},
	{"conv-k3-s1-p1-nobias", 1, 2, 2, 5, 5, 3, 1, 1, false, false},
	{"conv-k2-s1-p2", 1, 2, 2, 4, 5, 2, 1, 2, false, true}, // padding > K-1: no flipped-kernel input gradient
	// Sixteen and 32 output channels take the direct kernel in float32
	// on AVX-512 (and 16 input channels, the input gradient too).
	{"conv-k5-s1-p2-o16", 2, 3, 16, 9, 7, 5, 1, 2, false, true},
	{"conv-k3-s1-p1-i16-o32", 1, 16, 32, 5, 6, 3, 1, 1, false, true},
	{"conv-k3-s1-p1-i8-o24", 2, 8, 24, 5, 4, 3, 1, 1, false, true},
	{"convT-k2-s2-p0", 2, 3, 2, 3, 4, 2, 2, 0, true, true},
	{"convT-k3-s2-p0", 2, 2, 3, 3, 3, 3, 2, 0, true, true},
	{"convT-k4-s2-p1", 2, 3, 2, 4, 3, 4, 2, 1, true, true},
	{"convT-k3-s1-p1", 2, 2, 3, 5, 4, 3, 1, 1, true, true},
	{"convT-k3-s1-p1-nobias", 1, 2, 2, 3, 3, 3, 1, 1, true, false},
	// Stride 2 with an even kernel and an even padded image runs in its
	// polyphase form on the direct kernel in float32 on AVX-512 when the
	// output has at least 8 channels (conv-ae-cifar's layers).
	{"conv-k4-s2-p1-o16", 2, 3, 16, 8, 10, 4, 2, 1, false, true},
	{"conv-k4-s2-p1-i8-o8", 3, 8, 8, 6, 6, 4, 2, 1, false, true},
	{"conv-k2-s2-p0-i4-o24", 2, 4, 24, 6, 4, 2, 2, 0, false, true},
	{"conv-k4-s2-p2-i2-o8", 1, 2, 8, 6, 4, 4, 2, 2, false, true},
	{"convT-k4-s2-p1-i32-o3", 2, 32, 3, 4, 5, 4, 2, 1, true, true},
	{"convT-k4-s2-p1-i16-o8-nobias", 2, 16, 8, 3, 3, 4, 2, 1, true, false},
	{"convT-k2-s2-p0-i16-o4", 2, 16, 4, 3, 4, 2, 2, 0, true, true},
}

func (c convCase) shapes() (x, w []int) {
	if c.transposed {
		return []int{c.n, c.in, c.h, c.w}, []int{c.in, c.out, c.k, c.k}
	}
	return []int{c.n, c.in, c.h, c.w}, []int{c.out, c.in, c.k, c.k}
}

func (c convCase) build(g *G.ExprGraph, x, w, b []float64, f32, noX bool) (*G.Node, []*G.Node, error) {
	return c.buildReLU(g, x, w, b, f32, noX, false)
}

// buildReLU is build with the ReLU fused into the convolution or not.
func (c convCase) buildReLU(g *G.ExprGraph, x, w, b []float64, f32, noX, relu bool) (*G.Node, []*G.Node, error) {
	xs, ws := c.shapes()
	mk := leaf
	if f32 {
		mk = leaf32
	}
	xn, wn := mk(g, "x", xs, x), mk(g, "w", ws, w)
	wrt := []*G.Node{wn}
	if !noX {
		wrt = append([]*G.Node{xn}, wrt...)
	}
	var bn *G.Node
	if c.withBias {
		bn = mk(g, "b", []int{c.out}, b)
		wrt = append(wrt, bn)
	}
	p := ConvParams{Stride: c.s, Padding: c.p, NoInputGrad: noX, ReLU: relu}
	var y *G.Node
	var err error
	if c.transposed {
		y, err = ConvTranspose2d(xn, wn, bn, p)
	} else {
		y, err = Conv2d(xn, wn, bn, p)
	}
	return y, wrt, err
}

// naiveConv is PyTorch's Conv2d written as loops.
func naiveConv(c convCase, x, w, b []float64) []float64 {
	oh, ow := (c.h+2*c.p-c.k)/c.s+1, (c.w+2*c.p-c.k)/c.s+1
	y := make([]float64, c.n*c.out*oh*ow)
	for n := 0; n < c.n; n++ {
		for o := 0; o < c.out; o++ {
			for r := 0; r < oh; r++ {
				for q := 0; q < ow; q++ {
					s := 0.0
					if b != nil {
						s = b[o]
					}
					for i := 0; i < c.in; i++ {
						for ki := 0; ki < c.k; ki++ {
							for kj := 0; kj < c.k; kj++ {
								h, v := r*c.s-c.p+ki, q*c.s-c.p+kj
								if h >= 0 && h < c.h && v >= 0 && v < c.w {
									s += x[((n*c.in+i)*c.h+h)*c.w+v] * w[((o*c.in+i)*c.k+ki)*c.k+kj]
								}
							}
						}
					}
					y[((n*c.out+o)*oh+r)*ow+q] = s
				}
			}
		}
	}
	return y
}

// naiveConvT is PyTorch's ConvTranspose2d written as loops: every input
// element spreads its kernel over the output.
func naiveConvT(c convCase, x, w, b []float64) []float64 {
	oh, ow := (c.h-1)*c.s-2*c.p+c.k, (c.w-1)*c.s-2*c.p+c.k
	y := make([]float64, c.n*c.out*oh*ow)
	for n := 0; n < c.n; n++ {
		for o := 0; o < c.out; o++ {
			for i := range oh * ow {
				if b != nil {
					y[(n*c.out+o)*oh*ow+i] = b[o]
				}
			}
			for i := 0; i < c.in; i++ {
				for h := 0; h < c.h; h++ {
					for v := 0; v < c.w; v++ {
						for ki := 0; ki < c.k; ki++ {
							for kj := 0; kj < c.k; kj++ {
								r, q := h*c.s-c.p+ki, v*c.s-c.p+kj
								if r >= 0 && r < oh && q >= 0 && q < ow {
									y[((n*c.out+o)*oh+r)*ow+q] += x[((n*c.in+i)*c.h+h)*c.w+v] * w[((i*c.out+o)*c.k+ki)*c.k+kj]
								}
							}
						}
					}
				}
			}
		}
	}
	return y
}

func (c convCase) data() (x, w, b []float64) {
	rng := rand.New(rand.NewPCG(1, uint64(c.k*100+c.s*10+c.p)))
	xs, ws := c.shapes()
	x, w = uniform(rng, numel(xs), -1, 1), uniform(rng, numel(ws), -1, 1)
	if c.withBias {
		b = uniform(rng, c.out, -1, 1)
	}
	return x, w, b
}

// TestConvForward compares both convolutions, in float64 and float32, with
// plain loops.
func TestConvForward(t *testing.T) {
	for _, c := range convCases {
		for _, f32 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/float32=%t", c.name, f32), func(t *testing.T) {
				x, w, b := c.data()
				want := naiveConv(c, x, w, b)
				if c.transposed {
					want = naiveConvT(c, x, w, b)
				}
				g := G.NewGraph()
				y, _, err := c.build(g, x, w, b, f32, false)
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-12
				if f32 {
					tol = 1e-5
				}
				if d := maxDiff(forward(t, g, y), want); d > tol {
					t.Errorf("max |op - loops| = %g > %g", d, tol)
				}
			})
		}
	}
}

// TestConvReLU checks the convolutions with a fused ReLU: in float32 and
// float64 their output equals ReLU applied to the plain convolution's,
// exactly, and their gradients agree with finite differences.
func TestConvReLU(t *testing.T) {
	for _, c := range convCases {
		switch c.name {
		case "conv-k5-s1-p2-o16", "conv-k4-s2-p1", "conv-k3-s1-p1-nobias", "convT-k3-s2-p0", "convT-k3-s1-p1":
		default:
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			x, w, b := c.data()
			for _, f32 := range []bool{false, true} {
				g := G.NewGraph()
				fused, _, err := c.buildReLU(g, x, w, b, f32, false, true)
				if err != nil {
					t.Fatal(err)
				}
				g2 := G.NewGraph()
				plain, _, err := c.build(g2, x, w, b, f32, false)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := ReLU(plain)
				if err != nil {
					t.Fatal(err)
				}
				got, want := forward(t, g, fused), forward(t, g2, ref)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("float32=%t: [%d] fused %v, ReLU(conv) %v", f32, i, got[i], want[i])
					}
				}
			}
			gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
				return c.buildReLU(g, x, w, b, false, false, true)
			})
		})
	}
}

// TestConvGradients checks the gradients of both convolutions with respect
// to input, weight and bias against finite differences, and that
// NoInputGrad leaves the others unchanged.
func TestConvGradients(t *testing.T) {
	for _, c := range convCases {
		for _, noX := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/noInputGrad=%t", c.name, noX), func(t *testing.T) {
				x, w, b := c.data()
				gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
					return c.build(g, x, w, b, false, noX)
				})
			})
		}
	}
}

// TestConvGradientsFloat32 compares the float32 gradients of both
// convolutions, with and without a fused ReLU, with the float64 ones that
// TestConvGradients checks against finite differences: float32 takes the
// direct kernels and the polyphase form where they apply, float64 the
// im2col paths.
func TestConvGradientsFloat32(t *testing.T) {
	for _, c := range convCases {
		for _, relu := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/relu=%t", c.name, relu), func(t *testing.T) {
				x, w, b := c.data()
				want := convGrads(t, c, x, w, b, false, relu)
				got := convGrads(t, c, x, w, b, true, relu)
				for i := range want {
					scale := 0.0
					for _, v := range want[i] {
						scale = math.Max(scale, math.Abs(v))
					}
					if d := maxDiff(got[i], want[i]); d > 1e-5*(scale+1) {
						t.Errorf("gradient %d: max |float32 - float64| = %g (largest %g)", i, d, scale)
					}
				}
			})
		}
	}
}

// convGrads returns the output of c's convolution and the gradients of
// sum(out * r), r fixed, with respect to x, w and b (if any), as float64.
func convGrads(t *testing.T, c convCase, x, w, b []float64, f32, relu bool) [][]float64 {
	t.Helper()
	g := G.NewGraph()
	out, wrt, err := c.buildReLU(g, x, w, b, f32, false, relu)
	if err != nil {
		t.Fatal(err)
	}
	mk := leaf
	if f32 {
		mk = leaf32
	}
	r := mk(g, "r", out.Shape(), uniform(rand.New(rand.NewPCG(7, 8)), out.Shape().TotalSize(), -1, 1))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r))))
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	res := [][]float64{toF64(out.Value().Data())}
	for _, n := range wrt {
		gr, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		res = append(res, toF64(gr.Data()))
	}
	return res
}

// naivePool is nn.MaxPool2d(k, s) with return_indices=True as loops.
func naivePool(n, c, h, w, k, s int, x []float64) (y, idx []float64) {
	oh, ow := (h-k)/s+1, (w-k)/s+1
	for p := 0; p < n*c; p++ {
		for r := 0; r < oh; r++ {
			for q := 0; q < ow; q++ {
				best, at := math.Inf(-1), -1
				for a := 0; a < k; a++ {
					for b := 0; b < k; b++ {
						i := (r*s+a)*w + q*s + b
						if v := x[p*h*w+i]; v > best {
							best, at = v, i
						}
					}
				}
				y, idx = append(y, best), append(idx, float64(at))
			}
		}
	}
	return y, idx
}

// naiveUnpool is nn.MaxUnpool2d as loops.
func naiveUnpool(planes, h, w int, x, idx []float64) []float64 {
	y := make([]float64, planes*h*w)
	per := len(x) / planes
	for p := 0; p < planes; p++ {
		for i := 0; i < per; i++ {
			y[p*h*w+int(idx[p*per+i])] = x[p*per+i]
		}
	}
	return y
}

var poolCases = []struct {
	name       string
	n, c, h, w int
	k, s       int
}{
	{"even-8x6", 2, 3, 8, 6, 2, 0},
	{"odd-7x7", 2, 2, 7, 7, 2, 0},
	{"odd-5x7", 1, 2, 5, 7, 2, 2},
	{"k3-s2-overlap", 1, 2, 7, 7, 3, 2},
}

// TestMaxPool compares pooling, its indices and unpooling, in float64 and
// float32, with plain loops.
func TestMaxPool(t *testing.T) {
	for _, c := range poolCases {
		for _, f32 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/float32=%t", c.name, f32), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, 4))
				x := distinct(rng, c.n*c.c*c.h*c.w)
				s := c.s
				if s == 0 {
					s = c.k
				}
				wantY, wantIdx := naivePool(c.n, c.c, c.h, c.w, c.k, s, x)
				g := G.NewGraph()
				mk := leaf
				if f32 {
					mk = leaf32
				}
				xn := mk(g, "x", []int{c.n, c.c, c.h, c.w}, x)
				y, idx, err := MaxPool2d(xn, c.k, c.s)
				if err != nil {
					t.Fatal(err)
				}
				u, err := MaxUnpool2d(y, idx, c.h, c.w)
				if err != nil {
					t.Fatal(err)
				}
				vm := G.NewTapeMachine(g)
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				tol := 1e-12
				if f32 {
					tol = 1e-6
				}
				for _, tc := range []struct {
					name      string
					got, want []float64
				}{
					{"pool", values64(y), wantY},
					{"indices", values64(idx), wantIdx},
					{"unpool", values64(u), naiveUnpool(c.n*c.c, c.h, c.w, wantY, wantIdx)},
				} {
					if tc.name == "unpool" && s < c.k {
						continue // overlapping windows: unpooling sums, PyTorch keeps one
					}
					if d := maxDiff(tc.got, tc.want); d > tol {
						t.Errorf("%s: max |op - loops| = %g", tc.name, d)
					}
				}
			})
		}
	}
}

func values64(n *G.Node) []float64 {
	switch d := n.Value().Data().(type) {
	case []float64:
		return d
	case []float32:
		o := make([]float64, len(d))
		for i, v := range d {
			o[i] = float64(v)
		}
		return o
	}
	return nil
}

// TestPoolGradients checks max pooling and unpooling against finite
// differences: pooling with respect to its input, and unpooling (from 3x3
// back to 7x7 with an explicit size) with respect to its input, with the
// indices of a pooling of another tensor.
func TestPoolGradients(t *testing.T) {
	for _, c := range poolCases {
		if c.s != 0 && c.s < c.k {
			continue // overlapping windows: unpooling sums, PyTorch does not
		}
		t.Run("pool-"+c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			x := distinct(rng, c.n*c.c*c.h*c.w)
			gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
				xn := leaf(g, "x", []int{c.n, c.c, c.h, c.w}, x)
				y, _, err := MaxPool2d(xn, c.k, c.s)
				return y, []*G.Node{xn}, err
			})
		})
		t.Run("unpool-"+c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			z := distinct(rng, c.n*c.c*c.h*c.w)
			gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
				zn := leaf(g, "z", []int{c.n, c.c, c.h, c.w}, z)
				_, idx, err := MaxPool2d(zn, c.k, c.s)
				if err != nil {
					return nil, nil, err
				}
				xn := leaf(g, "x", idx.Shape(), uniform(rng, idx.Shape().TotalSize(), -1, 1))
				u, err := MaxUnpool2d(xn, idx, c.h, c.w)
				return u, []*G.Node{xn}, err
			})
		})
	}
	// Pool, then unpool to the odd size, through the pool's own indices.
	t.Run("pool-unpool-7x7", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 9))
		x := distinct(rng, 2*2*7*7)
		gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
			xn := leaf(g, "x", []int{2, 2, 7, 7}, x)
			y, idx, err := MaxPool2d(xn, 2, 0)
			if err != nil {
				return nil, nil, err
			}
			sq := G.Must(G.Square(y))
			u, err := MaxUnpool2d(sq, idx, 7, 7)
			return u, []*G.Node{xn}, err
		})
	})
}

// naiveBatchNorm is nn.BatchNorm2d as loops: the output and the updated
// running statistics.
func naiveBatchNorm(training bool, n, c, p int, x, w, b, rm, rv []float64) (y, nrm, nrv []float64) {
	y = make([]float64, len(x))
	nrm, nrv = append([]float64(nil), rm...), append([]float64(nil), rv...)
	m := float64(n * p)
	for ch := 0; ch < c; ch++ {
		mean, vr := rm[ch], rv[ch]
		if training {
			mean, vr = 0, 0
			for i := 0; i < n; i++ {
				for j := 0; j < p; j++ {
					mean += x[(i*c+ch)*p+j]
				}
			}
			mean /= m
			for i := 0; i < n; i++ {
				for j := 0; j < p; j++ {
					d := x[(i*c+ch)*p+j] - mean
					vr += d * d
				}
			}
			nrm[ch] = 0.9*rm[ch] + 0.1*mean
			nrv[ch] = 0.9*rv[ch] + 0.1*vr/(m-1)
			vr /= m
		}
		for i := 0; i < n; i++ {
			for j := 0; j < p; j++ {
				k := (i*c+ch)*p + j
				y[k] = (x[k]-mean)/math.Sqrt(vr+1e-5)*w[ch] + b[ch]
			}
		}
	}
	return y, nrm, nrv
}

// TestBatchNorm compares batch normalisation, in both modes and dtypes,
// and the running statistics it leaves, with plain loops.
func TestBatchNorm(t *testing.T) {
	const n, c, h, w = 3, 2, 4, 3
	for _, training := range []bool{false, true} {
		for _, f32 := range []bool{false, true} {
			t.Run(fmt.Sprintf("training=%t/float32=%t", training, f32), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 1))
				x := uniform(rng, n*c*h*w, -2, 3)
				wt, bs := uniform(rng, c, 0.5, 1.5), uniform(rng, c, -1, 1)
				rm, rv := uniform(rng, c, -0.5, 0.5), uniform(rng, c, 0.5, 2)
				want, wantRM, wantRV := naiveBatchNorm(training, n, c, h*w, x, wt, bs, rm, rv)
				g := G.NewGraph()
				mk := leaf
				if f32 {
					mk = leaf32
				}
				rmn, rvn := mk(g, "running_mean", []int{c}, rm), mk(g, "running_var", []int{c}, rv)
				y, err := BatchNorm2d(mk(g, "x", []int{n, c, h, w}, x), mk(g, "w", []int{c}, wt), mk(g, "b", []int{c}, bs),
					rmn, rvn, BatchNormParams{Training: training, Momentum: 0.1, Eps: 1e-5})
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-12
				if f32 {
					tol = 1e-5
				}
				if d := maxDiff(forward(t, g, y), want); d > tol {
					t.Errorf("output: max |op - loops| = %g", d)
				}
				if d := maxDiff(values64(rmn), wantRM); d > tol {
					t.Errorf("running_mean %v, want %v", values64(rmn), wantRM)
				}
				if d := maxDiff(values64(rvn), wantRV); d > tol {
					t.Errorf("running_var %v, want %v", values64(rvn), wantRV)
				}
			})
		}
	}
}

// TestBatchNormGradients checks the gradients with respect to input,
// weight and bias in both modes against finite differences.
func TestBatchNormGradients(t *testing.T) {
	for _, training := range []bool{false, true} {
		t.Run(fmt.Sprintf("training=%t", training), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, 2))
			const n, c, h, w = 2, 3, 3, 2
			x := uniform(rng, n*c*h*w, -2, 2)
			wt, bs := uniform(rng, c, 0.5, 1.5), uniform(rng, c, -1, 1)
			rm, rv := uniform(rng, c, -0.5, 0.5), uniform(rng, c, 0.5, 2)
			gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
				xn, wn, bn := leaf(g, "x", []int{n, c, h, w}, x), leaf(g, "w", []int{c}, wt), leaf(g, "b", []int{c}, bs)
				y, err := BatchNorm2d(xn, wn, bn, leaf(g, "rm", []int{c}, rm), leaf(g, "rv", []int{c}, rv),
					BatchNormParams{Training: training, Momentum: 0.1, Eps: 1e-5})
				return y, []*G.Node{xn, wn, bn}, err
			})
		})
	}
}

// TestErrors checks that bad shapes are refused when building.
func TestErrors(t *testing.T) {
	g := G.NewGraph()
	x := leaf(g, "x", []int{1, 2, 4, 4}, make([]float64, 32))
	w := leaf(g, "w", []int{3, 1, 3, 3}, make([]float64, 27))
	v := leaf(g, "v", []int{3}, make([]float64, 3))
	one := leaf(g, "one", []int{1, 1, 1, 1}, make([]float64, 1))
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"conv channels", second(Conv2d(x, w, nil, ConvParams{}))},
		{"convT channels", second(ConvTranspose2d(x, w, nil, ConvParams{}))},
		{"pool too small", third(MaxPool2d(one, 2, 0))},
		{"unpool indices shape", second(MaxUnpool2d(x, one, 8, 8))},
		{"batchnorm channels", second(BatchNorm2d(x, v, v, v, v, BatchNormParams{}))},
		{"batchnorm one value", second(BatchNorm2d(one, one, one, one, one, BatchNormParams{Training: true}))},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func second[A any](_ A, err error) error        { return err }
func third[A, B any](_ A, _ B, err error) error { return err }

// TestPool2 compares the 2x2 stride-2 fast path with the generic window
// scan on ties, infinities and NaNs.
func TestPool2(t *testing.T) {
	vals := []float64{0, 1, -1, 1, math.Inf(1), math.Inf(-1), math.NaN()}
	const W, oh, ow = 8, 3, 4
	plane := make([]float64, 7*W)
	for trial := 0; trial < 2000; trial++ {
		for i := range plane {
			plane[i] = vals[(i*7+trial*13+i*i*trial)%len(vals)]
			if (trial+i)%3 == 0 {
				plane[i] = 0.5
			}
		}
		got := make([]float64, oh*ow)
		pool2(plane, got, W, oh, ow)
		for r := 0; r < oh; r++ {
			for q := 0; q < ow; q++ {
				if want := windowMax(plane, W, 2*r, 2*q, 2); int(got[r*ow+q]) != want {
					t.Fatalf("trial %d window (%d, %d): %v, want %d", trial, r, q, got[r*ow+q], want)
				}
			}
		}
	}
}

// TestTranspose checks Transpose against the plain transpose, in float32
// and float64, on sizes that are not multiples of its tile, and its
// gradient.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{1, 1}, {3, 70}, {45, 33}} {
		r, c := sz[0], sz[1]
		x := uniform(rng, r*c, -1, 1)
		for _, f32 := range []bool{false, true} {
			g := G.NewGraph()
			in := leaf(g, "x", []int{r, c}, x)
			if f32 {
				in = leaf32(g, "x", []int{r, c}, x)
			}
			y, err := Transpose(in)
			if err != nil {
				t.Fatal(err)
			}
			got := forward(t, g, y)
			if s := y.Shape(); s[0] != c || s[1] != r {
				t.Fatalf("%dx%d: shape %v", r, c, s)
			}
			for i := 0; i < r; i++ {
				for j := 0; j < c; j++ {
					if want := x[i*c+j]; got[j*r+i] != want && (!f32 || got[j*r+i] != float64(float32(want))) {
						t.Fatalf("%dx%d f32 %t: [%d, %d] = %v, want %v", r, c, f32, j, i, got[j*r+i], x[i*c+j])
					}
				}
			}
		}
		gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
			in := leaf(g, "x", []int{r, c}, x)
			y, err := Transpose(in)
			return y, []*G.Node{in}, err
		})
	}
	if _, err := Transpose(G.NewVector(G.NewGraph(), G.Float64, G.WithShape(3), G.WithName("v"))); err == nil {
		t.Error("Transpose of a vector did not fail")
	}
}

// TestReLU checks ReLU's values, NaN included, in float32 and float64, on
// a matrix and a batch of feature maps, and its gradient away from 0.
func TestReLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, shape := range [][]int{{3, 7}, {2, 3, 5, 4}, {40000}} {
		x := uniform(rng, numel(shape), -1, 1)
		x[0], x[1] = math.NaN(), 0
		for _, f32 := range []bool{false, true} {
			g := G.NewGraph()
			in := leaf(g, "x", shape, x)
			if f32 {
				in = leaf32(g, "x", shape, x)
			}
			y, err := ReLU(in)
			if err != nil {
				t.Fatal(err)
			}
			got := forward(t, g, y)
			for i, v := range x {
				want := math.Max(v, 0)
				if f32 {
					want = float64(float32(want))
				}
				if math.IsNaN(v) != math.IsNaN(got[i]) || !math.IsNaN(v) && got[i] != want {
					t.Fatalf("%v f32 %t: [%d] = %v, want %v", shape, f32, i, got[i], want)
				}
			}
		}
		x[0], x[1] = 0.5, -0.5
		if len(x) < 1000 {
			gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
				in := leaf(g, "x", shape, x)
				y, err := ReLU(in)
				return y, []*G.Node{in}, err
			})
		}
	}
}

// TestReLUGrad checks the branch-free mask of the ReLU gradient against
// y > 0 on the special values.
func TestReLUGrad(t *testing.T) {
	ys := []float64{math.NaN(), -math.NaN(), 0, math.Copysign(0, -1), 5e-324, 1e-45, 1, math.Inf(1), math.Inf(-1), -1, -5e-324}
	dy := make([]float64, len(ys))
	for i := range dy {
		dy[i] = float64(i + 1)
	}
	dx := make([]float64, len(ys))
	reluGrad(ys, dy, dx)
	y32, dy32, dx32 := make([]float32, len(ys)), make([]float32, len(ys)), make([]float32, len(ys))
	for i := range ys {
		y32[i], dy32[i] = float32(ys[i]), float32(dy[i])
	}
	reluGrad(y32, dy32, dx32)
	for i, y := range ys {
		want, want32 := 0.0, float32(0)
		if y > 0 {
			want = dy[i]
		}
		if y32[i] > 0 {
			want32 = dy32[i]
		}
		if dx[i] != want || dx32[i] != want32 {
			t.Errorf("y %v: dx %v and %v in float32, want %v and %v", y, dx[i], dx32[i], want, want32)
		}
	}
}
