package spatial

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"

	"github.com/zoo-ml/zoo/internal/openblas"
)

// float is the element type of the kernels: float32 for training,
// float64 for gradient checks.
type float interface{ ~float32 | ~float64 }

// geom is the geometry of a convolution between an image side, [N, C, H, W],
// and a column side, [N, O, OH, OW], with OH = (H + 2P - K)/S + 1. A Conv2d
// maps the image side to the column side; a ConvTranspose2d maps the column
// side to the image side. The weight is [O, C, K, K] in both cases, which is
// PyTorch's layout for Conv2d(C, O) and for ConvTranspose2d(O, C).
type geom struct {
	N, C, H, W int
	O, OH, OW  int
	K, S, P    int
}

// ckk returns the number of rows of a column matrix, C*K*K.
func (g geom) ckk() int { return g.C * g.K * g.K }

// plane returns the number of output positions per example, OH*OW.
func (g geom) plane() int { return g.OH * g.OW }

// cols returns the number of columns of a column matrix, N*OH*OW.
func (g geom) cols() int { return g.N * g.plane() }

// span returns the range [lo, hi) of output positions o in [0, n) whose
// input position o*s - p + k lies in [0, size).
func span(n, s, p, k, size int) (lo, hi int) {
	if d := p - k; d > 0 {
		lo = (d + s - 1) / s
	}
	last := size - 1 + p - k
	if last < 0 {
		return 0, 0
	}
	hi = min(n, last/s+1)
	return min(lo, hi), hi
}

// im2col fills col, [C*K*K, N*OH*OW], with the image patches of img,
// [N, C, H, W]: col[(c*K+i)*K+j][n*OH*OW + oh*OW + ow] = img[n, c, oh*S-P+i,
// ow*S-P+j], zero outside the image.
func im2col[T float](g geom, img, col []T) {
	L, pl, hw := g.cols(), g.plane(), g.H*g.W
	parallel(g.N, func(n int) {
		for c := 0; c < g.C; c++ {
			src := img[(n*g.C+c)*hw : (n*g.C+c+1)*hw]
			for ki := 0; ki < g.K; ki++ {
				for kj := 0; kj < g.K; kj++ {
					row := col[((c*g.K+ki)*g.K+kj)*L+n*pl:][:pl]
					lo, hi := span(g.OW, g.S, g.P, kj, g.W)
					for oh := 0; oh < g.OH; oh++ {
						dst := row[oh*g.OW : (oh+1)*g.OW]
						ih := oh*g.S - g.P + ki
						if ih < 0 || ih >= g.H {
							clear(dst)
							continue
						}
						line := src[ih*g.W : (ih+1)*g.W]
						clear(dst[:lo])
						clear(dst[hi:])
						if g.S == 1 {
							copy(dst[lo:hi], line[lo-g.P+kj:])
							continue
						}
						for ow := lo; ow < hi; ow++ {
							dst[ow] = line[ow*g.S-g.P+kj]
						}
					}
				}
			}
		}
	})
}

// col2im is the adjoint of im2col: it sets img, [N, C, H, W], to the sum of
// the entries of col that im2col would have read from each position.
func col2im[T float](g geom, col, img []T) {
	L, pl, hw := g.cols(), g.plane(), g.H*g.W
	parallel(g.N, func(n int) {
		clear(img[n*g.C*hw : (n+1)*g.C*hw])
		for c := 0; c < g.C; c++ {
			dst := img[(n*g.C+c)*hw : (n*g.C+c+1)*hw]
			for ki := 0; ki < g.K; ki++ {
				for kj := 0; kj < g.K; kj++ {
					row := col[((c*g.K+ki)*g.K+kj)*L+n*pl:][:pl]
					lo, hi := span(g.OW, g.S, g.P, kj, g.W)
					for oh := 0; oh < g.OH; oh++ {
						ih := oh*g.S - g.P + ki
						if ih < 0 || ih >= g.H {
							continue
						}
						line := dst[ih*g.W : (ih+1)*g.W]
						src := row[oh*g.OW : (oh+1)*g.OW]
						if g.S == 1 {
							line := line[lo-g.P+kj:][:hi-lo]
							for i, v := range src[lo:hi] {
								line[i] += v
							}
							continue
						}
						for ow := lo; ow < hi; ow++ {
							line[ow*g.S-g.P+kj] += src[ow]
						}
					}
				}
			}
		}
	})
}

// toCols copies t, [N, O, P], to m, [O, N*P].
func toCols[T float](n, o, p int, t, m []T) {
	for i := 0; i < n; i++ {
		for c := 0; c < o; c++ {
			copy(m[c*n*p+i*p:][:p], t[(i*o+c)*p:][:p])
		}
	}
}

// fromCols copies m, [O, N*P], to t, [N, O, P], adding bias[c] to channel
// c when bias is not nil.
func fromCols[T float](n, o, p int, m, bias, t []T) {
	for i := 0; i < n; i++ {
		for c := 0; c < o; c++ {
			dst, src := t[(i*o+c)*p:][:p], m[c*n*p+i*p:][:p]
			if bias == nil {
				copy(dst, src)
				continue
			}
			b := bias[c]
			for j, v := range src {
				dst[j] = v + b
			}
		}
	}
}

// addBias adds bias[c] to every element of channel c of t, [N, C, P].
func addBias[T float](n, c, p int, bias, t []T) {
	for i := 0; i < n; i++ {
		for j := 0; j < c; j++ {
			b := bias[j]
			s := t[(i*c+j)*p:][:p]
			for k := range s {
				s[k] += b
			}
		}
	}
}

// gemm computes c = op(a) op(b) + beta c for row-major matrices, op(a)
// m x k and op(b) k x n, with the BLAS of package openblas (OpenBLAS with
// the openblas build tag, gonum's otherwise).
func gemm[T float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	switch a := any(a).(type) {
	case []float32:
		openblas.Implementation().Sgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		openblas.Implementation().Dgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// parallel calls f(i) for i in [0, n), spread over GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		hi := min(n, lo+per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// grow returns a slice of length n, reusing *buf when it is long enough.
func grow[T float](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	return (*buf)[:n]
}
