package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdam16 checks that the AVX-512 Adam kernel gives the scalar
// kernel's parameters and moments bit for bit, over several steps, on
// gradients of every magnitude (subnormal, zero, huge) and lengths with a
// tail.
func TestAdam16(t *testing.T) {
	if !haveAdam16 {
		t.Skip("no AVX-512: the kernel is not used on this machine")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{16, 37, 1000} {
		p := make([]float32, n)
		for i := range p {
			p[i] = float32(rng.NormFloat64())
		}
		a := NewAdam(1e-3, DefaultBeta1, DefaultBeta2, DefaultEps, []string{"w"}, []int{n})
		b := NewAdam(1e-3, DefaultBeta1, DefaultBeta2, DefaultEps, []string{"w"}, []int{n})
		pa, pb := append([]float32(nil), p...), append([]float32(nil), p...)
		g := make([]float32, n)
		for step := 0; step < 20; step++ {
			for i := range g {
				switch i % 5 {
				case 0:
					g[i] = float32(rng.NormFloat64())
				case 1:
					g[i] = float32(rng.NormFloat64() * 1e-40) // subnormal
				case 2:
					g[i] = 0
				case 3:
					g[i] = float32(rng.NormFloat64() * 1e18)
				default:
					g[i] = float32(rng.NormFloat64() * 1e-6)
				}
			}
			if err := a.Step([][]float32{pa}, [][]float32{g}); err != nil {
				t.Fatal(err)
			}
			haveAdam16 = false
			err := b.Step([][]float32{pb}, [][]float32{g})
			haveAdam16 = true
			if err != nil {
				t.Fatal(err)
			}
			for i := range pa {
				if math.Float32bits(pa[i]) != math.Float32bits(pb[i]) || math.Float32bits(a.m[0][i]) != math.Float32bits(b.m[0][i]) ||
					math.Float32bits(a.v[0][i]) != math.Float32bits(b.v[0][i]) {
					t.Fatalf("n=%d step %d [%d]: kernel p %v m %v v %v, scalar p %v m %v v %v", n, step, i,
						pa[i], a.m[0][i], a.v[0][i], pb[i], b.m[0][i], b.v[0][i])
				}
			}
		}
	}
}

// TestSGD16 checks that the AVX-512 SGD kernel gives the scalar kernel's
// parameters and momentum buffers bit for bit, with and without Nesterov
// momentum, the first step included.
func TestSGD16(t *testing.T) {
	if !haveAdam16 {
		t.Skip("no AVX-512: the kernel is not used on this machine")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, nesterov := range []bool{false, true} {
		for _, n := range []int{16, 45, 1000} {
			p := make([]float32, n)
			for i := range p {
				p[i] = float32(rng.NormFloat64())
			}
			a := NewSGD(1e-2, 0.9, nesterov, []string{"w"}, []int{n})
			b := NewSGD(1e-2, 0.9, nesterov, []string{"w"}, []int{n})
			pa, pb := append([]float32(nil), p...), append([]float32(nil), p...)
			g := make([]float32, n)
			for step := 0; step < 10; step++ {
				for i := range g {
					g[i] = float32(rng.NormFloat64() * math.Pow(10, float64(i%7*6-20)))
				}
				if err := a.Step([][]float32{pa}, [][]float32{g}); err != nil {
					t.Fatal(err)
				}
				haveAdam16 = false
				err := b.Step([][]float32{pb}, [][]float32{g})
				haveAdam16 = true
				if err != nil {
					t.Fatal(err)
				}
				for i := range pa {
					if math.Float32bits(pa[i]) != math.Float32bits(pb[i]) || math.Float32bits(a.buf[0][i]) != math.Float32bits(b.buf[0][i]) {
						t.Fatalf("nesterov %t n=%d step %d [%d]: kernel p %v b %v, scalar p %v b %v", nesterov, n, step, i,
							pa[i], a.buf[0][i], pb[i], b.buf[0][i])
					}
				}
			}
		}
	}
}
