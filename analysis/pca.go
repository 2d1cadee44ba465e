package analysis

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Float is the element type of the data that FitPCA and the error helpers
// accept: images are float32 as read by package dataset, exact work is
// float64.
type Float interface{ ~float32 | ~float64 }

// A PCA is a principal component analysis fitted by FitPCA: the mean of the
// training data and its k directions of largest variance.
//
// Components are the eigenvectors of the sample covariance matrix (divisor
// n-1, as in scikit-learn), sorted by decreasing eigenvalue, and each is
// signed so that its entry of largest absolute value is positive (the first
// such entry on a tie). This is scikit-learn's svd_flip with
// u_based_decision=False, the convention of sklearn.decomposition.PCA since
// scikit-learn 1.5; older releases sign by the scores instead, so their
// components may differ from these by a factor -1.
type PCA struct {
	n, d, k  int
	mean     []float64
	comps    []float64 // k x d, row-major, orthonormal rows
	variance []float64 // k eigenvalues of the covariance
	totalVar float64   // trace of the covariance
}

// pcaChunk is the number of rows of data centred and converted to float64
// at a time.
const pcaChunk = 256

// FitPCA fits a PCA with k components to n examples of d values each, held
// row-major in x (len(x) == n*d). All arithmetic is float64. It needs n >= 2
// and 1 <= k <= min(n, d).
//
// The covariance is accumulated chunk by chunk with a symmetric rank-k
// update (BLAS SYRK) on as many goroutines as GOMAXPROCS, so x is never
// copied whole; then it is diagonalised with mat.EigenSym. Its cost is
// O(n d^2 + d^3): 60,000 images of 28x28 take a few seconds.
func FitPCA[T Float](x []T, n, d, k int) (*PCA, error) {
	if err := checkFit(n, d, k); err != nil {
		return nil, err
	}
	if len(x) != n*d {
		return nil, fmt.Errorf("pca: data holds %d values, not %d examples of %d", len(x), n, d)
	}
	mean := columnMeans(x, n, d)
	if err := finiteMeans(mean); err != nil {
		return nil, err
	}
	workers := pcaWorkers(n)
	cov := scatter(x, n, d, mean, workers)
	return fitted(cov, mean, n, d, k)
}

// A Scan passes the rows of a data set (n rows of d values, row-major), in
// order, to fn, a chunk of whole rows at a time; each call starts from the
// first row. It stops at the first error of fn, or its own (such as a
// cancelled context), and returns it.
type Scan func(fn func(rows []float32) error) error

// FitPCAScan is FitPCA for data too large to hold in memory: it reads the
// n rows of d values twice through scan, once for the mean and once for
// the covariance, and keeps only a few chunks of rows at a time: its memory
// is O(d^2), whatever n. The PCA is the one FitPCA fits to the same rows,
// bit for bit: the sums are taken in the same order.
func FitPCAScan(scan Scan, n, d, k int) (*PCA, error) {
	if err := checkFit(n, d, k); err != nil {
		return nil, err
	}
	mean := make([]float64, d)
	rows := 0
	err := scan(func(x []float32) error {
		if len(x)%d != 0 || rows+len(x)/d > n {
			return fmt.Errorf("pca: a chunk of %d values after %d rows: not whole rows of %d, or more than %d rows", len(x), rows, d, n)
		}
		for i := range len(x) / d {
			for j, v := range x[i*d : (i+1)*d] {
				mean[j] += float64(v)
			}
		}
		rows += len(x) / d
		return nil
	})
	if err == nil && rows != n {
		err = fmt.Errorf("pca: the data holds %d rows, not %d", rows, n)
	}
	if err != nil {
		return nil, err
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	if err := finiteMeans(mean); err != nil {
		return nil, err
	}
	cov, err := scatterScan(scan, n, d, mean, pcaWorkers(n))
	if err != nil {
		return nil, err
	}
	return fitted(cov, mean, n, d, k)
}

// checkFit checks the sizes of a fit.
func checkFit(n, d, k int) error {
	switch {
	case n < 2 || d < 1:
		return fmt.Errorf("pca: %d examples of %d values: want at least 2 examples of at least 1 value", n, d)
	case k < 1 || k > min(n, d):
		return fmt.Errorf("pca: %d components asked of %d examples of dimension %d: want 1 to %d", k, n, d, min(n, d))
	}
	return nil
}

// finiteMeans checks the column means: NaN or Inf there comes from the
// data.
func finiteMeans(mean []float64) error {
	for j, m := range mean {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("pca: column %d holds NaN or infinite values", j)
		}
	}
	return nil
}

// pcaWorkers returns the number of goroutines that accumulate the
// covariance of n rows.
func pcaWorkers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), (n+pcaChunk-1)/pcaChunk))
}

