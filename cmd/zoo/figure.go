package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// figureSpec describes one zoo figure subcommand.
type figureSpec struct {
	name, usage, help, example string
	data                       string // "need", "labels", "optional" or "" (none)
	model                      bool   // takes --model
	flags                      []cli.Flag
}

// defaultLimit is how many images of --data the figures read by default.
const defaultLimit = 10000

func figureSpecs() []figureSpec {
	index := &cli.StringFlag{Name: "index", Usage: "images to show: `LIST` of positions and ranges, such as 0-7 or 3,9,12"}
	seed := &cli.Int64Flag{Name: "seed", Usage: "random seed"}
	rng := &cli.StringFlag{Name: "range", Usage: "code interval `LO,HI` of both axes"}
	n := func(usage string) cli.Flag { return &cli.IntFlag{Name: "n", Usage: usage} }
	return []figureSpec{
		{name: "recon", usage: "originals over their reconstructions", data: "need", model: true, flags: []cli.Flag{index},
			help:    "Rows of up to 16 test images (the first 64, or --index) over their reconstructions by model.onnx.",
			example: "zoo figure recon --model models/relu-ae-30 --data mnist --out recon.png"},
		{name: "montage", usage: "one image per class, reconstructed by several models", data: "labels", model: true, flags: []cli.Flag{seed},
			help:    "One test image of each class (chosen at random with --seed) in the top row, and one row of\nreconstructions per --model (repeat --model), with each model's MSE on them.",
			example: "zoo figure montage --model models/relu-ae-30 --model models/deep-ae --data mnist --out montage.png"},
		{name: "latent-scatter", usage: "codes of the test set coloured by label", data: "need", model: true,
			help:    "The codes (encoder.onnx) of the images of --data (the first --limit), coloured by label. Codes\nof more than 2 values are projected on their first two principal components (fitted to these\ncodes); the axes give the share of the variance each explains.",
			example: "zoo figure latent-scatter --model models/deep-ae --data mnist --out scatter.png"},
		{name: "latent-grid", usage: "decoded grid of 2-D codes", data: "optional", model: true, flags: []cli.Flag{rng, n("grid side (default 32)")},
			help:    "Decodes (decoder.onnx) an N x N grid of evenly spaced 2-D codes over --range (default -1,1,\nor, with --data, the 1st to 99th percentile of the codes of those images) and draws it on the\ncode axes. The model's code must have 2 values (others: latent-scatter, latent-pca).",
			example: "zoo figure latent-grid --model models/deep-ae --range -1,1 --n 32 --out grid.png"},
		{name: "class-map", usage: "2-D code plane coloured by the class a classifier gives its decoding", data: "optional", model: true,
			flags:   []cli.Flag{&cli.StringFlag{Name: "classifier", Usage: "classifier: export `DIR` (model.onnx) or .onnx file"}, rng, n("grid side (default 64)")},
			help:    "Decodes a 64x64 grid of 2-D codes (decoder.onnx) over --range, classifies each image with\n--classifier and colours the plane by class; with --data, the codes of its first 2,000 images\nare drawn on top, coloured by label.",
			example: "zoo figure class-map --model models/deep-ae --classifier models/cnn --data mnist --out map.png"},
		{name: "interpolate", usage: "code-space against pixel-space blending of two images", data: "need", model: true, flags: []cli.Flag{index, n("steps (default 10)")},
			help:    "Decodes (1-a) f(x) + a f(x') for N values of a from 0 to 1 (encoder.onnx, decoder.onnx),\nabove the pixel blend (1-a) x + a x'. --index gives the two images (default: the first two\nwith different labels).",
			example: "zoo figure interpolate --model models/relu-ae-30 --data mnist --index 3,2 --out interp.png"},
		{name: "latent-pca", usage: "traversals of the principal directions of the codes", data: "need", model: true, flags: []cli.Flag{rng},
			help:    "Fits mean and covariance of the codes of --data, and decodes mean + i sqrt(l1) q1 + j sqrt(l2) q2\non an 11x11 grid of i, j evenly spaced over --range (default -2,2 standard deviations), then\none row per top-10 component k of mean + t sqrt(lk) qk (l: eigenvalues, q: eigenvectors).",
			example: "zoo figure latent-pca --model models/relu-ae-30 --data mnist --out pca.png"},
		{name: "class-means", usage: "decoded mean code of each class", data: "labels", model: true,
			help:    "For each class of --data: its mean image over the decoding of its mean code.",
			example: "zoo figure class-means --model models/relu-ae-30 --data mnist --out means.png"},
		{name: "sample", usage: "decoded random codes", data: "optional", model: true,
			flags:   []cli.Flag{&cli.StringFlag{Name: "dist", Usage: "normal or uniform", Value: "normal"}, n("number of samples (default 64)"), seed, rng},
			help:    "Decodes N random codes. --dist normal draws from the Gaussian with the mean and covariance of\nthe codes of --data (N(0, I) without --data); uniform draws each value from --range.",
			example: "zoo figure sample --model models/deep-ae --data mnist --dist normal --seed 1 --out sample.png"},
		{name: "decode", usage: "decoded chosen codes", model: true,
			flags:   []cli.Flag{&cli.StringFlag{Name: "z", Usage: "codes: `LIST` of comma-separated values, codes separated by ';'"}},
			help:    "Decodes the codes given with --z (decoder.onnx), such as \"12,4;2,40\" for two 2-D codes.",
			example: "zoo figure decode --model models/deep-ae --z \"12,4;2,40\" --out decoded.png"},
		{name: "filters", usage: "first-layer weights as images", model: true, flags: []cli.Flag{n("number of filters (default 64)")},
			help:    "The weights of the model's first Linear layer (one image per unit, the input's shape) or\nconvolution (one image per kernel), read from the initializers of model.onnx (or encoder.onnx),\neach scaled from its minimum (black) to its maximum (white).",
			example: "zoo figure filters --model models/sparse-ae --out filters.png"},
		{name: "activations", usage: "hidden activation maps and mean activation", data: "need", model: true, flags: []cli.Flag{index},
			help:    "Activation maps of the images --index (default the first 8) and the mean activation of each\nunit over --data. The hidden layer is the encoder's output (encoder.onnx; sparse-ae's 1156 units\nare drawn as 34x34); a model without an encoder (a classifier) uses its first layer, computed in\nGo from the weights in model.onnx (a convolution: its first channel).",
			example: "zoo figure activations --model models/sparse-ae --data mnist --out act.png"},
		{name: "noise", usage: "reconstructions of noisy inputs and decodings of noisy codes", data: "need", model: true,
			flags: []cli.Flag{index, seed,
				&cli.StringFlag{Name: "levels", Usage: "input noise standard deviations, `LIST`", Value: "0.1,0.3,0.5,0.8"},
				&cli.StringFlag{Name: "latent-levels", Usage: "code noise in standard deviations of the codes, `LIST` (\"\" for none)", Value: "0.5,1,2"}},
			help:    "Images with Gaussian noise of each --levels (clipped to [0, 1]) over their reconstructions,\nthen (with encoder and decoder) decodings of their codes plus Gaussian noise of each\n--latent-levels times each dimension's standard deviation; the MSE of each row against the\nclean images.",
			example: "zoo figure noise --model models/denoise-ae --data mnist --levels 0.3,0.5,0.8 --out noise.png"},
		{name: "ood", usage: "reconstructions of out-of-distribution inputs", data: "need", model: true, flags: []cli.Flag{index, seed,
			&cli.StringFlag{Name: "other", Usage: "out-of-distribution images: IDX `FILE` or data set name; default uniform noise"}},
			help:    "Reconstructions of in-distribution images (--data) over those of --other (such as\nFashion-MNIST through an MNIST model) or of uniform noise, with the MSE of each whole set.",
			example: "zoo figure ood --model models/relu-ae-30 --data mnist --other fashion-mnist --out ood.png"},
		{name: "curves", usage: "train and validation loss (and accuracy) per epoch of runs",
			flags:   []cli.Flag{&cli.StringSliceFlag{Name: "run", Usage: "run `DIR` or its metrics.csv (repeat for several)"}},
			help:    "Train (solid) and validation (dashed) loss per epoch of each --run, one colour per run, and\ntheir accuracy beside it for classifiers; runs as written by zoo train.",
			example: "zoo figure curves --run runs/relu-ae-30/20261123-101500 --run runs/deep-ae/20261123-120000 --out curves.png"},
	}
}

