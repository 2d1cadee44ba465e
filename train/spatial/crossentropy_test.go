package spatial

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// checkScalarGrad compares the gradient g of a scalar loss of y with
// central differences at every element.
func checkScalarGrad(t *testing.T, y []float64, g []float64, loss func(y []float64) float64) {
	t.Helper()
	const h = 1e-6
	for i := range y {
		yp, ym := append([]float64(nil), y...), append([]float64(nil), y...)
		yp[i] += h
		ym[i] -= h
		if num := (loss(yp) - loss(ym)) / (2 * h); math.Abs(num-g[i]) > 1e-7*math.Max(1, math.Abs(num)) {
			t.Errorf("d/dy[%d]: analytic %v, numeric %v", i, g[i], num)
		}
	}
}

// TestCrossEntropy checks CrossEntropy against gorgonia's log-softmax,
// product, sum and scaling, in float32 and float64, on one-hot and on
// soft targets, and its gradient against finite differences.
func TestCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const n, k = 6, 10
	shape := []int{n, k}
	y := uniform(rng, n*k, -8, 8)
	y[3] = 90 // a large logit: the log-sum-exp must not overflow
	oneHot := make([]float64, n*k)
	for i := 0; i < n; i++ {
		oneHot[i*k+rng.IntN(k)] = 1
	}
	soft := uniform(rng, n*k, 0, 0.3)
	for _, tg := range []struct {
		name string
		v    []float64
	}{{"one-hot", oneHot}, {"soft", soft}} {
		for _, f32 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/float32=%t", tg.name, f32), func(t *testing.T) {
				scale := 1.0 / n
				mine := func(y, tn *G.Node) (*G.Node, error) { return CrossEntropy(y, tn, scale) }
				theirs := func(y, tn *G.Node) (*G.Node, error) {
					c := G.NewConstant(-scale)
					if f32 {
						c = G.NewConstant(float32(-scale))
					}
					nll := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.LogSoftMax(y, 1)), tn))))
					return G.HadamardProd(nll, c)
				}
				l1, g1 := scalarLoss(t, f32, shape, y, tg.v, mine)
				l2, g2 := scalarLoss(t, f32, shape, y, tg.v, theirs)
				tol := 1e-12
				if f32 {
					tol = 2e-6
				}
				if math.Abs(l1-l2) > tol*math.Abs(l2) {
					t.Errorf("loss %v, gorgonia's %v", l1, l2)
				}
				if d := maxDiff(g1, g2); d > tol {
					t.Errorf("max |gradient - gorgonia's| = %g", d)
				}
				if !f32 {
					checkScalarGrad(t, y, g1, func(yv []float64) float64 {
						l, _ := scalarLoss(t, false, shape, yv, tg.v, mine)
						return l
					})
				}
			})
		}
	}
	g := G.NewGraph()
	if _, err := CrossEntropy(leaf(g, "y", []int{60}, y), leaf(g, "t", []int{60}, oneHot), 1); err == nil {
		t.Error("CrossEntropy took logits of rank 1")
	}
}

// TestL1 checks L1 against a plain loop (sign(0) = 0, as PyTorch's abs)
// in float32 and float64, and its gradient against finite differences.
func TestL1(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	shape := []int{7, 9}
	h := uniform(rng, 63, -2, 2)
	h[5], h[6] = 0, 0
	const scale = 1.5e-2
	for _, f32 := range []bool{false, true} {
		l, g := scalarLoss(t, f32, shape, h, make([]float64, 63), func(hn, _ *G.Node) (*G.Node, error) { return L1(hn, scale) })
		var want float64
		for i, v := range h {
			if f32 {
				v = float64(float32(v))
			}
			want += math.Abs(v)
			wg := 0.0
			switch {
			case v > 0:
				wg = scale
			case v < 0:
				wg = -scale
			}
			if f32 {
				wg = float64(float32(wg))
			}
			if g[i] != wg {
				t.Fatalf("float32=%t: gradient at %v is %v, want %v", f32, v, g[i], wg)
			}
		}
		tol := 1e-15
		if f32 {
			tol = 1e-7
		}
		if math.Abs(l-scale*want) > tol*scale*want {
			t.Errorf("float32=%t: L1 %v, want %v", f32, l, scale*want)
		}
	}
	h[5], h[6] = 0.5, -0.5 // no kink within the finite-difference step
	_, g := scalarLoss(t, false, shape, h, make([]float64, 63), func(hn, _ *G.Node) (*G.Node, error) { return L1(hn, scale) })
	checkScalarGrad(t, h, g, func(hv []float64) float64 {
		l, _ := scalarLoss(t, false, shape, hv, make([]float64, 63), func(hn, _ *G.Node) (*G.Node, error) { return L1(hn, scale) })
		return l
	})
}
