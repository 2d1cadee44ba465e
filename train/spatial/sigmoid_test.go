package spatial

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestSigmoid checks that Sigmoid gives exactly G.Sigmoid's values and
// gradients, in float32 and float64, saturated inputs included, and its
// gradient against finite differences.
func TestSigmoid(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := uniform(rng, 3*5*7, -25, 25)
	x = append(x, -800, -100, -88.5, 15.5, 16, 20, 0, 1e-9)
	shape := []int{len(x)}
	for _, f32 := range []bool{false, true} {
		run := func(mine bool) (y, dx []float64) {
			if mine {
				return runGrad(t, f32, shape, x, Sigmoid)
			}
			return runGrad(t, f32, shape, x, G.Sigmoid)
		}
		_, d1 := run(true)
		_, d2 := run(false)
		// gorgonia computes its gradient in another way: the two differ
		// by a few units of the last place of y (dy is at most 2 here),
		// which 1 - y cancels down to where y is near 1. Where the forward
		// saturates, gorgonia uses an unsaturated output: its gradient is
		// not quite 0, but below 1e-6.
		tol := 1e-15
		if f32 {
			tol = 1e-6
		}
		for i := range d1 {
			d := math.Abs(d1[i] - d2[i])
			if d > tol && (math.Abs(x[i]) < 15 || d > 1e-6) {
				t.Fatalf("float32=%t x=%v: Sigmoid's gradient %v, G.Sigmoid's %v", f32, x[i], d1[i], d2[i])
			}
		}
		// Outputs from forward-only graphs: gorgonia reuses G.Sigmoid's
		// output memory in the backward pass.
		fwd := func(mine bool) []float64 {
			g := G.NewGraph()
			mk := leaf
			if f32 {
				mk = leaf32
			}
			xn := mk(g, "x", shape, x)
			var yn *G.Node
			if mine {
				yn = G.Must(Sigmoid(xn))
			} else {
				yn = G.Must(G.Sigmoid(xn))
			}
			return forward(t, g, yn)
		}
		y1, y2 := fwd(true), fwd(false)
		for i := range y1 {
			if y1[i] != y2[i] {
				t.Fatalf("float32=%t x=%v: Sigmoid %v, G.Sigmoid %v", f32, x[i], y1[i], y2[i])
			}
		}
	}
	gradCheck(t, func(g *G.ExprGraph) (*G.Node, []*G.Node, error) {
		xn := leaf(g, "x", []int{3, 5}, x[:15])
		y, err := Sigmoid(xn)
		return y, []*G.Node{xn}, err
	})
}

func toF64(v any) []float64 {
	switch d := v.(type) {
	case []float32:
		o := make([]float64, len(d))
		for i, x := range d {
			o[i] = float64(x)
		}
		return o
	case []float64:
		return d
	}
	return []float64{math.NaN()}
}
