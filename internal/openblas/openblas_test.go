package openblas

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestGemm compares the matrix products of this build's BLAS with gonum's
// on every transpose combination, odd sizes and padded leading dimensions.
func TestGemm(t *testing.T) {
	t.Logf("BLAS: %s", Name())
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {64, 33, 129}, {130, 257, 65}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				ra, ca := m, k
				if tA == blas.Trans {
					ra, ca = k, m
				}
				rb, cb := k, n
				if tB == blas.Trans {
					rb, cb = n, k
				}
				lda, ldb, ldc := ca+2, cb+1, n+3
				a64, b64 := make([]float64, ra*lda), make([]float64, rb*ldb)
				c0 := make([]float64, m*ldc)
				for _, s := range [][]float64{a64, b64, c0} {
					for i := range s {
						s[i] = rng.Float64()*2 - 1
					}
				}
				want64, c64 := append([]float64(nil), c0...), append([]float64(nil), c0...)
				gonum.Implementation{}.Dgemm(tA, tB, m, n, k, 0.5, a64, lda, b64, ldb, 0.25, want64, ldc)
				Implementation().Dgemm(tA, tB, m, n, k, 0.5, a64, lda, b64, ldb, 0.25, c64, ldc)
				a32, b32 := f32(a64), f32(b64)
				ref32, c32 := f32(c0), f32(c0)
				gonum.Implementation{}.Sgemm(tA, tB, m, n, k, 0.5, a32, lda, b32, ldb, 0.25, ref32, ldc)
				Implementation().Sgemm(tA, tB, m, n, k, 0.5, a32, lda, b32, ldb, 0.25, c32, ldc)
				for i := range c64 {
					if math.Abs(c64[i]-want64[i]) > 1e-12*float64(k+1) {
						t.Fatalf("Dgemm %v %v %dx%dx%d: [%d] %v, gonum %v", tA, tB, m, n, k, i, c64[i], want64[i])
					}
					if math.Abs(float64(c32[i]-ref32[i])) > 1e-5*float64(k+1) {
						t.Fatalf("Sgemm %v %v %dx%dx%d: [%d] %v, gonum %v", tA, tB, m, n, k, i, c32[i], ref32[i])
					}
				}
			}
		}
	}
}

func f32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

func TestGemmChecks(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a too-short c did not panic")
		}
	}()
	a, b, c := make([]float32, 4), make([]float32, 4), make([]float32, 3)
	Implementation().Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2)
}

func TestThreads(t *testing.T) {
	n := Threads()
	if n < 1 {
		t.Fatalf("Threads() = %d", n)
	}
	SetThreads(1)
	if got := Threads(); got != 1 {
		t.Errorf("after SetThreads(1), Threads() = %d", got)
	}
	SetThreads(n)
	if got := Threads(); got != n {
		t.Errorf("after SetThreads(%d), Threads() = %d", n, got)
	}
}
