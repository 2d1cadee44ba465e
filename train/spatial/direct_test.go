package spatial

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
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

// TestWeightGradDirect compares the float32 weight gradient of stride-1
// convolutions with 16 and 32 output channels, which the direct kernel
// computes on AVX-512, with plain loops in float64, over several examples
// so that the per-goroutine sums add up.
func TestWeightGradDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, g := range []geom{
		{N: 5, C: 1, H: 28, W: 28, O: 16, K: 5, P: 2, S: 1},  // cnn's first convolution
		{N: 3, C: 16, H: 14, W: 14, O: 16, K: 5, P: 2, S: 1}, // its second
		{N: 2, C: 3, H: 7, W: 9, O: 32, K: 3, P: 1, S: 1},
		{N: 2, C: 2, H: 6, W: 5, O: 16, K: 3, P: 0, S: 1},
		{N: 3, C: 3, H: 8, W: 8, O: 8, K: 5, P: 0, S: 1},  // half a block: cnn-cifar's first
		{N: 2, C: 4, H: 5, W: 7, O: 24, K: 3, P: 1, S: 1}, // a block and a half
	} {
		g.OH, g.OW = g.H+2*g.P-g.K+1, g.W+2*g.P-g.K+1
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			img, small := make([]float32, g.N*g.img()), make([]float32, g.N*g.O*g.plane())
			for i := range img {
				img[i] = rng.Float32()*2 - 1
			}
			for i := range small {
				small[i] = rng.Float32()*2 - 1
			}
			op := newWeightGradOp(g)
			v, err := op.Do(tensor.New(tensor.WithShape(g.N, g.C, g.H, g.W), tensor.WithBacking(img)),
				tensor.New(tensor.WithShape(g.N, g.O, g.OH, g.OW), tensor.WithBacking(small)))
			if err != nil {
				t.Fatal(err)
			}
			got := v.Data().([]float32)
			for o := 0; o < g.O; o++ {
				for c := 0; c < g.C; c++ {
					for ki := 0; ki < g.K; ki++ {
						for kj := 0; kj < g.K; kj++ {
							var want, mag float64
							for n := 0; n < g.N; n++ {
								for oh := 0; oh < g.OH; oh++ {
									for ow := 0; ow < g.OW; ow++ {
										h, w := oh-g.P+ki, ow-g.P+kj
										if h < 0 || h >= g.H || w < 0 || w >= g.W {
											continue
										}
										p := float64(img[((n*g.C+c)*g.H+h)*g.W+w]) * float64(small[((n*g.O+o)*g.OH+oh)*g.OW+ow])
										want, mag = want+p, mag+math.Abs(p)
									}
								}
							}
							k := ((o*g.C+c)*g.K+ki)*g.K + kj
							if d := math.Abs(float64(got[k]) - want); d > 1e-6*(mag+1) {
								t.Fatalf("dw[%d][%d][%d][%d] = %v, loops %v", o, c, ki, kj, got[k], want)
							}
						}
					}
				}
			}
		})
	}
}
