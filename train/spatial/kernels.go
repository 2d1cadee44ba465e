package spatial

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"

	"github.com/zoo-ml/zoo/internal/openblas"
	"github.com/zoo-ml/zoo/internal/vec"
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

// img returns the size of one example on the image side, C*H*W.
func (g geom) img() int { return g.C * g.H * g.W }

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

// im2col fills col, [C*K*K, OH*OW], with the image patches of one example
// img, [C, H, W]: col[(c*K+i)*K+j][oh*OW + ow] = img[c, oh*S-P+i, ow*S-P+j],
// zero outside the image.
func im2col[T float](g geom, img, col []T) {
	pl, hw := g.plane(), g.H*g.W
	for c := 0; c < g.C; c++ {
		src := img[c*hw : (c+1)*hw]
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*pl:][:pl]
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
}

// col2im is the adjoint of im2col for one example: it sets img, [C, H, W],
// to the sum of the entries of col, [C*K*K, OH*OW], that im2col would have
// read from each position.
func col2im[T float](g geom, col, img []T) {
	pl, hw := g.plane(), g.H*g.W
	clear(img[:g.C*hw])
	for c := 0; c < g.C; c++ {
		dst := img[c*hw : (c+1)*hw]
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*pl:][:pl]
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
}

// addBias adds bias[c] to every element of channel c of t, [C, P].
func addBias[T float](p int, bias, t []T) {
	for c, b := range bias {
		s := t[c*p : (c+1)*p]
		for k := range s {
			s[k] += b
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
	parallelW(n, workers(n), func(_, i int) { f(i) })
}

// workers returns the number of goroutines parallel spreads n calls over.
func workers(n int) int { return max(1, min(n, runtime.GOMAXPROCS(0))) }

// parallelW calls f(w, i) for i in [0, n), spread over nw goroutines
// numbered w = 0 .. nw-1, each taking a contiguous range of i: a goroutine
// can use memory of its own indexed by w.
func parallelW(n, nw int, f func(w, i int)) {
	if nw <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			f(0, i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + nw - 1) / nw
	for w, lo := 0, 0; lo < n; w, lo = w+1, lo+per {
		hi := min(n, lo+per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f(w, i)
			}
		}()
	}
	wg.Wait()
}

// serialBLAS makes OpenBLAS run single-threaded, for the matrix products
// that parallel's goroutines make side by side, and returns the function
// that restores its number of threads.
func serialBLAS() func() {
	n := openblas.Threads()
	if n == 1 {
		return func() {}
	}
	openblas.SetThreads(1)
	return func() { openblas.SetThreads(n) }
}

// wide is the layout of a stride-1 convolution that im2colWide uses: the
// output positions on the padded image's grid, oh*PW + ow, so that a row of
// the column matrix is one contiguous run of the padded image. Positions
// with ow >= OW exist in that layout but belong to no output.
type wide struct {
	PH, PW int // the padded image's size, H+2P by W+2P
	L      int // columns of a column matrix: (OH-1)*PW + OW
}

// wideOf returns g's wide layout; g must have stride 1.
func wideOf(g geom) wide {
	pw := g.W + 2*g.P
	return wide{PH: g.H + 2*g.P, PW: pw, L: (g.OH-1)*pw + g.OW}
}

// im2colWide is im2col for stride 1 in the wide layout: it copies img,
// [C, H, W], into pad, [C, PH, PW], with zero borders, and fills col,
// [C*K*K, L], with col[(c*K+i)*K+j][oh*PW + ow] = pad[c, oh+i, ow+j].
func im2colWide[T float](g geom, l wide, img, pad, col []T) {
	padWide(g, l, img, pad)
	ps := l.PH * l.PW
	for c := 0; c < g.C; c++ {
		p := pad[c*ps : (c+1)*ps]
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				copy(col[((c*g.K+ki)*g.K+kj)*l.L:][:l.L], p[ki*l.PW+kj:])
			}
		}
	}
}

// padWide copies img, [C, H, W], into the first C*PH*PW values of pad,
// [C, PH, PW], with zero borders.
func padWide[T float](g geom, l wide, img, pad []T) {
	ps, hw := l.PH*l.PW, g.H*g.W
	for c := 0; c < g.C; c++ {
		p := pad[c*ps : (c+1)*ps]
		src := img[c*hw : (c+1)*hw]
		clear(p[:g.P*l.PW])
		for h := 0; h < g.H; h++ {
			line := p[(g.P+h)*l.PW : (g.P+h+1)*l.PW]
			clear(line[:g.P])
			copy(line[g.P:], src[h*g.W:(h+1)*g.W])
			clear(line[g.P+g.W:])
		}
		clear(p[(g.P+g.H)*l.PW:])
	}
}

// sum returns the sum of s in float64: vec.Sum for float32, else with four
// accumulators so that the additions do not wait on each other.
func sum[T float](s []T) float64 {
	if f, ok := any(s).([]float32); ok {
		return vec.Sum(f)
	}
	var a, b, c, d float64
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a += float64(s[i])
		b += float64(s[i+1])
		c += float64(s[i+2])
		d += float64(s[i+3])
	}
	for ; i < len(s); i++ {
		a += float64(s[i])
	}
	return (a + b) + (c + d)
}

// sqDev returns the sum of (v - mu)^2 over s, as sum does.
func sqDev[T float](s []T, mu float64) float64 {
	if f, ok := any(s).([]float32); ok {
		return vec.SqDev(f, mu)
	}
	var a, b, c, d float64
	i := 0
	for ; i+4 <= len(s); i += 4 {
		x0, x1, x2, x3 := float64(s[i])-mu, float64(s[i+1])-mu, float64(s[i+2])-mu, float64(s[i+3])-mu
		a += x0 * x0
		b += x1 * x1
		c += x2 * x2
		d += x3 * x3
	}
	for ; i < len(s); i++ {
		x := float64(s[i]) - mu
		a += x * x
	}
	return (a + b) + (c + d)
}

// sumDot returns the sums of dy and of dy*(x-mu), in float64 (vec.SumDot
// for float32).
func sumDot[T float](dy, x []T, mu float64) (a, b float64) {
	if f, ok := any(dy).([]float32); ok {
		return vec.SumDot(f, any(x).([]float32), mu)
	}
	x = x[:len(dy)]
	for j, d := range dy {
		a += float64(d)
		b += float64(d) * (float64(x[j]) - mu)
	}
	return a, b
}
