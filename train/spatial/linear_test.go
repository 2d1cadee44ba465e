package spatial

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestLinear compares Linear's forward, in float64 and float32, with plain
// loops, and its gradients with finite differences, with and without a
// bias and an input gradient.
func TestLinear(t *testing.T) {
	for _, c := range []struct {
		n, in, out int
		bias, noX  bool
	}{{3, 5, 4, true, false}, {1, 7, 2, false, false}, {4, 6, 3, true, true}, {2, 1, 1, true, false}} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(c.n), uint64(c.in*10+c.out)))
			x, w, b := uniform(rng, c.n*c.in, -1, 1), uniform(rng, c.out*c.in, -1, 1), uniform(rng, c.out, -1, 1)
			want := make([]float64, c.n*c.out)
			for r := 0; r < c.n; r++ {
				for o := 0; o < c.out; o++ {
					s := 0.0
					if c.bias {
						s = b[o]
					}
					for i := 0; i < c.in; i++ {
						s += x[r*c.in+i] * w[o*c.in+i]
					}
					want[r*c.out+o] = s
				}
			}
			build := func(g *G.ExprGraph, f32 bool) (*G.Node, []*G.Node, error) {
				mk := leaf
				if f32 {
					mk = leaf32
				}
				xn, wn := mk(g, "x", []int{c.n, c.in}, x), mk(g, "w", []int{c.out, c.in}, w)
				wrt := []*G.Node{wn}
				if !c.noX {
					wrt = append([]*G.Node{xn}, wrt...)
				}
				var bn *G.Node
				if c.bias {
					bn = mk(g, "b", []int{c.out}, b)
					wrt = append(wrt, bn)
				}
				if linearReLU {
					y, err := LinearReLU(xn, wn, bn, c.noX)
					return y, wrt, err
				}
				y, err := Linear(xn, wn, bn, c.noX)
				return y, wrt, err
			}
			for _, f32 := range []bool{false, true} {
				g := G.NewGraph()
				y, _, err := build(g, f32)
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-12
				if f32 {
					tol = 1e-6
				}
				if d := maxDiff(forward(t, g, y), want); d > tol {
					t.Errorf("float32=%t: max |Linear - loops| = %g", f32, d)
				}
			}
			gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) { return build(g, false) })
			// With the ReLU fused: ReLU(Linear) exactly, and its gradients.
			fusedBuild := func(g *G.ExprGraph, f32 bool) (*G.Node, []*G.Node, error) {
				linearReLU = true
				defer func() { linearReLU = false }()
				return build(g, f32)
			}
			for _, f32 := range []bool{false, true} {
				g := G.NewGraph()
				y, _, err := build(g, f32)
				if err != nil {
					t.Fatal(err)
				}
				want := forward(t, g, G.Must(ReLU(y)))
				g2 := G.NewGraph()
				fused, _, err := fusedBuild(g2, f32)
				if err != nil {
					t.Fatal(err)
				}
				if d := maxDiff(forward(t, g2, fused), want); d != 0 {
					t.Errorf("float32=%t: LinearReLU differs from ReLU(Linear) by %g", f32, d)
				}
			}
			gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) { return fusedBuild(g, false) })
		})
	}
}

// linearReLU makes TestLinear's graphs use LinearReLU.
var linearReLU bool