func figureCommand() *cli.Command {
	var subs []*cli.Command
	var list strings.Builder
	for _, s := range figureSpecs() {
		s := s
		flags := []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the figure to `FILE.png`"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing output file"},
			&cli.StringFlag{Name: "title", Usage: "replace the figure's title"},
		}
		if s.model {
			usage := "model: export `DIR` (model.onnx, encoder.onnx, decoder.onnx) or one .onnx file"
			if s.name == "montage" {
				usage += " (repeat for several)"
			}
			flags = append(flags, &cli.StringSliceFlag{Name: "model", Aliases: []string{"m"}, Usage: usage},
				&cli.StringFlag{Name: "device", Usage: "cpu, cuda, cuda:N or auto", Value: "cpu"},
				&cli.IntFlag{Name: "threads", Usage: "onnxruntime intra-op threads (0: one per physical core)"})
		}
		if s.data != "" {
			flags = append(flags,
				&cli.StringFlag{Name: "data", Usage: "images: IDX `FILE`, CIFAR-10 file, or data set name (test split; :train for the training one)", Value: "mnist"},
				&cli.StringFlag{Name: "labels", Usage: "labels of --data, IDX `FILE` (default: the data set's)"},
				&cli.IntFlag{Name: "limit", Usage: "read at most `N` images of --data (0: all)", Value: defaultLimit})
		}
		flags = append(flags, s.flags...)
		subs = append(subs, &cli.Command{
			Name:        s.name,
			Usage:       s.usage,
			Description: s.help + "\n\nExample:\n   " + s.example,
			Flags:       flags,
			Action:      func(c *cli.Context) error { return runFigure(c, s) },
		})
		fmt.Fprintf(&list, "   %-15s %s\n", s.name, s.usage)
	}
	return &cli.Command{
		Name:  "figure",
		Usage: "draw one of the notebooks' figures of exported models to a PNG file",
		Description: `zoo figure NAME --model DIR --data DATA --out FILE.png draws one figure, with a title, labelled
axes or rows and columns, and a legend where colours mean classes. Models are export folders
(zoo export): model.onnx runs reconstructions, encoder.onnx and decoder.onnx the code figures.
The PNG is written to a temporary file and renamed when complete; an existing file is replaced
only with --force. zoo figure NAME --help gives each figure's flags.

Figures:
` + list.String() + `
Example:
   zoo figure recon --model models/relu-ae-30 --data mnist --out recon.png
   zoo figure latent-grid --model models/deep-ae --range -1,1 --n 32 --out grid.png`,
		Subcommands: subs,
	}
}

