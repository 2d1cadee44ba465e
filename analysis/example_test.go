package analysis_test

import (
	"fmt"
	"log"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
)

// Fit a PCA to 500 images of the embedded mnist-mini set and reconstruct
// them from 10 and from 50 components.
func ExampleFitPCA() {
	r, _, err := dataset.Open(dataset.MiniName, dataset.TestImages)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	const n, d = 500, 784
	x := make([]float32, n*d)
	if _, err := r.ReadFloat32(x); err != nil {
		log.Fatal(err)
	}
	p, err := analysis.FitPCA(x, n, d, 50)
	if err != nil {
		log.Fatal(err)
	}
	x64 := analysis.Float64s(x)
	for _, k := range []int{10, 50} {
		pk, err := p.Truncate(k)
		if err != nil {
			log.Fatal(err)
		}
		recon, err := pk.Reconstruct(x64, n)
		if err != nil {
			log.Fatal(err)
		}
		var explained float64
		for _, v := range pk.ExplainedVarianceRatio() {
			explained += v
		}
		fmt.Printf("k=%d: %.1f%% of the variance, reconstruction MSE %.4f\n", k, 100*explained, analysis.MSE(recon, x64))
	}
	// Output:
	// k=10: 49.4% of the variance, reconstruction MSE 0.0319
	// k=50: 84.6% of the variance, reconstruction MSE 0.0097
}

// Count a classifier's predictions against the truth.
func ExampleConfusion() {
	truth := []uint8{0, 0, 1, 1, 1, 2, 2, 2, 2}
	pred := []uint8{0, 1, 1, 1, 2, 2, 2, 2, 0}
	c, err := analysis.NewConfusion(3)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.AddAll(truth, pred); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("accuracy %.3f, balanced %.3f\n", c.Accuracy(), c.BalancedAccuracy())
	fmt.Println(c.Matrix())
	// Output:
	// accuracy 0.667, balanced 0.639
	// [[1 1 0] [0 2 1] [1 0 3]]
}
