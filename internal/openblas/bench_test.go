package openblas

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
)

// BenchmarkSgemm times single-threaded OpenBLAS (or gonum) sgemm on the
// shapes of cnn's convolutions: M = 16 output channels, per example and
// batched over 8 examples; GFLOPS are reported per core.
func BenchmarkSgemm(b *testing.B) {
	n := Threads()
	SetThreads(1)
	defer SetThreads(n)
	for _, c := range []struct {
		name    string
		tB      bool
		m, n, k int
	}{
		{"conv1-fwd", false, 16, 892, 25},
		{"conv2-fwd", false, 16, 248, 400},
		{"conv2-fwd-x8", false, 16, 8 * 248, 400},
		{"conv2-fwdT", false, 248, 16, 400},
		{"conv2-wgrad", true, 16, 400, 248},
		{"conv2-wgrad-x8", true, 16, 400, 8 * 248},
		{"conv2-wgradT", true, 400, 16, 248},
		{"conv1-wgrad", true, 16, 25, 892},
		{"conv1-wgrad-x8", true, 16, 25, 8 * 892},
		{"conv1-wgradT", true, 25, 16, 892},
	} {
		b.Run(c.name, func(b *testing.B) {
			a := make([]float32, c.m*c.k)
			bm := make([]float32, c.k*c.n)
			cm := make([]float32, c.m*c.n)
			for i := range a {
				a[i] = float32(i%7) - 3
			}
			for i := range bm {
				bm[i] = float32(i%5) - 2
			}
			ldb, tb := c.n, blas.NoTrans
			if c.tB {
				ldb, tb = c.k, blas.Trans
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Implementation().Sgemm(blas.NoTrans, tb, c.m, c.n, c.k, 1, a, c.k, bm, ldb, 1, cm, c.n)
			}
			cpu := (threadCPU() - t0).Seconds()
			b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
			b.ReportMetric(2*float64(c.m*c.n*c.k)*float64(b.N)/cpu/1e9, "GFLOPS")
		})
	}
}

// threadCPU returns the CPU time of the calling OS thread, which does not
// count the time other processes take the core: the benchmark's figures
// hold on a shared machine.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // RUSAGE_THREAD
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
