package optim

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestSpread checks that the ranges of spread cover [0, n) exactly once.
func TestSpread(t *testing.T) {
	for _, n := range []int{0, 1, grain, 2*grain - 1, 2 * grain, 5*grain + 3, 100 * grain} {
		seen := make([]int32, n)
		var ranges [][2]int
		done := make(chan [2]int, 1000)
		spread(n, func(lo, hi int) { done <- [2]int{lo, hi} })
		close(done)
		for r := range done {
			ranges = append(ranges, r)
			for i := r[0]; i < r[1]; i++ {
				seen[i]++
			}
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: element %d covered %d times (ranges %v)", n, i, c, ranges)
			}
		}
	}
}

// TestParallelStepsBitIdentical runs Adam and SGD with momentum on a
// parameter large enough to be spread over goroutines, with GOMAXPROCS 1
// and 4, and checks that the parameters and the state agree bit for bit.
func TestParallelStepsBitIdentical(t *testing.T) {
	const size = 5*grain + 17
	for _, kind := range []string{"adam", "sgd"} {
		run := func(procs int) ([]float32, []float32) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			rng := rand.New(rand.NewPCG(7, 8))
			p, small := make([]float32, size), make([]float32, 10)
			for i := range p {
				p[i] = rng.Float32() - 0.5
			}
			var o Optimizer
			if kind == "adam" {
				o = NewAdam(1e-3, DefaultBeta1, DefaultBeta2, DefaultEps, []string{"w", "b"}, []int{size, 10})
			} else {
				o = NewSGD(1e-2, 0.9, false, []string{"w", "b"}, []int{size, 10})
			}
			g, gs := make([]float32, size), make([]float32, 10)
			for step := 0; step < 3; step++ {
				for i := range g {
					g[i] = float32(rng.NormFloat64())
				}
				if err := o.Step([][]float32{p, small}, [][]float32{g, gs}); err != nil {
					t.Fatal(err)
				}
			}
			var st []float32
			for _, v := range o.State() {
				st = append(st, v.Data...)
			}
			slices.Sort(st)
			return p, st
		}
		p1, s1 := run(1)
		p4, s4 := run(4)
		if !slices.Equal(p1, p4) || !slices.Equal(s1, s4) {
			t.Errorf("%s: parameters or state differ between GOMAXPROCS 1 and 4", kind)
		}
	}
}
