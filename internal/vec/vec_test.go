package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/zoo-ml/zoo/internal/testutil"
)

// lengths are around the kernels' block sizes, 16 and 32, and MNIST's 784.
var lengths = []int{0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 784, 784*3 + 5}

// TestDiv255 checks every byte value, and every length and offset (so
// every alignment) in lengths, against float32(v) / 255 bit for bit.
func TestDiv255(t *testing.T) {
	src := make([]byte, 256)
	for i := range src {
		src[i] = byte(i)
	}
	dst := make([]float32, 256)
	Div255(dst, src)
	for i, got := range dst {
		if want := float32(i) / 255; math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("Div255(%d) = %v (%#x), want %v (%#x)", i, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}

	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range lengths {
		for off := range 5 {
			src := make([]byte, n+off+3) // src may be longer than dst
			for i := range src {
				src[i] = byte(rng.Uint32())
			}
			buf := make([]float32, n+off+1)
			dst := buf[off : off+n]
			buf[off+n] = -1 // must stay
			Div255(dst, src[off:])
			for i, got := range dst {
				if want := float32(src[off+i]) / 255; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("n=%d off=%d: dst[%d] = %v, want %v", n, off, i, got, want)
				}
			}
			if buf[off+n] != -1 {
				t.Fatalf("n=%d off=%d: Div255 wrote past dst", n, off)
			}
		}
	}
}

// TestSqDiff checks SqDiff against a sequential float64 loop, on every
// length and offset in lengths, with values on very different scales.
func TestSqDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range lengths {
		for off := range 5 {
			y, x := make([]float32, n+off), make([]float32, n+off+3) // x may be longer
			for i := range y {
				y[i] = rng.Float32() * float32(math.Pow(10, float64(rng.IntN(8)-4)))
			}
			for i := range x {
				x[i] = rng.Float32()
			}
			want := 0.0
			for i := range y[off:] {
				d := float64(y[off+i]) - float64(x[off+i])
				want += d * d
			}
			got := SqDiff(y[off:], x[off:])
			if math.Abs(got-want) > 1e-13*want {
				t.Errorf("n=%d off=%d: SqDiff %v, want %v (rel %g)", n, off, got, want, math.Abs(got-want)/want)
			}
			if g := sqDiffGo(y[off:], x[off:]); math.Abs(g-want) > 1e-13*want {
				t.Errorf("n=%d off=%d: sqDiffGo %v, want %v", n, off, g, want)
			}
		}
	}
}

func BenchmarkDiv255(b *testing.B) {
	src, dst := make([]byte, 256*784), make([]float32, 256*784)
	for i := range src {
		src[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Div255(dst, src)
	}
}

func BenchmarkDiv255Go(b *testing.B) {
	src, dst := make([]byte, 256*784), make([]float32, 256*784)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		div255Go(dst, src)
	}
}

func BenchmarkSqDiff(b *testing.B) {
	y, x := make([]float32, 256*784), make([]float32, 256*784)
	for i := range y {
		y[i], x[i] = float32(i%100)/100, float32(i%37)/37
	}
	b.SetBytes(int64(4 * len(y)))
	var s float64
	for b.Loop() {
		for i := range 256 {
			s += SqDiff(y[i*784:(i+1)*784], x[i*784:(i+1)*784])
		}
	}
	if s < 0 {
		b.Fatal(s)
	}
}

func BenchmarkSqDiffGo(b *testing.B) {
	y, x := make([]float32, 256*784), make([]float32, 256*784)
	for i := range y {
		y[i], x[i] = float32(i%100)/100, float32(i%37)/37
	}
	b.SetBytes(int64(4 * len(y)))
	var s float64
	for b.Loop() {
		for i := range 256 {
			s += sqDiffGo(y[i*784:(i+1)*784], x[i*784:(i+1)*784])
		}
	}
	if s < 0 {
		b.Fatal(s)
	}
}

