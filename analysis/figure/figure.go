package figure

import (
	"errors"
	"fmt"
	"image/png"
	"io"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

var errTODO = errors.New("not implemented yet")

// Make makes the figure called name (one of [Names]) of models[0] (all of
// models for montage) on data d; d may be nil for the figures that need no
// data (latent-grid, sample, decode, filters, curves).
func Make(name string, models []*Model, d *Data, opt Options) (*Figure, error) {
	if name == "curves" {
		return Curves(opt)
	}
	if len(models) == 0 || models[0] == nil {
		return nil, fmt.Errorf("figure %s: no model", name)
	}
	m := models[0]
	switch name {
	case "recon":
		return Recon(m, d, opt)
	case "montage":
		return Montage(models, d, opt)
	case "latent-scatter":
		return LatentScatter(m, d, opt)
	case "latent-grid":
		return LatentGrid(m, d, opt)
	case "class-map":
		return ClassMap(m, d, opt)
	case "interpolate":
		return Interpolate(m, d, opt)
	case "latent-pca":
		return LatentPCA(m, d, opt)
	case "class-means":
		return ClassMeans(m, d, opt)
	case "sample":
		return Sample(m, d, opt)
	case "decode":
		return Decode(m, opt)
	case "filters":
		return Filters(m, opt)
	case "activations":
		return Activations(m, d, opt)
	case "noise":
		return Noise(m, d, opt)
	case "ood":
		return OOD(m, d, opt)
	}
	return nil, fmt.Errorf("no figure %q (figures: %v)", name, Names())
}

// Applicable returns the names of the figures that apply to model m with
// data d (nil for none) and the options opt, in the order of [Names]:
// class-map only with opt.Classifier, decode only with opt.Codes, curves
// only with opt.Runs, and each other one when m has the parts it runs and d
// the labels it needs.
func Applicable(m *Model, d *Data, opt Options) []string {
	var out []string
	for _, name := range Names() {
		if applies(name, m, d, opt) == nil {
			out = append(out, name)
		}
	}
	return out
}

// applies returns nil if figure name applies, or an error wrapping
// ErrNotApplicable that says why not.
func applies(name string, m *Model, d *Data, opt Options) error {
	return errTODO
}

// Recon draws originals over reconstructions (m.Whole) of the images
// opt.Index of d (default the first 64), in rows of up to 16.
func Recon(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// Montage draws one image of each class of d (chosen at random with
// opt.Seed; labels needed) in a row, and under it one row of
// reconstructions per model (each model's Whole).
func Montage(models []*Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// LatentScatter plots the codes (m.Encoder) of the images of d, coloured by
// label. Codes of more than two values are projected on their first two
// principal components, and the title and axes say so.
func LatentScatter(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// LatentGrid decodes (m.Decoder) an opt.N x opt.N grid (default 32) of
// evenly spaced 2-D codes over opt.Range and draws the images on the code
// axes. The code must have two values.
func LatentGrid(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// ClassMap decodes (m.Decoder) an opt.N x opt.N grid (default 64) of 2-D
// codes over opt.Range, classifies each image with opt.Classifier, and
// colours the code plane by class, with the codes of d (when given) on top.
func ClassMap(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// Interpolate draws, for two images x and x' of d (opt.Index[0:2]), the
// decoding of (1-a) f(x) + a f(x') for opt.N steps of a from 0 to 1 (m's
// Encoder and Decoder), over the pixel-space blend (1-a) x + a x'.
func Interpolate(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// LatentPCA fits the mean and covariance of the codes of d, takes its
// eigen-decomposition (eigenvalues l1 >= l2 >= ..., eigenvectors q1, q2,
// ...), and draws the decodings of mean + i*sqrt(l1)*q1 + j*sqrt(l2)*q2 for
// i, j = -5..5 (an 11x11 grid), and one row per each of the top 10
// components of mean + t*sqrt(lk)*qk for t = -5..5.
func LatentPCA(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// ClassMeans draws, for each class of d, the decoding of the mean code of
// its images next to its mean image.
func ClassMeans(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// Sample decodes opt.N random codes (default 64) drawn from opt.Dist,
// seeded with opt.Seed.
func Sample(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// Decode decodes the codes opt.Codes and draws each under its values.
func Decode(m *Model, opt Options) (*Figure, error) { return nil, errTODO }

// Filters draws the weights of m.First: a Linear layer's rows as images
// of the input's shape, or a convolution's kernels.
func Filters(m *Model, opt Options) (*Figure, error) { return nil, errTODO }

// Activations draws the hidden activation maps of the images opt.Index of
// d (default the first 8) as square images (1156 values as 34x34), and the
// mean activation of each unit over all of d. The hidden layer is the
// encoder's output when m has an encoder, else m.First computed in Go.
func Activations(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// Noise draws images of d with Gaussian noise of each of opt.Levels over
// their reconstructions, and the reconstructions from codes with Gaussian
// noise of each of opt.LatentLevels, with the MSE of each row in Notes.
func Noise(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// OOD draws out-of-distribution inputs (opt.Other, or uniform noise) and
// their reconstructions next to those of in-distribution images of d, with
// the mean MSE of each set in the title and Notes.
func OOD(m *Model, d *Data, opt Options) (*Figure, error) { return nil, errTODO }

// Curves plots train and validation loss per epoch, and accuracy when
// recorded, of the runs opt.Runs (metrics.csv files or run folders).
func Curves(opt Options) (*Figure, error) { return nil, errTODO }

// ReadFirstLayer reads the first Gemm or Conv node of the ONNX model at
// path, its weight and bias initializers, and the activation that follows.
func ReadFirstLayer(path string) (*Layer, error) { return nil, errTODO }

// EncodePNG writes the figure as PNG to w.
func (f *Figure) EncodePNG(w io.Writer) error {
	if err := png.Encode(w, f.Image); err != nil {
		return fmt.Errorf("encode figure %s: %w", f.Name, err)
	}
	return nil
}

// WritePNG writes the figure as PNG to path, through a temporary file in
// the same folder renamed into place. An existing path is an error unless
// force is set.
func (f *Figure) WritePNG(path string, force bool) error {
	af, err := atomicfile.Create(path, force)
	if err != nil {
		return err
	}
	defer af.Abort()
	if err := png.Encode(af, f.Image); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return af.Commit()
}