func runFigure(c *cli.Context, s figureSpec) error {
	if _, err := args(c, 0, 0); err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		return usagef("figure %s: --out FILE.png is required", s.name)
	}
	opt, err := figureOptions(c, s)
	if err != nil {
		return err
	}
	// Claim the output first, so that an existing file stops the run
	// before any work.
	f, err := atomicfile.Create(out, c.Bool("force"))
	if err != nil {
		return err
	}
	defer f.Abort()

	var models []*figure.Model
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	if s.model {
		paths := c.StringSlice("model")
		if len(paths) == 0 {
			return usagef("figure %s: --model is required (an export folder or an .onnx file)", s.name)
		}
		if len(paths) > 1 && s.name != "montage" {
			return usagef("figure %s: one --model, not %d (montage takes several)", s.name, len(paths))
		}
		dev, err := infer.ParseDevice(c.String("device"))
		if err != nil {
			return usageError{err}
		}
		iopt := infer.Options{Device: dev, Threads: c.Int("threads"), Warn: os.Stderr}
		first := s.name == "filters" || s.name == "activations"
		for _, p := range paths {
			m, cl, err := openFigureModel(p, iopt, first)
			closers = append(closers, cl...)
			if err != nil {
				return err
			}
			models = append(models, m)
		}
		if s.name == "class-map" {
			p := c.String("classifier")
			if p == "" {
				return usagef("figure class-map: --classifier is required (an export folder or .onnx file of a classifier)")
			}
			m, cl, err := openFigureModel(p, iopt, false)
			closers = append(closers, cl...)
			if err != nil {
				return err
			}
			opt.Classifier = m
		}
	}
	var d *figure.Data
	if s.data == "need" || s.data == "labels" || (s.data == "optional" && c.IsSet("data")) {
		if d, err = loadFigureData(c.String("data"), c.String("labels"), c.Int("limit"), s.data == "labels"); err != nil {
			return err
		}
		if opt.Index, err = figureIndex(c.String("index"), d.N); err != nil {
			return usageError{err}
		}
	}
	if s.name == "ood" && c.String("other") != "" {
		if opt.Other, err = loadFigureData(c.String("other"), "", c.Int("limit"), false); err != nil {
			return err
		}
	}
	fig, err := figure.Make(s.name, models, d, opt)
	if err != nil {
		return err
	}
	if err := fig.EncodePNG(f); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := f.Commit(); err != nil {
		return err
	}
	for _, n := range fig.Notes {
		fmt.Println(n)
	}
	b := fig.Image.Bounds()
	fmt.Printf("wrote %s (%dx%d): %s\n", out, b.Dx(), b.Dy(), fig.Title)
	return nil
}

