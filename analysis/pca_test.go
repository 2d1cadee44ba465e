package analysis

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/safetensors"
)

// orthonormal returns a random d x d orthogonal matrix: the Q of the QR
// factorisation of a matrix of standard normal values.
func orthonormal(rnd *rand.Rand, d int) *mat.Dense {
	a := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			a.Set(i, j, rnd.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// exactData returns n examples of dimension d whose mean is mean and whose
// sample covariance (divisor n-1) is exactly Q diag(variance) Q^T, up to
// rounding: mean + sqrt(n-1) U diag(sqrt(variance)) Q^T, where the columns
// of U are orthonormal and orthogonal to the vector of ones.
func exactData(rnd *rand.Rand, n int, mean, variance []float64, q *mat.Dense) []float64 {
	d := len(mean)
	z := mat.NewDense(n, d, nil)
	for j := range d {
		col := make([]float64, n)
		var s float64
		for i := range col {
			col[i] = rnd.NormFloat64()
			s += col[i]
		}
		for i := range col {
			col[i] -= s / float64(n)
		}
		z.SetCol(j, col)
	}
	var qr mat.QR
	qr.Factorize(z)
	var u mat.Dense
	qr.QTo(&u) // n x n; the first d columns span the centred columns of z
	scaled := mat.NewDense(n, d, nil)
	for j := range d {
		for i := range n {
			scaled.Set(i, j, u.At(i, j)*math.Sqrt(float64(n-1)*variance[j]))
		}
	}
	var x mat.Dense
	x.Mul(scaled, q.T())
	out := make([]float64, n*d)
	for i := range n {
		for j := range d {
			out[i*d+j] = x.At(i, j) + mean[j]
		}
	}
	return out
}

// TestFitPCAKnown: on data whose covariance is known exactly, the
// components are the prescribed directions and the explained variances the
// prescribed variances.
func TestFitPCAKnown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n, d, k int
		seed    uint64
	}{
		{"d5 all", 40, 5, 5, 1},
		{"d20 k7", 300, 20, 7, 2},
		{"d64 k10", 1000, 64, 10, 3}, // several chunks of rows, several workers
	} {
		t.Run(tc.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(tc.seed, 99))
			q := orthonormal(rnd, tc.d)
			mean := make([]float64, tc.d)
			variance := make([]float64, tc.d)
			for j := range tc.d {
				mean[j] = 3 * rnd.Float64()
				variance[j] = 5 * math.Pow(0.8, float64(j)) // distinct, decreasing
			}
			x := exactData(rnd, tc.n, mean, variance, q)
			p, err := FitPCA(x, tc.n, tc.d, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if diff := testutil.MaxAbsDiff(p.Mean(), mean); diff > 1e-12 {
				t.Errorf("mean differs by %g", diff)
			}
			if diff := testutil.MaxAbsDiff(p.ExplainedVariance(), variance[:tc.k]); diff > 1e-6 {
				t.Errorf("explained variance %v, want %v (max diff %g)", p.ExplainedVariance(), variance[:tc.k], diff)
			}
			var total float64
			for _, v := range variance {
				total += v
			}
			if diff := math.Abs(p.TotalVariance() - total); diff > 1e-9 {
				t.Errorf("total variance %g, want %g", p.TotalVariance(), total)
			}
			ratio := p.ExplainedVarianceRatio()
			var worst float64
			for c := range tc.k {
				want := mat.Col(nil, c, q)
				signByLargest(want)
				worst = max(worst, testutil.MaxAbsDiff(p.Component(c), want))
				worst = max(worst, math.Abs(ratio[c]-variance[c]/total))
			}
			if worst > 1e-6 {
				t.Errorf("components or ratios differ from the prescribed ones by %g", worst)
			}
			t.Logf("largest difference from the exact components and ratios: %.2g", worst)
		})
	}
}

