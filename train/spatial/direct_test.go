package spatial

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDirect16 compares the direct convolution kernel with plain loops on
// random offsets, odd numbers of taps and padded output rows, and checks
// that it writes nothing outside its 16 x n block.
func TestDirect16(t *testing.T) {
	if !haveDirect {
		t.Skip("no AVX-512: the direct kernel is not used on this machine")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ nk, n, ldy, srcLen int }{
		{1, 16, 16, 16}, {7, 32, 40, 100}, {25, 896, 896, 1200}, {400, 256, 272, 6000},
	} {
		t.Run(fmt.Sprintf("nk=%d/n=%d", c.nk, c.n), func(t *testing.T) {
			wt, src := make([]float32, 16*c.nk), make([]float32, c.srcLen)
			for i := range wt {
				wt[i] = rng.Float32()*2 - 1
			}
			for i := range src {
				src[i] = rng.Float32()*2 - 1
			}
			offs := make([]int, c.nk)
			for k := range offs {
				offs[k] = rng.IntN(c.srcLen - c.n + 1)
			}
			const sentinel = 12345
			y := make([]float32, 16*c.ldy)
			for i := range y {
				y[i] = sentinel
			}
			direct16(y, c.ldy, wt, src, offs, c.n)
			for o := 0; o < 16; o++ {
				for j := 0; j < c.ldy; j++ {
					got := y[o*c.ldy+j]
					if j >= c.n {
						if got != sentinel {
							t.Fatalf("y[%d][%d] = %v, outside the block", o, j, got)
						}
						continue
					}
					var want, mag float64
					for k, off := range offs {
						p := float64(wt[k*16+o]) * float64(src[off+j])
						want, mag = want+p, mag+math.Abs(p)
					}
					if d := math.Abs(float64(got) - want); d > 1e-6*(mag+1) {
						t.Fatalf("y[%d][%d] = %v, loops %v", o, j, got, want)
					}
				}
			}
		})
	}
}

// TestDirect16Checks checks that direct16 refuses slices the kernel would
// overrun.
func TestDirect16Checks(t *testing.T) {
	if !haveDirect {
		t.Skip("no AVX-512")
	}
	wt, y := make([]float32, 16), make([]float32, 16*16)
	for _, c := range []struct {
		name string
		src  []float32
		offs []int
		n    int
	}{
		{"source too short", make([]float32, 20), []int{5}, 16},
		{"negative offset", make([]float32, 40), []int{-1}, 16},
		{"n not a multiple of 16", make([]float32, 40), []int{0}, 8},
		{"no taps", make([]float32, 40), nil, 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			direct16(y, 16, wt, c.src, c.offs, c.n)
		})
	}
}