// figureOptions reads the figure flags of c into options.
func figureOptions(c *cli.Context, s figureSpec) (figure.Options, error) {
	opt := figure.Options{Title: c.String("title")}
	has := func(name string) bool {
		for _, f := range c.Command.Flags {
			if slices.Contains(f.Names(), name) {
				return true
			}
		}
		return false
	}
	if has("seed") {
		opt.Seed = c.Int64("seed")
	}
	if has("n") {
		opt.N = c.Int("n")
		if c.IsSet("n") && opt.N <= 0 {
			return opt, usagef("--n %d must be positive", opt.N)
		}
	}
	if has("range") && c.String("range") != "" {
		v, err := parseFloats(c.String("range"))
		if err != nil || len(v) != 2 || !(v[1] > v[0]) {
			return opt, usagef("--range %q: want LO,HI with LO < HI, such as -1,1", c.String("range"))
		}
		opt.Range = [2]float64{v[0], v[1]}
	}
	if has("dist") {
		opt.Dist = c.String("dist")
		if opt.Dist != "normal" && opt.Dist != "uniform" {
			return opt, usagef("--dist %q: want normal or uniform", opt.Dist)
		}
	}
	if s.name == "decode" {
		z := c.String("z")
		if z == "" {
			return opt, usagef("figure decode: --z is required, such as --z \"12,4;2,40\"")
		}
		for code := range strings.SplitSeq(z, ";") {
			v, err := parseFloats(code)
			if err != nil {
				return opt, usagef("--z %q: code %q: %v", z, code, err)
			}
			f := make([]float32, len(v))
			for i, x := range v {
				f[i] = float32(x)
			}
			opt.Codes = append(opt.Codes, f)
		}
	}
	if s.name == "noise" {
		var err error
		if opt.Levels, err = parseFloats(c.String("levels")); err != nil {
			return opt, usagef("--levels %q: %v", c.String("levels"), err)
		}
		opt.LatentLevels = []float64{}
		if c.String("latent-levels") != "" {
			if opt.LatentLevels, err = parseFloats(c.String("latent-levels")); err != nil {
				return opt, usagef("--latent-levels %q: %v", c.String("latent-levels"), err)
			}
		}
	}
	if s.name == "curves" {
		opt.Runs = c.StringSlice("run")
		if len(opt.Runs) == 0 {
			return opt, usagef("figure curves: --run is required (a run folder or its metrics.csv)")
		}
	}
	return opt, nil
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

// figureIndex parses --index (positions and ranges below n); "" is nil.
func figureIndex(s string, n int) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	return parseIndex(s, n)
}