// TestFitPCAProperties: orthonormal components, signs, full-rank
// reconstruction, float32 input, projections of the mean.
func TestFitPCAProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	const n, d = 700, 40
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rnd.NormFloat64()*float64(1+i%d) + float64(i%3)
	}
	full, err := FitPCA(x, n, d, d)
	if err != nil {
		t.Fatal(err)
	}
	c := full.Components()
	var gram mat.Dense
	gram.Mul(c, c.T())
	if !mat.EqualApprox(&gram, eye(d), 1e-12) {
		t.Errorf("components are not orthonormal: C C^T = %v", mat.Formatted(&gram))
	}
	ev := full.ExplainedVariance()
	var sum float64
	for i := range d {
		if i > 0 && ev[i] > ev[i-1] {
			t.Errorf("explained variance not decreasing at %d: %g > %g", i, ev[i], ev[i-1])
		}
		row := full.Component(i)
		big := 0
		for j := range row {
			if math.Abs(row[j]) > math.Abs(row[big]) {
				big = j
			}
		}
		if row[big] <= 0 {
			t.Errorf("component %d: largest entry %g is not positive", i, row[big])
		}
		sum += ev[i]
	}
	if math.Abs(sum-full.TotalVariance()) > 1e-9*sum {
		t.Errorf("sum of all %d variances %g, total variance %g", d, sum, full.TotalVariance())
	}
	recon, err := full.Reconstruct(x, n)
	if err != nil {
		t.Fatal(err)
	}
	if diff := testutil.MaxAbsDiff(recon, x); diff > 1e-10 {
		t.Errorf("reconstruction with all %d components differs by %g", d, diff)
	}
	z, err := full.Transform(full.Mean(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := testutil.MaxAbsDiff(z, make([]float64, d)); diff > 1e-12 {
		t.Errorf("scores of the mean: %v", z)
	}

	// float32 data gives the float64 fit of the same values.
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	p32, err := FitPCA(x32, n, d, 5)
	if err != nil {
		t.Fatal(err)
	}
	p64, err := FitPCA(Float64s(x32), n, d, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(p32.Components(), p64.Components()) || testutil.MaxAbsDiff(p32.ExplainedVariance(), p64.ExplainedVariance()) != 0 {
		t.Error("float32 and float64 data of the same values give different fits")
	}
	// Truncating gives the fit with fewer components.
	p64full, err := FitPCA(Float64s(x32), n, d, 12)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p64full.Truncate(5)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(tr.Components(), p64.Components()) || testutil.MaxAbsDiff(tr.ExplainedVariance(), p64.ExplainedVariance()) != 0 || tr.K() != 5 {
		t.Error("Truncate(5) of a 12-component fit differs from a 5-component fit")
	}
	if _, err := p64full.Truncate(13); err == nil {
		t.Error("Truncate(13) of 12 components: no error")
	}
	// Fewer components: the reconstruction error is the variance left out.
	recon5, err := p64.Reconstruct(Float64s(x32), n)
	if err != nil {
		t.Fatal(err)
	}
	left := (p64.TotalVariance() - sum5(p64.ExplainedVariance())) * float64(n-1) / float64(n*d)
	if got := MSE(x32, recon5); math.Abs(got-left) > 1e-9*left {
		t.Errorf("MSE of the 5-component reconstruction %g, want the variance left out %g", got, left)
	}
}

func sum5(v []float64) (s float64) {
	for _, x := range v {
		s += x
	}
	return s
}

func eye(d int) *mat.Dense {
	m := mat.NewDense(d, d, nil)
	for i := range d {
		m.Set(i, i, 1)
	}
	return m
}

func TestFitPCAErrors(t *testing.T) {
	ok := make([]float64, 10*4)
	for i := range ok {
		ok[i] = float64(i * i % 7)
	}
	nan := append([]float64(nil), ok...)
	nan[6] = math.NaN()
	for _, tc := range []struct {
		name    string
		x       []float64
		n, d, k int
		want    string
	}{
		{"one example", ok[:4], 1, 4, 1, "want at least 2 examples"},
		{"length", ok, 9, 4, 1, "data holds 40 values, not 9 examples of 4"},
		{"k zero", ok, 10, 4, 0, "0 components asked of 10 examples of dimension 4: want 1 to 4"},
		{"k above d", ok, 10, 4, 5, "5 components asked of 10 examples of dimension 4"},
		{"k above n", ok, 2, 20, 3, "want 1 to 2"},
		{"nan", nan, 10, 4, 2, "column 2 holds NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitPCA(tc.x, tc.n, tc.d, tc.k)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	p, err := FitPCA(ok, 10, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Transform(ok[:7], 2); err == nil || !strings.Contains(err.Error(), "7 values, not 2 examples of 4") {
		t.Errorf("Transform: %v", err)
	}
	if _, err := p.InverseTransform(ok[:3], 2); err == nil || !strings.Contains(err.Error(), "3 values, not 2 examples of 2") {
		t.Errorf("InverseTransform: %v", err)
	}
	if z, err := p.Reconstruct(nil, 0); err != nil || len(z) != 0 {
		t.Errorf("Reconstruct of no examples: %v, %v", z, err)
	}
}

// TestFitPCASklearn compares with scikit-learn's PCA (svd_solver="full") on
// MNIST images, as fitted by fixtures/pca/make_sklearn.py: 30 components fitted
// to the first 384 images of fixtures/mnist-512, applied to all 512.
func TestFitPCASklearn(t *testing.T) {
	const train, k, tol = 384, 30, 1e-4
	root := filepath.Join("..", "fixtures")
	hdr, x, err := dataset.ReadAllFloat32(filepath.Join(root, "mnist-512", "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	want, meta, err := safetensors.ReadFile(filepath.Join(root, "pca", "sklearn.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fixture by scikit-learn %s", meta["sklearn"])
	n, d := hdr.Count(), hdr.ItemLen()
	p, err := FitPCA(x[:train*d], train, d, k)
	if err != nil {
		t.Fatal(err)
	}
	x64 := Float64s(x)
	scores, err := p.Transform(x64, n)
	if err != nil {
		t.Fatal(err)
	}
	recon, err := p.InverseTransform(scores, n)
	if err != nil {
		t.Fatal(err)
	}
	comps := p.Components().RawMatrix().Data
	absComps := func(v []float32) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = math.Abs(float64(x))
		}
		return out
	}
	for _, c := range []struct {
		name string
		got  []float64
	}{
		{"mean", p.Mean()},
		{"explained_variance", p.ExplainedVariance()},
		{"explained_variance_ratio", p.ExplainedVarianceRatio()},
		{"components", comps},
		{"scores", scores},
		{"reconstruction_head", recon[:8*d]},
		{"image_mse", RowMSE(x64, recon, d)},
		{"mse", []float64{MSE(x64, recon)}},
	} {
		w := want[c.name]
		if w == nil {
			t.Fatalf("fixture has no tensor %s", c.name)
		}
		diff := testutil.MaxAbsDiff(c.got, w.Data)
		t.Logf("%-24s max abs diff %.2g", c.name, diff)
		if diff > tol {
			t.Errorf("%s differs from scikit-learn's by %g", c.name, diff)
		}
		if c.name == "components" {
			if diff := testutil.MaxAbsDiff(absComps(w.Data), absComps(float32s(comps))); diff > tol {
				t.Errorf("|components| differ by %g", diff)
			}
		}
	}
}

func float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// BenchmarkFitPCA fits 30 components to 60,000 random 28x28 images, the
// size of the MNIST and Fashion-MNIST training sets.
func BenchmarkFitPCA(b *testing.B) {
	const n, d = 60000, 784
	rnd := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(rnd.IntN(256)) / 255
	}
	b.ResetTimer()
	for range b.N {
		if _, err := FitPCA(x, n, d, 30); err != nil {
			b.Fatal(err)
		}
	}
}
