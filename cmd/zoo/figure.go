package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/internal/fileguard"
	"github.com/zoo-ml/zoo/internal/interrupt"
	"github.com/zoo-ml/zoo/present"
	"github.com/zoo-ml/zoo/rundir"
)

// defaultLimit is how many images of --data the figures read by default.
const defaultLimit = 10000

// figureCommand is zoo figure: one subcommand per figure of figure.Specs.
func figureCommand() *cli.Command {
	var subs []*cli.Command
	var list strings.Builder
	for _, s := range figure.Specs() {
		subs = append(subs, &cli.Command{
			Name:        s.Name,
			Usage:       s.Usage,
			Description: s.Help + "\n\nExample:\n   " + s.Example,
			Flags:       figureFlags(s),
			Action:      func(c *cli.Context) error { return runFigure(c, s) },
		})
		fmt.Fprintf(&list, "   %-15s %s\n", s.Name, s.Usage)
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

// figureFlags returns the flags of figure s: the output's, the model's and
// the data's as s needs them, then its classifier, its params, and its
// out-of-distribution data or runs.
func figureFlags(s figure.Spec) []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the figure to `FILE.png`"},
		&cli.BoolFlag{Name: "force", Usage: "replace an existing output file"},
		&cli.StringFlag{Name: "title", Usage: "replace the figure's title"},
	}
	n := s.Needs
	if n.Model {
		usage := "model: export `DIR` (model.onnx, encoder.onnx, decoder.onnx) or one .onnx file"
		if n.Several {
			usage += " (repeat for several)"
		}
		flags = append(flags, &cli.StringSliceFlag{Name: "model", Aliases: []string{"m"}, Usage: usage},
			&cli.StringFlag{Name: "device", Usage: "cpu, cuda, cuda:N or auto", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "onnxruntime intra-op threads (0: one per physical core)"})
	}
	if n.Data != figure.None {
		flags = append(flags,
			&cli.StringFlag{Name: "data", Usage: "images: IDX `FILE`, CIFAR-10 file, or data set name (test split; :train for the training one)", Value: "mnist"},
			&cli.StringFlag{Name: "labels", Usage: "labels of --data, IDX `FILE` (default: the data set's)"},
			&cli.IntFlag{Name: "limit", Usage: "read at most `N` images of --data (0: all)", Value: defaultLimit})
	}
	if n.Classifier {
		flags = append(flags, &cli.StringFlag{Name: "classifier", Usage: "classifier: export `DIR` (model.onnx) or .onnx file"})
	}
	for _, p := range s.Params {
		flags = append(flags, paramFlag(p))
	}
	if n.Other {
		flags = append(flags, &cli.StringFlag{Name: "other", Usage: "out-of-distribution images: IDX `FILE` or data set name; default uniform noise"})
	}
	if n.Runs {
		flags = append(flags, &cli.StringSliceFlag{Name: "run", Usage: "run `DIR` or its metrics.csv (repeat for several)"})
	}
	return flags
}

// paramFlag returns the flag of a figure's param.
func paramFlag(p figure.Param) cli.Flag {
	switch p.Kind {
	case figure.Int:
		v, _ := strconv.Atoi(p.Default)
		return &cli.IntFlag{Name: p.Name, Usage: p.Usage, Value: v}
	case figure.Int64:
		v, _ := strconv.ParseInt(p.Default, 10, 64)
		return &cli.Int64Flag{Name: p.Name, Usage: p.Usage, Value: v}
	}
	return &cli.StringFlag{Name: p.Name, Usage: p.Usage, Value: p.Default}
}

