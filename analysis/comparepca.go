package analysis

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// ReconError is the reconstruction error of one method (an autoencoder or
// PCA with K components) on a test set.
type ReconError struct {
	// K is the number of PCA components; 0 for the autoencoder.
	K int `json:"k,omitempty"`
	// ExplainedVarianceRatio is the share of the training variance the K
	// components explain (PCA only).
	ExplainedVarianceRatio float64 `json:"explained_variance_ratio,omitempty"`
	// MSE is the mean squared error per pixel over the whole test set.
	MSE float64 `json:"mse"`
	// ClassMSE is the mean of the per-image MSE over each class, indexed by
	// label; null for a class without images. Empty without labels.
	ClassMSE []*float64 `json:"class_mse,omitempty"`
	// SquaredError is the squared error summed over the pixels of each
	// chosen image (PCAComparison.Index), in order.
	SquaredError []float64 `json:"squared_error"`
	// ImageMSE is the MSE of every test image.
	ImageMSE []float64 `json:"-"`
	// Shown are the reconstructions of the chosen images, d values each.
	Shown []float32 `json:"-"`
}

// A PCAComparison compares an autoencoder's reconstructions of a test set
// with those of PCA fitted to a training set, for one or more numbers of
// components.
type PCAComparison struct {
	// FitSeconds is the time the PCA fit took.
	FitSeconds float64 `json:"pca_fit_seconds"`
	// ExplainedVariance is the variance along each of the largest K's
	// components.
	ExplainedVariance []float64 `json:"explained_variance"`
	// Autoencoder is the autoencoder's error, PCA the error of PCA for each
	// K, in increasing order of K.
	Autoencoder ReconError    `json:"-"`
	PCA         []*ReconError `json:"pca"`
	// ClassCounts is the number of test images of each class (with labels).
	ClassCounts []int `json:"class_counts,omitempty"`
	// Index are the positions of the chosen test images, IndexLabels their
	// labels (with labels).
	Index       []int `json:"index"`
	IndexLabels []int `json:"index_labels,omitempty"`
}

// PCAInput is what ComparePCA compares: n test images of d values
// (row-major), the autoencoder's reconstructions of them, the training
// images to fit PCA to, and optionally the labels of the test images.
type PCAInput struct {
	// Train holds the training images, a multiple of D values; or, for a
	// set too large for memory, TrainScan reads TrainN of them (see
	// FitPCAScan).
	Train       []float32
	TrainScan   Scan
	TrainN      int
	Test        []float32 // test images, a multiple of D values
	Autoencoder []float32 // the autoencoder's reconstructions of Test
	D           int       // values per image
	Labels      []uint8   // labels of the test images, or nil
	Ks          []int     // numbers of components, each at least 1
	Index       []int     // test images whose squared error is reported
}

// ComparePCA fits PCA with the largest of in.Ks components to the training
// images (float64, see FitPCA, or FitPCAScan with in.TrainScan),
// reconstructs the test images with each K, and measures the error of each
// reconstruction and of the autoencoder's: the mean squared error per
// pixel, its mean per class and the squared error of the chosen images.
func ComparePCA(in PCAInput) (*PCAComparison, error) {
	d := in.D
	switch {
	case d <= 0 || len(in.Train)%d != 0 || len(in.Test)%d != 0:
		return nil, fmt.Errorf("compare PCA: %d training and %d test values are not whole images of %d", len(in.Train), len(in.Test), d)
	case len(in.Autoencoder) != len(in.Test):
		return nil, fmt.Errorf("compare PCA: %d reconstructed values for %d test values", len(in.Autoencoder), len(in.Test))
	case len(in.Ks) == 0:
		return nil, fmt.Errorf("compare PCA: no number of components")
	}
	nTrain, nTest := len(in.Train)/d, len(in.Test)/d
	if in.TrainScan != nil {
		nTrain = in.TrainN
	}
	if in.Labels != nil && len(in.Labels) != nTest {
		return nil, fmt.Errorf("compare PCA: %d labels for %d test images", len(in.Labels), nTest)
	}
	for _, i := range in.Index {
		if i < 0 || i >= nTest {
			return nil, fmt.Errorf("compare PCA: image %d is not one of the %d test images", i, nTest)
		}
	}
	ks := slices.Sorted(slices.Values(in.Ks))
	ks = slices.Compact(ks)

	cmp := &PCAComparison{Index: in.Index}
	start := time.Now()
	var full *PCA
	var err error
	if in.TrainScan != nil {
		full, err = FitPCAScan(in.TrainScan, nTrain, d, ks[len(ks)-1])
	} else {
		full, err = FitPCA(in.Train, nTrain, d, ks[len(ks)-1])
	}
	if err != nil {
		return nil, err
	}
	cmp.FitSeconds = time.Since(start).Seconds()
	cmp.ExplainedVariance = full.ExplainedVariance()
	test64 := Float64s(in.Test)
	for _, k := range ks {
		p, err := full.Truncate(k)
		if err != nil {
			return nil, err
		}
		recon, err := p.Reconstruct(test64, nTest)
		if err != nil {
			return nil, err
		}
		r := &ReconError{K: k, MSE: MSE(in.Test, recon), ImageMSE: RowMSE(in.Test, recon, d)}
		for _, v := range p.ExplainedVarianceRatio() {
			r.ExplainedVarianceRatio += v
		}
		r.Shown = make([]float32, 0, len(in.Index)*d)
		for _, i := range in.Index {
			for _, v := range recon[i*d : (i+1)*d] {
				r.Shown = append(r.Shown, float32(v))
			}
		}
		cmp.PCA = append(cmp.PCA, r)
	}
	ae := &cmp.Autoencoder
	ae.MSE, ae.ImageMSE = MSE(in.Test, in.Autoencoder), RowMSE(in.Test, in.Autoencoder, d)
	ae.Shown = Rows(in.Autoencoder, in.Index, d)

	all := append([]*ReconError{ae}, cmp.PCA...)
	if in.Labels != nil {
		for _, r := range all {
			var means []float64
			if means, cmp.ClassCounts, err = ClassMeans(r.ImageMSE, in.Labels); err != nil {
				return nil, err
			}
			r.ClassMSE = NullNaN(means)
		}
	}
	for _, i := range in.Index {
		for _, r := range all {
			r.SquaredError = append(r.SquaredError, r.ImageMSE[i]*float64(d))
		}
		if in.Labels != nil {
			cmp.IndexLabels = append(cmp.IndexLabels, int(in.Labels[i]))
		}
	}
	return cmp, nil
}

// Rows returns the rows index of x (rows of d values), in that order.
func Rows[T Float](x []T, index []int, d int) []T {
	out := make([]T, 0, len(index)*d)
	for _, i := range index {
		out = append(out, x[i*d:(i+1)*d]...)
	}
	return out
}

// NullNaN returns pointers to the values of v, nil for NaN (JSON null): a
// class without images has no mean.
func NullNaN(v []float64) []*float64 {
	out := make([]*float64, len(v))
	for i := range v {
		if !math.IsNaN(v[i]) {
			out[i] = &v[i]
		}
	}
	return out
}
