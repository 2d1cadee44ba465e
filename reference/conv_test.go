package reference

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zoo-ml/zoo/zoo"
)

func near(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > tol {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestConv2dByHand(t *testing.T) {
	// x is 1..9 in a 3x3 plane; the kernel [[1, 0], [0, -1]] computes
	// x[r][c] - x[r+1][c+1] over the zero-padded plane, at stride 2.
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	c := zoo.Conv2d{In: 1, Out: 1, Kernel: 2, Stride: 2, Padding: 1}
	got := Conv2d(x, 1, []int{1, 3, 3}, c, []float32{1, 0, 0, -1}, []float32{0.5})
	// windows start at (-1,-1), (-1,1), (1,-1), (1,1)
	near(t, "conv", got, []float64{0 - 1 + 0.5, 0 - 3 + 0.5, 0 - 7 + 0.5, 5 - 9 + 0.5}, 0)

	// Two input channels and two examples: channel sums, one output per example.
	c = zoo.Conv2d{In: 2, Out: 1, Kernel: 3}
	x = make([]float32, 2*2*9)
	for i := range x {
		x[i] = float32(i)
	}
	w := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	got = Conv2d(x, 2, []int{2, 3, 3}, c, w, []float32{0})
	// sum(0..8) - sum(9..17) = 36 - 117; then 153 - 234
	near(t, "conv channels", got, []float64{-81, -81}, 0)
}

func TestConvTranspose2dByHand(t *testing.T) {
	// Kernel 2, stride 2: each input value stamps value*kernel on its own 2x2 block.
	c := zoo.ConvTranspose2d{In: 1, Out: 1, Kernel: 2, Stride: 2}
	got := ConvTranspose2d([]float32{1, 2, 3, 4}, 1, []int{1, 2, 2}, c, []float32{1, 2, 3, 4}, []float32{0})
	near(t, "convT", got, []float64{
		1, 2, 2, 4,
		3, 4, 6, 8,
		3, 6, 4, 8,
		9, 12, 12, 16,
	}, 0)
	// Kernel 3, stride 1, padding 1 on a 1x1 input: the middle of the kernel, plus the bias.
	c = zoo.ConvTranspose2d{In: 1, Out: 2, Kernel: 3, Padding: 1}
	w := []float32{0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0}
	got = ConvTranspose2d([]float32{2}, 1, []int{1, 1, 1}, c, w, []float32{1, -1})
	near(t, "convT padded", got, []float64{11, 13}, 0)
}

// TestConvTransposeIsAdjoint checks <conv(x), y> = <x, convT(y)> with the
// same weights and zero biases, which is what makes ConvTranspose2d the
// transpose of Conv2d, for strides, paddings and kernels of the models.
func TestConvTransposeIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, tc := range []struct{ in, out, k, s, p, h int }{
		{2, 3, 3, 2, 1, 7}, {3, 2, 4, 2, 1, 8}, {2, 2, 2, 2, 0, 6}, {1, 2, 5, 1, 2, 5}, {2, 1, 3, 1, 0, 6}, {3, 4, 3, 2, 0, 7},
	} {
		t.Run(fmt.Sprintf("%+v", tc), func(t *testing.T) {
			const n = 2
			c := zoo.Conv2d{In: tc.in, Out: tc.out, Kernel: tc.k, Stride: tc.s, Padding: tc.p}
			ct := zoo.ConvTranspose2d{In: tc.out, Out: tc.in, Kernel: tc.k, Stride: tc.s, Padding: tc.p}
			in := []int{tc.in, tc.h, tc.h + tc.s} // not square
			mid, err := c.OutShape(in)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := ct.OutShape(mid); err != nil || !slices.Equal(back, in) {
				t.Fatalf("transpose of %v gives %v, %v", in, back, err)
			}
			w := fill(tc.out * tc.in * tc.k * tc.k) // [out, in, k, k] is [In', Out', k, k] of ct
			x, y := fill(n*zoo.Numel(in)), fill(n*zoo.Numel(mid))
			cx := Conv2d(x, n, in, c, w, make([]float32, tc.out))
			cty := ConvTranspose2d(y, n, mid, ct, w, make([]float32, tc.in))
			var lhs, rhs float64
			for i := range y {
				lhs += float64(cx[i]) * float64(y[i])
			}
			for i := range x {
				rhs += float64(x[i]) * float64(cty[i])
			}
			if math.Abs(lhs-rhs) > 1e-4*math.Max(1, math.Abs(lhs)) {
				t.Errorf("<conv x, y> = %v, <x, convT y> = %v", lhs, rhs)
			}
		})
	}
}

func TestMaxPoolUnpoolByHand(t *testing.T) {
	// A 3x5 plane pooled 2x2 gives 1x2: the last column and row are dropped.
	x := []float32{
		1, 5, 2, 0, 9,
		3, 4, 8, 8, 1,
		0, 0, 0, 0, 0,
	}
	y, idx := MaxPool2d(x, 1, []int{1, 3, 5}, zoo.MaxPool2d{Kernel: 2, Indices: true})
	near(t, "pool", y, []float64{5, 8}, 0)
	if !slices.Equal(idx, []int{1, 7}) { // the first of the two 8s wins
		t.Errorf("indices %v, want [1 7]", idx)
	}
	got := MaxUnpool2d(y, idx, 1, []int{1, 1, 2}, []int{1, 3, 5})
	near(t, "unpool", got, []float64{0, 5, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0}, 0)

	// Stride 1 (overlapping windows) on 2 planes; indices are per plane.
	x = []float32{
		1, 2, 3,
		4, 5, 6,
		9, 8, 7,
		0, 0, -1,
	}
	y, idx = MaxPool2d(x, 2, []int{1, 2, 3}, zoo.MaxPool2d{Kernel: 2, Stride: 1})
	near(t, "pool stride 1", y, []float64{5, 6, 9, 8}, 0)
	if !slices.Equal(idx, []int{4, 5, 0, 1}) {
		t.Errorf("indices %v, want [4 5 0 1]", idx)
	}
}

func TestBatchNorm2dByHand(t *testing.T) {
	// Two examples, two channels of 1x2: y = (x - mean) / sqrt(var + eps) * weight + bias.
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	got := BatchNorm2d(x, 2, []int{2, 1, 2}, []float32{2, 1}, []float32{0, 10}, []float32{1, 4}, []float32{4, 0.25})
	s0, s1 := 2/math.Sqrt(4+zoo.BatchNormEps), 1/math.Sqrt(0.25+zoo.BatchNormEps)
	near(t, "batchnorm", got, []float64{0, s0, -s1 + 10, 10, 4 * s0, 5 * s0, 3*s1 + 10, 4*s1 + 10}, 1e-6)
}

// TestForwardUnpoolOddSizes runs pool -> unpool models whose pools round
// down (7x7 to 3x3 and back to 7x7; 5x9 to 2x4 and back) and checks that
// every value lands on the maximum of its window and zeros elsewhere.
func TestForwardUnpoolOddSizes(t *testing.T) {
	for _, in := range [][]int{{2, 7, 7}, {3, 5, 9}} {
		t.Run(fmt.Sprint(in), func(t *testing.T) {
			m := &zoo.Model{Name: "odd", Task: zoo.Reconstruct, Input: in, Parts: []zoo.Part{
				{Name: "encoder", Layers: []zoo.Layer{zoo.MaxPool2d{Kernel: 2, Indices: true}, zoo.Dropout{P: 0.5}}},
				{Name: "decoder", Layers: []zoo.Layer{zoo.MaxUnpool2d{Kernel: 2, Pool: "encoder.0", Size: in[1:]}}},
			}, Recipe: zoo.Recipe{Optimizer: "adam", LR: 1e-3, Loss: "mse", BatchSize: 1, Epochs: 1}}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			const n = 2
			rng := rand.New(rand.NewPCG(3, 4))
			x := make([]float32, n*zoo.Numel(in))
			for i := range x {
				x[i] = float32(rng.Float64())
			}
			got, shape, err := Forward(m, zoo.Weights{}, x, n)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, in) {
				t.Fatalf("shape %v, want %v", shape, in)
			}
			h, w := in[1], in[2]
			want := make([]float64, len(x))
			for pl := 0; pl < n*in[0]; pl++ {
				for i := 0; i+2 <= h; i += 2 {
					for j := 0; j+2 <= w; j += 2 {
						best := pl*h*w + i*w + j
						for _, at := range []int{best, best + 1, best + w, best + w + 1} {
							if x[at] > x[best] {
								best = at
							}
						}
						want[best] = float64(x[best])
					}
				}
			}
			near(t, "unpool(pool(x))", got, want, 0)
		})
	}
}
