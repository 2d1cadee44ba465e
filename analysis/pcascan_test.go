package analysis

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// rowsOf returns a Scan of the n x d rows of x in chunks of the given
// numbers of rows, cycling through them.
func rowsOf(x []float32, d int, chunks ...int) Scan {
	return func(fn func([]float32) error) error {
		for i, lo := 0, 0; lo < len(x)/d; i++ {
			hi := min(lo+chunks[i%len(chunks)], len(x)/d)
			if err := fn(x[lo*d : hi*d]); err != nil {
				return err
			}
			lo = hi
		}
		return nil
	}
}

// TestFitPCAScan: the PCA fitted through a Scan, in chunks of any number of
// rows, is the one FitPCA fits to the same rows held in memory, bit for
// bit.
func TestFitPCAScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const d = 23
	for _, n := range []int{2, 255, 256, 257, 1000, 2049} {
		k := min(5, n)
		x := make([]float32, n*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64()) * float32(1+i%d)
		}
		want, err := FitPCA(x, n, d, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, chunks := range [][]int{{1}, {7, 300, 1}, {256}, {n}} {
			got, err := FitPCAScan(rowsOf(x, d, chunks...), n, d, k)
			if err != nil {
				t.Fatalf("n %d, chunks %v: %v", n, chunks, err)
			}
			if !slices.Equal(got.Mean(), want.Mean()) || !slices.Equal(got.comps, want.comps) ||
				!slices.Equal(got.ExplainedVariance(), want.ExplainedVariance()) || got.TotalVariance() != want.TotalVariance() {
				t.Errorf("n %d, chunks %v: the scanned fit differs from FitPCA's", n, chunks)
			}
		}
	}
}

// TestFitPCAScanErrors: a scan that gives other rows than promised, or
// fails, is an error.
func TestFitPCAScanErrors(t *testing.T) {
	x := make([]float32, 100*4)
	for i := range x {
		x[i] = float32(i % 13)
	}
	passes := 0
	shrinking := func(fn func([]float32) error) error {
		passes++
		if passes == 2 {
			return fn(x[:50*4])
		}
		return fn(x)
	}
	stop := errors.New("interrupted")
	for _, tc := range []struct {
		name string
		scan Scan
		n    int
		want string
	}{
		{"fewer rows", rowsOf(x, 4, 10), 120, "holds 100 rows, not 120"},
		{"more rows", rowsOf(x, 4, 10), 90, "more than 90 rows"},
		{"rows cut", func(fn func([]float32) error) error { return fn(x[:7]) }, 100, "not whole rows of 4"},
		{"changed between passes", shrinking, 100, "changed between its two readings"},
		{"failing", func(fn func([]float32) error) error { return stop }, 100, "interrupted"},
	} {
		passes = 0
		if _, err := FitPCAScan(tc.scan, tc.n, 4, 2); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestFitPCAScanMemory: the memory a scanned fit allocates does not grow
// with the number of rows: ten times the rows, generated as they are read,
// allocate about as much.
func TestFitPCAScanMemory(t *testing.T) {
	const d = 64
	gen := func(n int) Scan {
		return func(fn func([]float32) error) error {
			rng := rand.New(rand.NewPCG(1, 2))
			chunk := make([]float32, 500*d)
			for lo := 0; lo < n; lo += 500 {
				m := min(500, n-lo)
				for i := range chunk[:m*d] {
					chunk[i] = float32(rng.NormFloat64())
				}
				if err := fn(chunk[:m*d]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	alloc := func(n int) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := FitPCAScan(gen(n), n, d, 8); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(20000), alloc(200000)
	if large > small+small/2 {
		t.Errorf("20,000 rows allocate %d bytes, 200,000 rows %d: memory grows with the rows", small, large)
	}
	if held := uint64(200000 * d * 4); large > held/4 {
		t.Errorf("200,000 rows allocate %d bytes, a quarter of holding them (%d)", large, held)
	}
}
