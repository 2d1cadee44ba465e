// Package figure draws the notebooks' figures of exported models as PNG
// images: reconstruction grids, montages of several models, latent scatter
// plots, decoded latent grids and class maps, interpolations, latent PCA
// traversals, class means, samples, first-layer filters, hidden activations,
// noise and out-of-distribution reconstructions, and training curves.
//
// The package runs no engine itself: a model comes in as a [Model], whose
// parts are [Runner]s (an *infer.Session satisfies Runner) with their shapes
// given explicitly, and data as a [Data] of images held in memory. Every
// figure has a title, and labelled axes or row and column labels, and a
// legend where colours carry meaning.
//
// Each figure is made by its own function ([Recon], [Montage], ...) or by
// name with [Make]. [Specs] describes every figure: what it needs (data,
// labels, the model's parts, a classifier, runs) and the settings it reads,
// so that a command or a report can offer each one; [Applicable] lists the
// figures that apply to a model, and [Names] all of them. A figure that
// does not apply to a model (a latent grid of a 30-D code, say) fails with
// an error wrapping [ErrNotApplicable] that says why and what to use
// instead.
package figure

import (
	"errors"
	"image"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/zoo"
)

// A Runner runs a model on n examples stored one after another in x and
// returns their n outputs, one after another, in a new slice.
// *infer.Session is a Runner.
type Runner interface {
	Run(x []float32, n int) ([]float32, error)
}

// A Model is one exported model as the figures see it. Only Name and Input
// are always needed; each figure says which parts it runs.
type Model struct {
	// Name labels the model in titles and legends, such as "relu-ae-30".
	Name string
	// Task is zoo.Reconstruct or zoo.Classify, from the models' metadata.
	Task zoo.Task
	// Input is the per-example input shape: [784], [1, 28, 28] or [3, 32, 32].
	Input []int
	// Whole runs the whole model (model.onnx): a reconstruction of the
	// input, or a classifier's logits.
	Whole Runner
	// Encoder maps an input to its code (encoder.onnx); nil if absent.
	Encoder Runner
	// Decoder maps a code to an image of shape Input (decoder.onnx); nil if
	// absent.
	Decoder Runner
	// Code is the number of values of a code (the encoder's output and the
	// decoder's input); 0 when the model has neither.
	Code int
	// CodeShape is the per-example shape of the encoder's output, such as
	// [16, 3, 3] for a convolutional encoder, whose channels activations
	// draws as maps; nil when unknown or flat.
	CodeShape []int
	// Classes is the number of a classifier's outputs.
	Classes int
	// ClassNames names a classifier's classes; nil for numbers.
	ClassNames []string
	// First is the model's first weight layer, for the filters figure and
	// for activations without an encoder; nil if unknown. See [ReadFirstLayer].
	First *Layer
}

// A Layer is a model's first weight layer, read from an ONNX file's
// initializers: a Linear layer (ONNX Gemm, weight [out, in]) or a
// convolution (ONNX Conv, weight [out, in, kh, kw]), with its bias and the
// elementwise activation that follows it.
type Layer struct {
	// Name is the weight's initializer name, such as "encoder.0.weight".
	Name string
	// Op is "Gemm" or "Conv".
	Op string
	// Weight holds the weights in the shape Shape (PyTorch layout).
	Weight []float32
	Shape  []int
	// Bias holds Shape[0] values, or is nil.
	Bias []float32
	// Activation is the ONNX op that follows the layer ("Relu", "Tanh",
	// "Sigmoid"), or "" for none.
	Activation string
	// Stride and Pad are a convolution's (square) stride and padding.
	Stride, Pad int
}

// Data is a set of images in memory, with their labels when known: a
// dataset.Images, as the figures take it ((*Data)(images) converts one).
// Name labels the data in titles, such as "mnist test" or a file name; X
// holds N images of Shape ([H, W], [784], [C, H, W]) one after another,
// values in [0, 1]; Labels holds N labels or is nil, and ClassNames names
// them (nil for numbers).
type Data dataset.Images

// Options are the settings of the figures; the zero value gives each
// figure its defaults, which are those of the notebooks. Each figure reads
// the fields its [Spec] names (see [Specs]).
type Options struct {
	// Title replaces the figure's default title.
	Title string
	// Index picks images of the data by position: recon shows them
	// (default the first 64); interpolate blends the first two (default the
	// first two images with different labels); noise, ood and activations
	// show them (default the first 8).
	Index []int
	// Seed seeds montage's choice of images and the random numbers of
	// sample, noise and ood.
	Seed int64
	// Range is the interval [Range[0], Range[1]] of both code axes of
	// latent-grid and class-map (zero: the 1st to 99th percentile of the
	// data's codes, or [-1, 1] without data), of sample's uniform codes,
	// and of latent-pca's steps in standard deviations (zero: [-2, 2]).
	Range [2]float64
	// Side is the number of codes along each axis of latent-grid (default
	// 32) and class-map (default 64).
	Side int
	// Samples is the number of codes sample decodes (default 64).
	Samples int
	// Steps is the number of blends interpolate draws (default 10).
	Steps int
	// Filters is the most weight images filters draws (default 64).
	Filters int
	// Dist is sample's distribution of codes: "normal" (default: the
	// Gaussian fitted to the data's codes, or N(0, 1) without data) or
	// "uniform" (over Range).
	Dist string
	// Codes are the codes decode decodes, each of Model.Code values.
	Codes [][]float32
	// Classifier classifies the decoded images of class-map.
	Classifier *Model
	// Levels are the standard deviations of the Gaussian noise added to the
	// inputs in noise (default 0.1, 0.3, 0.5, 0.8).
	Levels []float64
	// LatentLevels are the standard deviations of the Gaussian noise added
	// to the codes in noise, as multiples of the codes' standard deviation
	// (default 0.5, 1, 2; empty, not nil, for none).
	LatentLevels []float64
	// Other is ood's out-of-distribution data; nil means uniform noise.
	Other *Data
	// Runs are the metrics.csv files (or run folders holding one) of
	// curves, each named by its folder.
	Runs []string
}

// A Figure is one rendered figure.
type Figure struct {
	// Name is the figure's name, such as "recon".
	Name string
	// Title is the title drawn on it.
	Title string
	// Image is the rendered figure.
	Image image.Image
	// Notes are facts the figure shows in words, one per line, such as the
	// MSE of each row of ood or the explained variance of a projection, for
	// a report's caption or a command's output.
	Notes []string
}

// ErrNotApplicable is wrapped by the error of a figure that does not apply
// to the model or data given, such as a latent grid of a 30-D code.
var ErrNotApplicable = errors.New("figure does not apply")
