package figure

import (
	"fmt"
	"strconv"
	"strings"
)

// specs is the table of figures, in the order a report shows them.
var specs = []Spec{
	{Name: "recon", Usage: "originals over their reconstructions",
		Help:    "Rows of up to 16 test images (the first 64, or --index) over their reconstructions by model.onnx.",
		Example: "zoo figure recon --model models/relu-ae-30 --data mnist --out recon.png",
		Needs:   Needs{Model: true, Data: Required, Whole: true},
		Params:  []Param{indexParam}},
	{Name: "montage", Usage: "one image per class, reconstructed by several models",
		Help:    "One test image of each class (chosen at random with --seed) in the top row, and one row of\nreconstructions per --model (repeat --model), with each model's MSE on them.",
		Example: "zoo figure montage --model models/relu-ae-30 --model models/deep-ae --data mnist --out montage.png",
		Needs:   Needs{Model: true, Several: true, Data: Required, Labels: true, Whole: true},
		Params:  []Param{seedParam}},
	{Name: "latent-scatter", Usage: "codes of the test set coloured by label",
		Help:    "The codes (encoder.onnx) of the images of --data (the first --limit), coloured by label. Codes\nof more than 2 values are projected on their first two principal components (fitted to these\ncodes); the axes give the share of the variance each explains.",
		Example: "zoo figure latent-scatter --model models/deep-ae --data mnist --out scatter.png",
		Needs:   Needs{Model: true, Data: Required, Encoder: true, Code: true},
		check:   atLeast2D("")},
	{Name: "latent-grid", Usage: "decoded grid of 2-D codes",
		Help:    "Decodes (decoder.onnx) an N x N grid of evenly spaced 2-D codes over --range on both axes\n(default: on each axis, the 1st to 99th percentile of the codes of --data, or without --data of\nthe embedded mnist-mini images, for 28x28 models; -1,1 for others) and draws it on the code\naxes. The model's code must have 2 values (others: latent-scatter, latent-pca).",
		Example: "zoo figure latent-grid --model models/deep-ae --range -1,1 --n 32 --out grid.png",
		Needs:   Needs{Model: true, Data: Optional, Decoder: true, Code2: true},
		Params:  []Param{rangeParam, nParam("grid side (default 32)", func(o *Options) *int { return &o.Side })},
		check:   imageDecoder},
	{Name: "class-map", Usage: "2-D code plane coloured by the class a classifier gives its decoding",
		Help:    "Decodes a 64x64 grid of 2-D codes (decoder.onnx) over --range (default as latent-grid's),\nclassifies each image with --classifier and colours the plane by class; with --data, the codes\nof its first 2,000 images are drawn on top, coloured by label.",
		Example: "zoo figure class-map --model models/deep-ae --classifier models/cnn --data mnist --out map.png",
		Needs:   Needs{Model: true, Data: Optional, Decoder: true, Code2: true, Classifier: true},
		Params:  []Param{rangeParam, nParam("grid side (default 64)", func(o *Options) *int { return &o.Side })}},
	{Name: "interpolate", Usage: "code-space against pixel-space blending of two images",
		Help:    "Decodes (1-a) f(x) + a f(x') for N values of a from 0 to 1 (encoder.onnx, decoder.onnx),\nabove the pixel blend (1-a) x + a x'. --index gives the two images (default: the first two\nwith different labels).",
		Example: "zoo figure interpolate --model models/relu-ae-30 --data mnist --index 3,2 --out interp.png",
		Needs:   Needs{Model: true, Data: Required, Encoder: true, Decoder: true, Code: true},
		Params:  []Param{indexParam, nParam("steps (default 10)", func(o *Options) *int { return &o.Steps })}},
	{Name: "latent-pca", Usage: "traversals of the principal directions of the codes",
		Help:    "Fits mean and covariance of the codes of --data, and decodes mean + i sqrt(l1) q1 + j sqrt(l2) q2\non an 11x11 grid of i, j evenly spaced over --range (default -2,2 standard deviations), then\none row per top-10 component k of mean + t sqrt(lk) qk (l: eigenvalues, q: eigenvectors).",
		Example: "zoo figure latent-pca --model models/relu-ae-30 --data mnist --out pca.png",
		Needs:   Needs{Model: true, Data: Required, Encoder: true, Decoder: true, Code: true},
		Params:  []Param{rangeParam},
		check:   atLeast2D("; latent-pca needs at least 2 dimensions")},
	{Name: "class-means", Usage: "decoded mean code of each class",
		Help:    "For each class of --data: its mean image over the decoding of its mean code.",
		Example: "zoo figure class-means --model models/relu-ae-30 --data mnist --out means.png",
		Needs:   Needs{Model: true, Data: Required, Labels: true, Encoder: true, Decoder: true, Code: true}},
	{Name: "sample", Usage: "decoded random codes",
		Help:    "Decodes N random codes. --dist normal draws from the Gaussian with the mean and covariance of\nthe codes of --data (without --data: of the embedded mnist-mini images for 28x28 models, else\nN(0, I)); uniform draws each value from --range.",
		Example: "zoo figure sample --model models/deep-ae --data mnist --dist normal --seed 1 --out sample.png",
		Needs:   Needs{Model: true, Data: Optional, Decoder: true, Code: true},
		Params: []Param{
			{Name: "dist", Usage: "normal or uniform", Default: "normal", set: func(opt *Options, v string) error {
				if v != "normal" && v != "uniform" {
					return &ParamError{"dist", fmt.Sprintf("%q: want normal or uniform", v)}
				}
				opt.Dist = v
				return nil
			}},
			nParam("number of samples (default 64)", func(o *Options) *int { return &o.Samples }), seedParam, rangeParam},
		check: imageDecoder},
	{Name: "decode", Usage: "decoded chosen codes",
		Help:    "Decodes the codes given with --z (decoder.onnx), such as \"12,4;2,40\" for two 2-D codes.",
		Example: "zoo figure decode --model models/deep-ae --z \"12,4;2,40\" --out decoded.png",
		Needs:   Needs{Model: true, Decoder: true, Code: true},
		Params: []Param{{Name: "z", Usage: "codes: `LIST` of comma-separated values, codes separated by ';'",
			Required: true, Example: `"12,4;2,40"`, set: parseCodes}},
		check: func(fig string, m *Model, d *Data, opt Options) error {
			if err := imageDecoder(fig, m, d, opt); err != nil {
				return err
			}
			if len(opt.Codes) == 0 {
				return notApplicable(fig, "no codes given")
			}
			return nil
		}},
	{Name: "filters", Usage: "first-layer weights as images",
		Help:    "The weights of the model's first Linear layer (one image per unit, the input's shape) or\nconvolution (one image per kernel), read from the initializers of model.onnx (or encoder.onnx),\neach scaled from its minimum (black) to its maximum (white).",
		Example: "zoo figure filters --model models/sparse-ae --out filters.png",
		Needs:   Needs{Model: true, FirstLayer: true},
		Params:  []Param{nParam("number of filters (default 64)", func(o *Options) *int { return &o.Filters })}},
	{Name: "activations", Usage: "hidden activation maps and mean activation",
		Help:    "Activation maps of the images --index (default the first 8) and the mean activation of each\nunit over --data. The hidden layer is the encoder's output (encoder.onnx; sparse-ae's 1156 units\nare drawn as 34x34); a model without an encoder (a classifier) uses its first layer, computed in\nGo from the weights in model.onnx (a convolution: its first channel).",
		Example: "zoo figure activations --model models/sparse-ae --data mnist --out act.png",
		Needs:   Needs{Model: true, Data: Required, Hidden: true},
		Params:  []Param{indexParam}},
	{Name: "noise", Usage: "reconstructions of noisy inputs and decodings of noisy codes",
		Help:    "Images with Gaussian noise of each --levels (clipped to [0, 1]) over their reconstructions,\nthen (with encoder and decoder) decodings of their codes plus Gaussian noise of each\n--latent-levels times each dimension's standard deviation; the MSE of each row against the\nclean images.",
		Example: "zoo figure noise --model models/denoise-ae --data mnist --levels 0.3,0.5,0.8 --out noise.png",
		Needs:   Needs{Model: true, Data: Required, Whole: true},
		Params: []Param{indexParam, seedParam,
			floatsParam("levels", "input noise standard deviations, `LIST`", "0.1,0.3,0.5,0.8",
				func(o *Options, v []float64) { o.Levels = v }),
			{Name: "latent-levels", Usage: "code noise in standard deviations of the codes, `LIST` (\"\" for none)", Default: "0.5,1,2",
				set: func(opt *Options, v string) error {
					if v == "" {
						opt.LatentLevels = []float64{}
						return nil
					}
					f, err := parseFloats(v)
					if err != nil {
						return &ParamError{"latent-levels", fmt.Sprintf("%q: %v", v, err)}
					}
					opt.LatentLevels = f
					return nil
				}}}},
	{Name: "ood", Usage: "reconstructions of out-of-distribution inputs",
		Help:    "Reconstructions of in-distribution images (--data) over those of --other (such as\nFashion-MNIST through an MNIST model) or of uniform noise, with the MSE of each whole set.",
		Example: "zoo figure ood --model models/relu-ae-30 --data mnist --other fashion-mnist --out ood.png",
		Needs:   Needs{Model: true, Data: Required, Whole: true, Other: true},
		Params:  []Param{indexParam, seedParam}},
	{Name: "sweep", Usage: "validation curves of runs overlaid, and their best metric against each swept value",
		Help:    "Compares runs (run folders, sweep folders of zoo sweep, or folders holding them, as zoo runs\ncompare reads them): the validation loss (accuracy, for classifiers) per epoch of every run, one\ncolour per variant, dashed where a run did not finish; then, for each recipe key or model that\ndiffers, the best validation metric against its values, the mean over seeds with error bars of\none standard deviation.",
		Example: "zoo figure sweep --run runs/shallow-ae/sweep-model --out sweep.png",
		Needs:   Needs{Runs: true}},
	{Name: "curves", Usage: "train and validation loss (and accuracy) per epoch of runs",
		Help:    "Train (solid) and validation (dashed) loss per epoch of each --run, one colour per run, and\ntheir accuracy beside it for classifiers; runs as written by zoo train.",
		Example: "zoo figure curves --run runs/relu-ae-30/20261123-101500 --run runs/deep-ae/20261123-120000 --out curves.png",
		Needs:   Needs{Runs: true}},
}

