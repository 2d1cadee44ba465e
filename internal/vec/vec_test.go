package vec

import (
	"math"
	"math/rand/v2"
	"testing"
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