// TestSigmoidTanh compares Sigmoid and Tanh with float64 math rounded to
// float32, within MaxULP, over a dense sweep of [-100, 100], random inputs
// of every magnitude and the special values, on every length of a tail.
func TestSigmoidTanh(t *testing.T) {
	var xs []float32
	for x := -100.0; x <= 100; x += 1.0 / 512 {
		xs = append(xs, float32(x))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		xs = append(xs, float32(rng.NormFloat64()*math.Pow(10, rng.Float64()*8-6)))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 0.625, -0.625, 15, 15.0001, -88, -88.0001,
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e30, -1e30, float32(math.SmallestNonzeroFloat32))
	sig := func(x float64) float64 {
		switch {
		case x < -88:
			return 0
		case x > 15:
			return 1
		}
		return 1 / (1 + math.Exp(-x))
	}
	for _, c := range []struct {
		name string
		f    func(dst, src []float32)
		ref  func(float64) float64
	}{{"Sigmoid", Sigmoid, sig}, {"Tanh", Tanh, math.Tanh}} {
		t.Run(c.name, func(t *testing.T) {
			got := make([]float32, len(xs))
			c.f(got, xs)
			worst := int64(0)
			for i, x := range xs {
				want := float32(c.ref(float64(x)))
				if math.Abs(float64(want)) < 1e-37 {
					if d := math.Abs(float64(got[i] - want)); d > 1e-37 {
						t.Fatalf("%s(%v) = %v, want %v", c.name, x, got[i], want)
					}
					continue
				}
				d := testutil.ULPs(got[i], want)
				worst = max(worst, d)
				if d > MaxULP || math.Signbit(float64(got[i])) != math.Signbit(float64(want)) {
					t.Fatalf("%s(%v) = %v, want %v (%d ulp)", c.name, x, got[i], want, d)
				}
			}
			t.Logf("worst %d ulp over %d inputs (AVX2 %v)", worst, len(xs), haveAVX2)
			// NaN stays NaN, and every tail length gives what the full
			// vector gives, in place too.
			nan := []float32{float32(math.NaN())}
			c.f(nan, nan)
			if !math.IsNaN(float64(nan[0])) {
				t.Errorf("%s(NaN) = %v", c.name, nan[0])
			}
			for n := 1; n <= 17; n++ {
				part := append([]float32(nil), xs[1000:1000+n]...)
				c.f(part, part)
				for i := range part {
					if part[i] != got[1000+i] {
						t.Fatalf("length %d: [%d] = %v, the full vector's %v", n, i, part[i], got[1000+i])
					}
				}
			}
		})
	}
}

// TestSigmoidTanhPlain checks the plain Go path against the same
// references, within half an ulp.
func TestSigmoidTanhPlain(t *testing.T) {
	xs := []float32{-100, -88.5, -88, -3, -0.5, 0, 0.5, 3, 15, 15.5, 100}
	got := make([]float32, len(xs))
	sigmoidGo(got, xs)
	for i, x := range xs {
		want := float32(0)
		if x > 15 {
			want = 1
		} else if x >= -88 {
			want = float32(1 / (1 + math.Exp(-float64(x))))
		}
		if got[i] != want {
			t.Errorf("sigmoidGo(%v) = %v, want %v", x, got[i], want)
		}
	}
	tanhGo(got, xs)
	for i, x := range xs {
		if want := float32(math.Tanh(float64(x))); got[i] != want {
			t.Errorf("tanhGo(%v) = %v, want %v", x, got[i], want)
		}
	}
}