func runFigure(c *cli.Context, s figure.Spec) error {
	if _, err := args(c, 0, 0); err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		return usagef("figure %s: --out FILE.png is required", s.Name)
	}
	opt, err := figureOptions(c, s)
	if err != nil {
		return err
	}
	// Claim the output first, so that an existing file or an input stops
	// the run before any work.
	if err := fileguard.Distinct([]fileguard.File{{Role: "--out", Path: out}}, figureInputs(c)); err != nil {
		return err
	}
	f, err := atomicfile.Create(out, c.Bool("force"))
	if err != nil {
		return err
	}
	defer f.Abort()
	var cs present.Closers
	defer cs.Close()
	models, err := openFigureModels(c, s, &opt, &cs)
	if err != nil {
		return err
	}
	d, err := readFigureData(c, s, &opt)
	if err != nil {
		return err
	}
	fig, err := figure.Make(s.Name, models, d, opt)
	if err != nil {
		return err
	}
	if err := fig.EncodePNG(f); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := interrupt.Check(c.Context); err != nil {
		return err
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

// figureInputs lists the files zoo figure reads: the models, the data and
// the runs.
func figureInputs(c *cli.Context) []fileguard.File {
	var in []fileguard.File
	add := func(role string, paths ...string) {
		for _, p := range paths {
			in = append(in, fileguard.File{Role: role, Path: p})
		}
	}
	for _, m := range append(c.StringSlice("model"), c.String("classifier")) {
		add("model", infer.ModelFiles(m)...)
	}
	for _, d := range []string{"data", "labels", "other"} {
		add("--"+d, dataset.FilesOf(c.String(d))...)
	}
	for _, r := range c.StringSlice("run") {
		add("--run", r, filepath.Join(r, rundir.MetricsFile))
	}
	return in
}

// figureOptions reads the params of figure s (and its runs) from c into
// options; --index is read with the data (readFigureData).
func figureOptions(c *cli.Context, s figure.Spec) (figure.Options, error) {
	opt := figure.Options{Title: c.String("title")}
	for _, p := range s.Params {
		v := c.String(p.Name)
		if p.Required && v == "" {
			return opt, usagef("figure %s: --%s is required, such as --%s %s", s.Name, p.Name, p.Name, p.Example)
		}
		if p.Kind == figure.Index || (!c.IsSet(p.Name) && p.Default == "") {
			continue
		}
		if err := p.Set(&opt, v); err != nil {
			var pe *figure.ParamError
			if errors.As(err, &pe) {
				return opt, usagef("--%s %s", pe.Param, pe.Reason)
			}
			return opt, err
		}
	}
	if s.Needs.Runs {
		if opt.Runs = c.StringSlice("run"); len(opt.Runs) == 0 {
			return opt, usagef("figure %s: --run is required (a run folder or its metrics.csv)", s.Name)
		}
	}
	return opt, nil
}

// openFigureModels opens the models of figure s (--model) and its classifier
// (into opt), adding what it opens to closers.
func openFigureModels(c *cli.Context, s figure.Spec, opt *figure.Options, cs *present.Closers) ([]*figure.Model, error) {
	if !s.Needs.Model {
		return nil, nil
	}
	paths := c.StringSlice("model")
	if len(paths) == 0 {
		return nil, usagef("figure %s: --model is required (an export folder or an .onnx file)", s.Name)
	}
	if len(paths) > 1 && !s.Needs.Several {
		return nil, usagef("figure %s: one --model, not %d (montage takes several)", s.Name, len(paths))
	}
	iopt, err := sessionFlags(c)
	if err != nil {
		return nil, err
	}
	models := make([]*figure.Model, len(paths))
	for i, p := range paths {
		if models[i], err = present.Model(p, iopt, s.Needs.ReadsFirstLayer(), cs); err != nil {
			return nil, err
		}
	}
	if s.Needs.Classifier {
		p := c.String("classifier")
		if p == "" {
			return nil, usagef("figure %s: --classifier is required (an export folder or .onnx file of a classifier)", s.Name)
		}
		if opt.Classifier, err = present.Model(p, iopt, false, cs); err != nil {
			return nil, err
		}
	}
	return models, nil
}

// readFigureData reads the data of figure s (nil when it takes none), the
// positions of its index param (into opt.Index) and its out-of-distribution
// data (into opt.Other).
func readFigureData(c *cli.Context, s figure.Spec, opt *figure.Options) (d *figure.Data, err error) {
	n := s.Needs
	if n.Data == figure.Required || (n.Data == figure.Optional && c.IsSet("data")) {
		if d, err = present.Data(c.String("data"), c.String("labels"), c.Int("limit"), n.Labels, dataNotice); err != nil {
			return nil, err
		}
		for _, p := range s.Params {
			if v := c.String(p.Name); p.Kind == figure.Index && v != "" {
				if opt.Index, err = figure.ParseIndex(v, d.N); err != nil {
					return nil, usageError{err}
				}
			}
		}
	}
	if n.Other && c.String("other") != "" {
		opt.Other, err = present.Data(c.String("other"), "", c.Int("limit"), false, dataNotice)
	}
	return d, err
}