// The params the figures share.
var (
	indexParam = Param{Name: "index", Kind: Index, Usage: "images to show: `LIST` of positions and ranges, such as 0-7 or 3,9,12"}
	seedParam  = Param{Name: "seed", Kind: Int64, Usage: "random seed", set: func(opt *Options, v string) error {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return &ParamError{"seed", fmt.Sprintf("%q is not a number", v)}
		}
		opt.Seed = s
		return nil
	}}
	rangeParam = Param{Name: "range", Usage: "code interval `LO,HI` of both axes", set: func(opt *Options, v string) error {
		if v == "" {
			return nil
		}
		r, err := parseFloats(v)
		if err != nil || len(r) != 2 || !(r[1] > r[0]) {
			return &ParamError{"range", fmt.Sprintf("%q: want LO,HI with LO < HI, such as -1,1", v)}
		}
		opt.Range = [2]float64{r[0], r[1]}
		return nil
	}}
)

// nParam is the param "n" of a figure: a positive count stored in the
// field of opt that field returns.
func nParam(usage string, field func(opt *Options) *int) Param {
	return Param{Name: "n", Kind: Int, Usage: usage, set: func(opt *Options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return &ParamError{"n", fmt.Sprintf("%s must be positive", v)}
		}
		*field(opt) = n
		return nil
	}}
}

