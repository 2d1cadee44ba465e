package train

import (
	"math/rand/v2"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/zoo"
)

// The deterministic helpers of the loop: each is a function of the
// recipe's seed and the position in the run (epoch, batch) only, so that a
// resumed run draws exactly what a run never interrupted draws.

// permutation returns the order of the training examples in epoch e (from
// 1): a function of the seed and the epoch only, so a resumed run sees the
// same order.
func (t *trainer) permutation(e int) []int {
	n := t.train.N
	if !t.r.Shuffle {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	return rand.New(rand.NewPCG(uint64(t.r.Seed), uint64(e))).Perm(n)
}

// noiseRNG returns the generator of the input noise of one batch.
func (t *trainer) noiseRNG(e, b int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(t.r.Seed)^0x6e6f697365, uint64(e)<<32|uint64(b))) // "noise"
}

// dropoutSeed returns the seed of the dropout masks of batch b of epoch e:
// a function of the recipe's seed, e and b only, so a resumed run drops
// the same units.
func (t *trainer) dropoutSeed(e, b int) uint64 {
	z := uint64(t.r.Seed) ^ 0x64726f706f7574 // "dropout"
	z += uint64(e)<<32 | uint64(b)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9 // splitmix64 finaliser
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// addNoise corrupts the input x: Gaussian noise of standard deviation
// level, or salt-and-pepper setting a fraction level of the values to 0 or 1.
func addNoise(x []float32, n zoo.Noise, rng *rand.Rand) {
	switch n.Kind {
	case zoo.Gaussian:
		for i := range x {
			x[i] += float32(rng.NormFloat64() * n.Level)
		}
	case zoo.SaltAndPepper:
		for i := range x {
			if rng.Float64() < n.Level {
				x[i] = float32(rng.IntN(2))
			}
		}
	}
}

// oneHot writes the one-hot targets of the examples of a batch, whose
// labels are labels.
func oneHot(tgt []float32, labels []uint8, classes int) {
	clear(tgt)
	for i, l := range labels {
		tgt[i*classes+int(l)] = 1
	}
}

// countCorrect counts the examples of a batch whose largest logit (the
// first, on ties) is at their label.
func countCorrect(logits []float32, labels []uint8, classes int) int {
	n := 0
	for i, l := range labels {
		if analysis.Argmax(logits[i*classes:(i+1)*classes]) == int(l) {
			n++
		}
	}
	return n
}

// copyWeights returns a deep copy of w.
func copyWeights(w zoo.Weights) zoo.Weights {
	c := zoo.Weights{}
	for k, v := range w {
		c[k] = &zoo.Tensor{Shape: append([]int(nil), v.Shape...), Data: append([]float32(nil), v.Data...)}
	}
	return c
}
