package spatial

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestSquaredError compares SquaredError's value and gradient, in float64
// and float32, with gorgonia's Sum(Square(Sub(y, t))) times the scale,
// and the float64 gradient with central finite differences.
func TestSquaredError(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	shape := []int{3, 5, 7}
	n := 3 * 5 * 7
	y, tg := uniform(rng, n, -1, 2), uniform(rng, n, 0, 1)
	for _, scale := range []float64{1 / float64(n), 1.0 / 3} {
		for _, f32 := range []bool{false, true} {
			t.Run(fmt.Sprintf("scale=%g/float32=%t", scale, f32), func(t *testing.T) {
				run := func(mine bool, yv []float64) (float64, []float64) {
					return scalarLoss(t, f32, shape, yv, tg, func(yn, tn *G.Node) (*G.Node, error) {
						if mine {
							return SquaredError(yn, tn, scale)
						}
						sum := G.Must(G.Sum(G.Must(G.Square(G.Must(G.Sub(yn, tn))))))
						c := G.NewConstant(scale)
						if f32 {
							c = G.NewConstant(float32(scale))
						}
						return G.HadamardProd(sum, c)
					})
				}
				l1, g1 := run(true, y)
				l2, g2 := run(false, y)
				tol := 1e-12
				if f32 {
					tol = 1e-5
				}
				if math.Abs(l1-l2) > tol*math.Abs(l2) {
					t.Errorf("loss %v, gorgonia's %v", l1, l2)
				}
				if d := maxDiff(g1, g2); d > tol {
					t.Errorf("max |gradient - gorgonia's| = %g", d)
				}
				if f32 {
					return
				}
				const h = 1e-6
				for i := 0; i < n; i += 7 {
					yp, ym := append([]float64(nil), y...), append([]float64(nil), y...)
					yp[i] += h
					ym[i] -= h
					lp, _ := run(true, yp)
					lm, _ := run(true, ym)
					if num := (lp - lm) / (2 * h); math.Abs(num-g1[i]) > 1e-7 {
						t.Errorf("d/dy[%d]: analytic %v, numeric %v", i, g1[i], num)
					}
				}
			})
		}
	}
}