// fitted turns the scatter matrix cov of n rows with the given mean into
// the PCA with k components.
func fitted(cov blas64.Symmetric, mean []float64, n, d, k int) (*PCA, error) {
	scale := 1 / float64(n-1)
	for i := range d {
		row := cov.Data[i*d : (i+1)*d]
		for j := i; j < d; j++ {
			row[j] *= scale
		}
	}
	sym := mat.NewSymDense(d, nil)
	sym.SetRawSymmetric(cov)

	var eig mat.EigenSym
	if ok := eig.Factorize(sym, true); !ok {
		return nil, errors.New("pca: the eigendecomposition of the covariance did not converge")
	}
	values := eig.Values(nil) // ascending
	var vectors mat.Dense
	eig.VectorsTo(&vectors)

	p := &PCA{n: n, d: d, k: k, mean: mean, comps: make([]float64, k*d), variance: make([]float64, k)}
	for i := range d {
		p.totalVar += cov.Data[i*d+i]
	}
	for c := range k {
		col := d - 1 - c
		p.variance[c] = max(values[col], 0) // rounding can make zero variance slightly negative
		row := p.comps[c*d : (c+1)*d]
		mat.Col(row, col, &vectors)
		signByLargest(row)
	}
	return p, nil
}

// columnMeans returns the mean of each of the d columns of the n x d
// row-major matrix x, accumulated in float64.
func columnMeans[T Float](x []T, n, d int) []float64 {
	mean := make([]float64, d)
	for i := range n {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	return mean
}

// scatter returns the upper triangle of (x - mean)^T (x - mean), d x d. The
// rows of x are split in chunks of pcaChunk; each worker takes the chunks
// c with c % workers its own, in order, centres each into a d x pcaChunk
// float64 buffer (transposed, so that SYRK takes dot products of
// contiguous rows) and accumulates into its own matrix; the workers'
// matrices are summed at the end, in order.
func scatter[T Float](x []T, n, d int, mean []float64, workers int) blas64.Symmetric {
	chunks := (n + pcaChunk - 1) / pcaChunk
	parts := newParts(d, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float64, d*pcaChunk)
			for c := w; c < chunks; c += workers {
				lo, hi := c*pcaChunk, min((c+1)*pcaChunk, n)
				accumulate(x[lo*d:hi*d], d, mean, buf, parts[w])
			}
		}()
	}
	wg.Wait()
	return sumParts(parts, d)
}

// scatterScan is scatter for the rows scan passes: they are gathered into
// chunks of pcaChunk rows, and chunk c goes to worker c % workers, as in
// scatter, so that the sums are the same.
func scatterScan(scan Scan, n, d int, mean []float64, workers int) (blas64.Symmetric, error) {
	parts := newParts(d, workers)
	queues := make([]chan []float32, workers)
	free := make(chan []float32, 2*workers)
	for range 2 * workers {
		free <- make([]float32, 0, pcaChunk*d)
	}
	var wg sync.WaitGroup
	for w := range workers {
		queues[w] = make(chan []float32, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float64, d*pcaChunk)
			for rows := range queues[w] {
				accumulate(rows, d, mean, buf, parts[w])
				free <- rows[:0]
			}
		}()
	}
	c, rows := 0, 0
	block := <-free
	send := func() {
		queues[c%workers] <- block
		c++
		block = <-free
	}
	err := scan(func(x []float32) error {
		if rows += len(x) / d; len(x)%d != 0 || rows > n {
			return fmt.Errorf("pca: the data changed between its two readings: more than %d rows, or not whole rows of %d", n, d)
		}
		for len(x) > 0 {
			take := min(len(x), pcaChunk*d-len(block))
			block, x = append(block, x[:take]...), x[take:]
			if len(block) == pcaChunk*d {
				send()
			}
		}
		return nil
	})
	if err == nil && len(block) > 0 {
		send()
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	if err == nil && rows != n {
		err = fmt.Errorf("pca: the data changed between its two readings: %d rows, then %d", n, rows)
	}
	return sumParts(parts, d), err
}

// newParts returns a d x d scatter matrix for each worker.
func newParts(d, workers int) []blas64.Symmetric {
	parts := make([]blas64.Symmetric, workers)
	for w := range parts {
		parts[w] = blas64.Symmetric{Uplo: blas.Upper, N: d, Stride: d, Data: make([]float64, d*d)}
	}
	return parts
}

// accumulate adds the scatter of rows (whole rows of d values, at most
// pcaChunk of them), centred on mean, to part, through buf.
func accumulate[T Float](rows []T, d int, mean, buf []float64, part blas64.Symmetric) {
	m := len(rows) / d
	t := blas64.General{Rows: d, Cols: m, Stride: m, Data: buf[:d*m]}
	for i := range m {
		for j, v := range rows[i*d : (i+1)*d] {
			t.Data[j*m+i] = float64(v) - mean[j]
		}
	}
	blas64.Syrk(blas.NoTrans, 1, t, 1, part)
}

// sumParts adds the workers' matrices into the first, in order.
func sumParts(parts []blas64.Symmetric, d int) blas64.Symmetric {
	sum := parts[0]
	for _, p := range parts[1:] {
		for i := range d {
			s, a := sum.Data[i*d+i:(i+1)*d], p.Data[i*d+i:(i+1)*d]
			for j := range s {
				s[j] += a[j]
			}
		}
	}
	return sum
}

