package analysis

import (
	"cmp"
	"fmt"
	"slices"
)

// ImageError is the reconstruction error of one image.
type ImageError struct {
	// Index is the image's position in the data, Label its label (-1 when
	// unknown) and MSE its mean squared error per value.
	Index int     `json:"index"`
	Label int     `json:"label"`
	MSE   float64 `json:"mse"`
}

// A ReconstructionEval is the evaluation of an autoencoder's
// reconstructions of a set of images.
type ReconstructionEval struct {
	// Images is the number of images and MSE the mean squared error per
	// value over all of them.
	Images int     `json:"images"`
	MSE    float64 `json:"mse"`
	// ClassCounts and ClassMSE are the number of images of each label and
	// the mean of their per-image MSE (null for a class without images);
	// empty without labels.
	ClassCounts []int      `json:"class_counts,omitempty"`
	ClassMSE    []*float64 `json:"class_mse,omitempty"`
	// Worst are the images with the largest MSE, worst first (the first
	// index on ties).
	Worst []ImageError `json:"worst"`
	// PerImage is the MSE of every image.
	PerImage []float64 `json:"-"`
}

// EvalReconstruction measures the reconstructions recon of the images x
// (both row-major, d values per image): the overall MSE, the MSE per class
// when labels (one per image) are given, and the worst images, at most
// worst of them.
func EvalReconstruction[A, B Float](x []A, recon []B, d int, labels []uint8, worst int) (*ReconstructionEval, error) {
	if d <= 0 || len(x)%d != 0 || len(x) == 0 {
		return nil, fmt.Errorf("evaluate reconstructions: %d values are not a whole number of images of %d", len(x), d)
	}
	if len(recon) != len(x) {
		return nil, fmt.Errorf("evaluate reconstructions: %d reconstructed values for %d values", len(recon), len(x))
	}
	n := len(x) / d
	if labels != nil && len(labels) != n {
		return nil, fmt.Errorf("evaluate reconstructions: %d labels for %d images", len(labels), n)
	}
	ev := &ReconstructionEval{Images: n, MSE: MSE(x, recon), PerImage: RowMSE(x, recon, d)}
	if labels != nil {
		means, counts, err := ClassMeans(ev.PerImage, labels)
		if err != nil {
			return nil, err
		}
		ev.ClassCounts, ev.ClassMSE = counts, NullNaN(means)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ev.PerImage[b], ev.PerImage[a]) })
	for _, i := range order[:min(max(worst, 0), n)] {
		e := ImageError{Index: i, Label: -1, MSE: ev.PerImage[i]}
		if labels != nil {
			e.Label = int(labels[i])
		}
		ev.Worst = append(ev.Worst, e)
	}
	return ev, nil
}
