package spatial

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/internal/vec"
)

// TestSigmoid checks that Sigmoid gives exactly G.Sigmoid's values and
// gradients in float64, and in float32 exactly vec.Sigmoid's values, within
// vec.MaxULP of G.Sigmoid's, and its gradients, saturated inputs included;
// and its gradient against finite differences.
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
			tol = 2e-6 // and vec.Sigmoid's few ulp of y
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
		var want []float32
		if f32 {
			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v)
			}
			want = make([]float32, len(x))
			vec.Sigmoid(want, x32)
		}
		for i := range y1 {
			switch {
			case !f32 && y1[i] != y2[i]:
				t.Fatalf("x=%v: Sigmoid %v, G.Sigmoid %v", x[i], y1[i], y2[i])
			case f32 && y1[i] != float64(want[i]):
				t.Fatalf("float32 x=%v: Sigmoid %v, vec.Sigmoid %v", x[i], y1[i], want[i])
			case f32 && math.Abs(y1[i]-y2[i]) > 1e-37 && testutil.ULPs(float32(y1[i]), float32(y2[i])) > vec.MaxULP:
				t.Fatalf("float32 x=%v: Sigmoid %v, G.Sigmoid %v: more than %d ulp apart", x[i], y1[i], y2[i], vec.MaxULP)
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
