package optim

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSizes are the parameter sizes of a 784-1000-1000-1000-10
// classifier: about 2.8 million floats in all.
var benchSizes = []int{1000 * 784, 1000, 1000 * 1000, 1000, 1000 * 1000, 1000, 10 * 1000, 10}

// benchProblem returns names, random parameters and gradients of the sizes.
func benchProblem(sizes []int) (names []string, params, grads [][]float32) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i, n := range sizes {
		names = append(names, fmt.Sprintf("p%d", i))
		p, g := make([]float32, n), make([]float32, n)
		for j := range p {
			p[j] = float32(rng.NormFloat64())
			g[j] = float32(rng.NormFloat64() * 1e-2)
		}
		params, grads = append(params, p), append(grads, g)
	}
	return names, params, grads
}

func BenchmarkAdamStep(b *testing.B) {
	names, params, grads := benchProblem(benchSizes)
	opt := NewAdam(1e-3, DefaultBeta1, DefaultBeta2, DefaultEps, names, benchSizes)
	b.SetBytes(int64(opt.total) * 4)
	b.ReportAllocs()
	for b.Loop() {
		if err := opt.Step(params, grads); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSGDStep(b *testing.B) {
	for _, bm := range []struct {
		name     string
		momentum float64
		nesterov bool
	}{{"plain", 0, false}, {"momentum", 0.9, false}, {"nesterov", 0.9, true}} {
		b.Run(bm.name, func(b *testing.B) {
			names, params, grads := benchProblem(benchSizes)
			opt := NewSGD(0.01, bm.momentum, bm.nesterov, names, benchSizes)
			b.SetBytes(int64(opt.total) * 4)
			b.ReportAllocs()
			for b.Loop() {
				if err := opt.Step(params, grads); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
