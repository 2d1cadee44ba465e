//go:build cgo && openblas

package openblas

/*
#cgo LDFLAGS: -lopenblas
// The CBLAS prototypes, declared here rather than through cblas.h, whose
// location differs between BLAS packages. Enums are ints in the C ABI.
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
void cblas_dgemm(int order, int transA, int transB, int m, int n, int k,
	double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc);
char *openblas_get_config(void);
char *openblas_get_corename(void);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);

*/
import "C"

import (
	"os"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

const (
	rowMajor = 101
	noTrans  = 111
	trans    = 112
)

var (
	impl BLAS = cblas{}
	name      = describe()
)

// describe returns the Name of the library.
func describe() string {
	kernel := C.GoString(C.openblas_get_corename())
	if d := os.Getenv(detectedEnv); d != "" && os.Getenv(CoreTypeEnv) != "" {
		kernel += ", chosen by zoo: OpenBLAS detected " + d + " on this CPU"
	}
	return "openblas (" + C.GoString(C.openblas_get_config()) + "; kernel " + kernel + ")"
}

// Relaunch says whether the running program should start again, in place,
// so that OpenBLAS runs the kernel KernelFor chooses for this CPU, and the
// environment to start it with: the process's, with OPENBLAS_CORETYPE set
// to that kernel and ZOO_OPENBLAS_DETECTED to the one OpenBLAS detected
// (which Name then reports). OpenBLAS reads OPENBLAS_CORETYPE only when it
// loads, before any Go code runs, and changing its kernel later races
// with the threads it starts then; a new start of the program is the one
// safe way. It says no once the program has been started again that way.
func Relaunch() ([]string, bool) {
	if os.Getenv(detectedEnv) != "" {
		return nil, false
	}
	detected := C.GoString(C.openblas_get_corename())
	_, pinned := os.LookupEnv(CoreTypeEnv)
	want := KernelFor(detected, pinned, Features{
		AVX2:       cpu.X86.HasAVX2 && cpu.X86.HasFMA,
		AVX512:     cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512CD,
		AVX512BF16: cpu.X86.HasAVX512BF16,
	})
	if want == "" {
		return nil, false
	}
	return append(os.Environ(), CoreTypeEnv+"="+want, detectedEnv+"="+detected), true
}

// cblas is gonum's BLAS with OpenBLAS's matrix products.
type cblas struct{ gonum.Implementation }

func op(t blas.Transpose) C.int {
	if t == blas.NoTrans {
		return noTrans
	}
	return trans
}

// Sgemm computes c = alpha op(a) op(b) + beta c for row-major matrices,
// with gonum's argument checks and OpenBLAS's kernel.
func (c cblas) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
	if m == 0 || n == 0 || k == 0 || len(a) == 0 || len(b) == 0 {
		// Nothing of a or b is read: gonum handles the checks and the scaling of c.
		c.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc)
		return
	}
	checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(cm), ldc)
	C.cblas_sgemm(rowMajor, op(tA), op(tB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(&a[0]), C.int(lda), (*C.float)(&b[0]), C.int(ldb), C.float(beta), (*C.float)(&cm[0]), C.int(ldc))
}

// Dgemm is Sgemm in float64.
func (c cblas) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, cm []float64, ldc int) {
	if m == 0 || n == 0 || k == 0 || len(a) == 0 || len(b) == 0 {
		c.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc)
		return
	}
	checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(cm), ldc)
	C.cblas_dgemm(rowMajor, op(tA), op(tB), C.int(m), C.int(n), C.int(k), C.double(alpha),
		(*C.double)(&a[0]), C.int(lda), (*C.double)(&b[0]), C.int(ldb), C.double(beta), (*C.double)(&cm[0]), C.int(ldc))
}

// checkGemm panics, as gonum does, when the slices are too short for the
// sizes: C must never read or write past a Go slice.
func checkGemm(tA, tB blas.Transpose, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	rowA, colA := m, k
	if tA != blas.NoTrans {
		rowA, colA = k, m
	}
	rowB, colB := k, n
	if tB != blas.NoTrans {
		rowB, colB = n, k
	}
	switch {
	case m < 0 || n < 0 || k < 0:
		panic("openblas: negative dimension")
	case lda < max(1, colA) || ldb < max(1, colB) || ldc < max(1, n):
		panic("openblas: bad leading dimension")
	case la < lda*(rowA-1)+colA:
		panic("openblas: a is too short")
	case lb < ldb*(rowB-1)+colB:
		panic("openblas: b is too short")
	case lc < ldc*(m-1)+n:
		panic("openblas: c is too short")
	}
}

// SetThreads sets the number of threads OpenBLAS's routines use, at least 1.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(max(n, 1))) }

// Threads returns the number of threads OpenBLAS's routines use.
func Threads() int { return int(C.openblas_get_num_threads()) }
