package export

import (
	"fmt"
	"math/rand/v2"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/zoo"
)

// SampleInputs returns n example inputs of m, back to back, for the test
// data of an export folder (DirOptions.Sample): the first n images of the
// embedded mnist-mini test set for models of 28x28 inputs, seeded uniform
// noise in [0, 1) otherwise, the same for the same n. mnist-mini holds
// 2,000 images.
func SampleInputs(m *zoo.Model, n int) ([]float32, error) {
	if n < 0 {
		return nil, fmt.Errorf("sample inputs of %s: %d is negative", m.Name, n)
	}
	size := zoo.Numel(m.Input)
	x := make([]float32, n*size)
	if n == 0 {
		return x, nil
	}
	if size == 28*28 {
		r, _, err := dataset.Open(dataset.MiniName, dataset.TestImages)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		got, err := r.ReadFloat32(x)
		if err != nil || got != n {
			return nil, fmt.Errorf("read %d sample images from %s: got %d: %w", n, r.Name(), got, err)
		}
		return x, nil
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	for i := range x {
		x[i] = rng.Float32()
	}
	return x, nil
}