// signByLargest multiplies v by -1 if its entry of largest absolute value
// (the first one on a tie) is negative.
func signByLargest(v []float64) {
	best := 0
	for i, x := range v {
		if math.Abs(x) > math.Abs(v[best]) {
			best = i
		}
	}
	if v[best] < 0 {
		for i := range v {
			v[i] = -v[i]
		}
	}
}

// N returns the number of examples the PCA was fitted to.
func (p *PCA) N() int { return p.n }

// Dim returns the dimension d of an example.
func (p *PCA) Dim() int { return p.d }

// K returns the number of components.
func (p *PCA) K() int { return p.k }

// Mean returns a copy of the mean of the training data (d values).
func (p *PCA) Mean() []float64 { return append([]float64(nil), p.mean...) }

// Components returns a copy of the components as the rows of a k x d
// matrix, in order of decreasing variance, orthonormal and signed as
// described at PCA.
func (p *PCA) Components() *mat.Dense {
	return mat.NewDense(p.k, p.d, append([]float64(nil), p.comps...))
}

// Component returns a copy of component i (0 <= i < K).
func (p *PCA) Component(i int) []float64 {
	return append([]float64(nil), p.comps[i*p.d:(i+1)*p.d]...)
}

// ExplainedVariance returns the variance of the training data along each
// component (the eigenvalues of the covariance, divisor n-1), decreasing:
// scikit-learn's explained_variance_.
func (p *PCA) ExplainedVariance() []float64 { return append([]float64(nil), p.variance...) }

// TotalVariance returns the total variance of the training data: the trace
// of its covariance, the sum of the variances of all d coordinates.
func (p *PCA) TotalVariance() float64 { return p.totalVar }

// ExplainedVarianceRatio returns each component's share of the total
// variance: scikit-learn's explained_variance_ratio_. When the data has no
// variance at all the shares are 0.
func (p *PCA) ExplainedVarianceRatio() []float64 {
	r := make([]float64, p.k)
	if p.totalVar > 0 {
		for i, v := range p.variance {
			r[i] = v / p.totalVar
		}
	}
	return r
}

// Truncate returns the PCA made of the first k components of p (1 <= k <=
// p.K()), which is what FitPCA with k components gives on the same data:
// fitting once with the largest k serves a sweep over smaller ones.
func (p *PCA) Truncate(k int) (*PCA, error) {
	if k < 1 || k > p.k {
		return nil, fmt.Errorf("pca: cannot keep %d of %d components", k, p.k)
	}
	q := *p
	q.k = k
	q.comps = p.comps[: k*p.d : k*p.d]
	q.variance = p.variance[:k:k]
	return &q, nil
}

// Transform projects n examples (row-major in x, n x d) onto the
// components and returns their n x k scores: (x - mean) C^T.
func (p *PCA) Transform(x []float64, n int) ([]float64, error) {
	if len(x) != n*p.d {
		return nil, fmt.Errorf("pca transform: data holds %d values, not %d examples of %d", len(x), n, p.d)
	}
	z := make([]float64, n*p.k)
	comps := blas64.General{Rows: p.k, Cols: p.d, Stride: p.d, Data: p.comps}
	buf := make([]float64, min(n, pcaChunk)*p.d)
	for lo := 0; lo < n; lo += pcaChunk {
		hi := min(lo+pcaChunk, n)
		m := hi - lo
		c := blas64.General{Rows: m, Cols: p.d, Stride: p.d, Data: buf[:m*p.d]}
		for i := range c.Data {
			c.Data[i] = x[lo*p.d+i] - p.mean[i%p.d]
		}
		out := blas64.General{Rows: m, Cols: p.k, Stride: p.k, Data: z[lo*p.k : hi*p.k]}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, c, comps, 0, out)
	}
	return z, nil
}

// InverseTransform maps n score vectors (row-major in z, n x k) back to the
// data space and returns n x d values: z C + mean.
func (p *PCA) InverseTransform(z []float64, n int) ([]float64, error) {
	if len(z) != n*p.k {
		return nil, fmt.Errorf("pca inverse transform: scores hold %d values, not %d examples of %d", len(z), n, p.k)
	}
	x := make([]float64, n*p.d)
	for i := range n {
		copy(x[i*p.d:(i+1)*p.d], p.mean)
	}
	if n == 0 {
		return x, nil
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas64.General{Rows: n, Cols: p.k, Stride: p.k, Data: z},
		blas64.General{Rows: p.k, Cols: p.d, Stride: p.d, Data: p.comps},
		1, blas64.General{Rows: n, Cols: p.d, Stride: p.d, Data: x})
	return x, nil
}

// Reconstruct projects n examples onto the components and maps them back:
// InverseTransform(Transform(x)), the best rank-k approximation of the
// centred data, plus the mean.
func (p *PCA) Reconstruct(x []float64, n int) ([]float64, error) {
	z, err := p.Transform(x, n)
	if err != nil {
		return nil, err
	}
	return p.InverseTransform(z, n)
}

// Float64s returns x converted to float64.
func Float64s[T Float](x []T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
