//go:build unix

package train

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/optim"
	"github.com/zoo-ml/zoo/zoo"
)

// BenchmarkTrainStep times a training step of every registry model at its
// recipe's batch size: a forward and backward run of the training-mode
// graph and the recipe's optimizer step. Besides the wall time it reports
// cpu-ms/op, the CPU time the process spent per step over all its
// threads, which other processes on a shared machine do not inflate, and
// img/s. Run one model with -bench 'TrainStep/cnn$'.
func BenchmarkTrainStep(b *testing.B) {
	for _, m := range zoo.All() {
		b.Run(m.Name, func(b *testing.B) { benchmarkStep(b, m.Name, m.Recipe.BatchSize) })
	}
}

// benchmarkStep times one training step of a registry model.
func benchmarkStep(b *testing.B, name string, batch int) {
	m, err := zoo.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	w := m.InitWeights(0)
	n, err := NewNet(m, w, Config{Batch: batch, Loss: m.Recipe.Loss, Sparsity: m.Recipe.Sparsity, SparsityOn: m.Recipe.SparsityOn, Grad: true, Training: true})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	var names []string
	var sizes []int
	var params [][]float32
	for _, p := range m.Trainable() {
		names, sizes, params = append(names, p.Name), append(sizes, p.Size()), append(params, w[p.Name].Data)
	}
	opt, err := optim.New(m.Recipe, names, sizes)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range n.Input() {
		n.Input()[i] = rng.Float32()
	}
	if m.Task == zoo.Classify {
		k := len(n.Target()) / batch
		for i := 0; i < batch; i++ {
			n.Target()[i*k+rng.IntN(k)] = 1
		}
	} else {
		copy(n.Target(), n.Input())
	}
	step := func() {
		if _, _, err := n.Run(); err != nil {
			b.Fatal(err)
		}
		g, err := n.Grads()
		if err != nil {
			b.Fatal(err)
		}
		if err := opt.Step(params, g); err != nil {
			b.Fatal(err)
		}
	}
	step() // the first run allocates the graph's values
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
}

// processCPU returns the CPU time the process has used, in all its threads.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