// floatsParam is a param holding a list of numbers, stored by put.
func floatsParam(name, usage, def string, put func(opt *Options, v []float64)) Param {
	return Param{Name: name, Usage: usage, Default: def, set: func(opt *Options, v string) error {
		f, err := parseFloats(v)
		if err != nil {
			return &ParamError{name, fmt.Sprintf("%q: %v", v, err)}
		}
		put(opt, f)
		return nil
	}}
}

// parseFloats parses a comma-separated list of numbers.
func parseFloats(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", strings.TrimSpace(f))
		}
		out = append(out, v)
	}
	return out, nil
}

// parseCodes parses codes written as comma-separated values, codes
// separated by ';'.
func parseCodes(opt *Options, z string) error {
	opt.Codes = nil
	for code := range strings.SplitSeq(z, ";") {
		v, err := parseFloats(code)
		if err != nil {
			return &ParamError{"z", fmt.Sprintf("%q: code %q: %v", z, code, err)}
		}
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		opt.Codes = append(opt.Codes, f)
	}
	return nil
}

// atLeast2D is the check of the figures that take codes of two or more
// values.
func atLeast2D(msg string) func(fig string, m *Model, d *Data, opt Options) error {
	return func(fig string, m *Model, d *Data, opt Options) error {
		if m.Code < 2 {
			return notApplicable(fig, "model %s has a 1-D code%s", m.name(), msg)
		}
		return nil
	}
}

// imageDecoder is the check of the figures that draw decoded images
// without data: the model's input is an image.
func imageDecoder(fig string, m *Model, d *Data, opt Options) error {
	_, _, _, err := m.dims(fig)
	return err
}
