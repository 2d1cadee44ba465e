package spatial

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/internal/vec"
)

// TestTanh checks Tanh against a plain loop of math.Tanh in float64 and of
// vec.Tanh in float32 (itself within vec.MaxULP of math.Tanh's), with
// PyTorch's backward formula, and its gradient against finite differences.
func TestTanh(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	x := append(uniform(rng, 4*37, -6, 6), 0, -0, 1e-9, 20, -20, 400)
	shape := []int{len(x)}
	for _, f32 := range []bool{false, true} {
		y, dx := runGrad(t, f32, shape, x, Tanh)
		w := uniform(rand.New(rand.NewPCG(1, 1)), len(x), -2, 2)
		for i, v := range x {
			var wantY, wantDx float64
			if f32 {
				in, out := []float32{float32(v)}, []float32{0}
				vec.Tanh(out, in)
				yy := out[0]
				if d := testutil.ULPs(yy, float32(math.Tanh(float64(float32(v))))); d > vec.MaxULP {
					t.Fatalf("float32 x=%v: vec.Tanh %v is %d ulp from math.Tanh's", v, yy, d)
				}
				wantY, wantDx = float64(yy), float64(float32(w[i])*(1-yy*yy))
			} else {
				yy := math.Tanh(v)
				wantY, wantDx = yy, w[i]*(1-yy*yy)
			}
			if y[i] != wantY || dx[i] != wantDx {
				t.Fatalf("float32=%t x=%v: tanh %v, gradient %v; want %v, %v", f32, v, y[i], dx[i], wantY, wantDx)
			}
		}
	}
	gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
		xn := leaf(g, "x", []int{3, 5}, x[:15])
		y, err := Tanh(xn)
		return y, []*G.Node{xn}, err
	})
}

// TestMask checks Mask's product and its gradient, dy * m, against plain
// loops, and the gradient against finite differences.
func TestMask(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	shape := []int{5, 7}
	x := uniform(rng, 35, -3, 3)
	m := make([]float64, 35)
	for i := range m {
		if rng.Float64() < 0.6 {
			m[i] = 1 / 0.6
		}
	}
	for _, f32 := range []bool{false, true} {
		var mn *G.Node
		y, dx := runGrad(t, f32, shape, x, func(xn *G.Node) (*G.Node, error) {
			mk := leaf
			if f32 {
				mk = leaf32
			}
			mn = mk(xn.Graph(), "m", shape, m)
			return Mask(xn, mn)
		})
		w := uniform(rand.New(rand.NewPCG(1, 1)), 35, -2, 2)
		for i := range x {
			wantY, wantDx := x[i]*m[i], w[i]*m[i]
			if f32 {
				wantY, wantDx = float64(float32(x[i])*float32(m[i])), float64(float32(w[i])*float32(m[i]))
			}
			if y[i] != wantY || dx[i] != wantDx {
				t.Fatalf("float32=%t element %d: %v, gradient %v; want %v, %v", f32, i, y[i], dx[i], wantY, wantDx)
			}
		}
	}
	gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
		xn, mn := leaf(g, "x", shape, x), leaf(g, "m", shape, m)
		y, err := Mask(xn, mn)
		return y, []*G.Node{xn}, err
	})
	g := G.NewGraph()
	if _, err := Mask(leaf(g, "x", shape, x), leaf(g, "m", []int{35}, m)); err == nil {
		t.Error("Mask took a mask of another shape")
	}
}