// TestReductions compares Sum, SqDev and SumDot with float64 loops on every
// length around the kernels' blocks, within the rounding of float64 sums.
func TestReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range lengths {
		x, dy := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], dy[i] = rng.Float32()*4-1, rng.Float32()*2-1
		}
		const mu = 0.75
		// Each sum and the sum of its terms' magnitudes, which with n
		// bounds the rounding error of any order of the additions.
		var sum, sq, dsum, dot, msum, msq, mdsum, mdot float64
		for i := range x {
			d := float64(x[i]) - mu
			sum, msum = sum+float64(x[i]), msum+math.Abs(float64(x[i]))
			sq, msq = sq+d*d, msq+d*d
			dsum, mdsum = dsum+float64(dy[i]), mdsum+math.Abs(float64(dy[i]))
			dot, mdot = dot+float64(dy[i])*d, mdot+math.Abs(float64(dy[i])*d)
		}
		bound := float64(n+1) * 0x1p-52
		gs, gd := SumDot(dy, x, mu)
		for _, c := range []struct {
			name           string
			got, want, mag float64
		}{{"Sum", Sum(x), sum, msum}, {"SqDev", SqDev(x, mu), sq, msq}, {"SumDot sum", gs, dsum, mdsum}, {"SumDot dot", gd, dot, mdot}} {
			if math.Abs(c.got-c.want) > bound*c.mag {
				t.Errorf("n=%d: %s = %v, loop %v", n, c.name, c.got, c.want)
			}
		}
	}
}

// TestElementwise checks AddReLU, AddConstReLU, ReLU, ReLUGrad, ScaledDiff and Accumulate
// against plain loops, bit for bit (any NaN for a NaN), on every length
// around the kernels' block and on NaN, infinities and both zeros.
func TestElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-40, -1e-40}
	gen := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			if rng.IntN(8) == 0 {
				x[i] = special[rng.IntN(len(special))]
			} else {
				x[i] = rng.Float32()*4 - 2
			}
		}
		return x
	}
	same := func(name string, n int, got, want []float32) {
		t.Helper()
		for i := range want {
			nan := math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i])) // payloads may differ
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !nan {
				t.Fatalf("%s n=%d: [%d] = %v, loop %v", name, n, i, got[i], want[i])
			}
		}
	}
	for _, n := range lengths {
		x, b, dy := gen(n), gen(n), gen(n)
		for _, relu := range []bool{false, true} {
			got, want := append([]float32(nil), x...), append([]float32(nil), x...)
			AddReLU(got, b, relu)
			for j := range want {
				want[j] += b[j]
				if relu {
					want[j] = max(want[j], 0)
				}
			}
			same("AddReLU", n, got, want)
		}
		for _, relu := range []bool{false, true} {
			got, want := append([]float32(nil), x...), append([]float32(nil), x...)
			AddConstReLU(got, -0.25, relu)
			for j := range want {
				want[j] += -0.25
				if relu {
					want[j] = max(want[j], 0)
				}
			}
			same("AddConstReLU", n, got, want)
		}
		got, want := make([]float32, n), append([]float32(nil), x...)
		ReLU(got, x)
		for i := range want {
			want[i] = max(want[i], 0)
		}
		same("ReLU", n, got, want)
		got = make([]float32, n)
		ReLUGrad(got, dy, x)
		for i := range want {
			want[i] = 0
			if x[i] > 0 {
				want[i] = dy[i]
			}
		}
		same("ReLUGrad", n, got, want)
		ScaledDiff(got, x, b, 0.37)
		for i := range want {
			want[i] = 0.37 * (x[i] - b[i])
		}
		same("ScaledDiff", n, got, want)
		acc, accWant := make([]float64, n), make([]float64, n)
		for i := range acc {
			acc[i] = rng.Float64()
			accWant[i] = acc[i] + float64(x[i])
		}
		Accumulate(acc, x)
		for i := range acc {
			if math.Float64bits(acc[i]) != math.Float64bits(accWant[i]) && !(math.IsNaN(acc[i]) && math.IsNaN(accWant[i])) {
				t.Fatalf("Accumulate n=%d: [%d] = %v, loop %v", n, i, acc[i], accWant[i])
			}
		}
	}
}