// openFigureModel opens a model for the figures: an export folder (its
// model.onnx, encoder.onnx and decoder.onnx, those that exist) or one .onnx
// file, placed by its task (see infer.OpenFolder). With first, it also
// reads the first layer's weights. The closers close what it opened.
func openFigureModel(path string, opt infer.Options, first bool) (*figure.Model, []io.Closer, error) {
	f, err := infer.OpenFolder(path, opt)
	if err != nil {
		return nil, nil, err
	}
	m := &figure.Model{Name: f.Name, Task: f.Task, Input: f.InputShape(), Code: f.CodeLen()}
	if f.Whole != nil {
		m.Whole = f.Whole
		if f.Task == zoo.Classify {
			m.Classes, m.ClassNames = f.Whole.Classes(), f.Whole.ClassNames()
		}
	}
	if f.Encoder != nil {
		m.Encoder = f.Encoder
	}
	if f.Decoder != nil {
		m.Decoder = f.Decoder
	}
	if first {
		// The whole model's file, else the encoder's, else a single file.
		p := f.Path
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			p = ""
			for _, s := range []*infer.Session{f.Encoder, f.Whole} {
				if s != nil {
					p = s.Path()
				}
			}
		}
		if p != "" {
			if m.First, err = figure.ReadFirstLayer(p); err != nil {
				return nil, []io.Closer{f}, err
			}
		}
	}
	return m, []io.Closer{f}, nil
}

// loadFigureData reads up to limit images (0: all) of arg, a file or a
// data set name, and their labels (from labels, the data set or the CIFAR
// file) when found; needLabels makes missing labels an error.
func loadFigureData(arg, labels string, limit int, needLabels bool) (*figure.Data, error) {
	ref, err := dataset.Resolve(arg, dataset.TestImages)
	if errors.As(err, new(*dataset.SplitError)) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, err
	}
	r, ref, err := ref.OpenOrMini(dataNotice)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	d, err := dataset.ReadImages(r, limit)
	if err != nil {
		return nil, err
	}
	d.Name, d.ClassNames = ref.Name(), ref.ClassNames()
	lr, err := ref.OpenLabels(labels, dataNotice)
	if err != nil {
		return nil, err
	}
	if lr == nil {
		if needLabels {
			return nil, fmt.Errorf("%s: this figure needs labels; give --labels FILE", arg)
		}
		return figureData(d), nil
	}
	defer lr.Close()
	if lr.Remaining() > d.N { // the labels of the images read
		if err := lr.Range(0, d.N); err != nil {
			return nil, err
		}
	}
	if err := d.ReadLabels(lr); err != nil {
		return nil, err
	}
	return figureData(d), nil
}

// figureData returns the images d as the figures take them; nil for nil.
func figureData(d *dataset.Images) *figure.Data {
	if d == nil {
		return nil
	}
	return &figure.Data{Name: d.Name, X: d.X, N: d.N, Shape: d.Shape, Labels: d.Labels, ClassNames: d.ClassNames}
}
