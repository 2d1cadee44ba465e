package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/interrupt"
	"github.com/zoo-ml/zoo/present"
	"github.com/zoo-ml/zoo/zoo"
)

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:      "eval",
		Usage:     "evaluate a model on a labelled test set: metrics as JSON, confusion matrix, worst reconstructions",
		ArgsUsage: "MODEL DATA",
		Description: `MODEL is an export folder (its model.onnx) or an .onnx file; DATA an IDX file or a data set name
(as for zoo infer: mnist, fashion-mnist:test, mnist-mini, ...), whose labels are used unless
--labels names a file.

Classifiers: accuracy, log loss, per-class support, recall, precision and F1 with their macro
averages, and the confusion matrix (rows true classes, columns predicted); labels are required.
Autoencoders: mean squared error per pixel, its mean per class when labels are known, and the
--worst N images with the largest error.

--out DIR writes DIR/eval.json (every number) and, for classifiers, DIR/confusion.txt and
DIR/confusion.png, for autoencoders DIR/worst.png (originals over reconstructions). Files are
written to a temporary name and renamed when complete; existing ones are replaced only with --force.

Example:
   zoo eval models/cnn fashion-mnist --out eval/
   zoo eval models/relu-ae-30 t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz --worst 16 --out eval/`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "labels", Usage: "true labels, an IDX u8 `FILE` with one label per image (default: the data set's, when DATA names one)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write eval.json and the figures to `DIR`"},
			&cli.IntFlag{Name: "worst", Usage: "autoencoders: show the `N` worst reconstructions", Value: 16},
			&cli.BoolFlag{Name: "force", Usage: "replace existing output files"},
			&cli.IntFlag{Name: "batch", Aliases: []string{"b"}, Usage: "examples per onnxruntime run", Value: 256},
			&cli.StringFlag{Name: "device", Usage: "cpu, cuda, cuda:N or auto", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "onnxruntime intra-op threads (0: one per physical core)"},
		},
		Action: runEval,
	}
}

// evalFiles are the files zoo eval may write to --out.
var evalFiles = []string{infer.EvalFile, infer.ConfusionFile, "confusion.png", "worst.png"}

func runEval(c *cli.Context) error {
	a, err := args(c, 2, 2)
	if err != nil {
		return err
	}
	o := infer.EvalOptions{Model: infer.ModelFile(a[0], ""), Data: a[1], Labels: c.String("labels"), Worst: c.Int("worst"), Batch: c.Int("batch")}
	if o.Session, err = sessionFlags(c); err != nil {
		return err
	}
	if o.Batch <= 0 {
		return usagef("--batch %d must be positive", o.Batch)
	}
	if o.Worst < 0 || o.Worst > figure.MaxShown {
		return usagef("--worst %d: want 0 to %d", o.Worst, figure.MaxShown)
	}
	// Check the output names first, so that an existing file or an input
	// stops the run before any work. Which figures are written depends on
	// the task.
	dir, force := c.String("out"), c.Bool("force")
	if dir != "" {
		if err := o.CheckOutputs(dir, force, evalFiles...); err != nil {
			return err
		}
	}
	ev, err := evaluate(c.Context, o)
	if err != nil {
		return err
	}
	if err := interrupt.Check(c.Context); err != nil {
		return err
	}
	if dir != "" {
		figs := map[string][]byte{}
		for _, f := range present.EvalFigures(ev, os.Stderr) {
			if figs[f.Name+".png"], err = f.PNG(); err != nil {
				return err
			}
		}
		if err := ev.WriteFiles(dir, force, figs); err != nil {
			return err
		}
	}
	return ev.WriteText(os.Stdout)
}

// sessionFlags reads the session options of --device and --threads.
func sessionFlags(c *cli.Context) (infer.Options, error) {
	dev, err := infer.ParseDevice(c.String("device"))
	if err != nil {
		return infer.Options{}, usageError{err}
	}
	o := infer.Options{Device: dev, Threads: c.Int("threads"), Warn: os.Stderr}
	if err := o.Check(); err != nil {
		return o, usagef("--%v", err)
	}
	return o, nil
}

// evaluate runs the model over the data and measures it (see
// infer.Evaluate), with the notices of dataNotice.
func evaluate(ctx context.Context, o infer.EvalOptions) (*infer.Evaluation, error) {
	o.Notice = dataNotice
	ev, err := infer.Evaluate(ctx, o)
	var ee *infer.EvalError
	switch {
	case errors.Is(err, context.Canceled):
		return nil, errors.New("interrupted; no output was written")
	case errors.As(err, &ee) && ee.Task == zoo.Classify:
		return nil, usagef("eval of the classifier %s needs the true labels of %s: --labels FILE", ee.Model, ee.Data)
	case errors.As(err, &ee):
		return nil, fmt.Errorf("%s performs %s: zoo eval takes a whole model (%s), a classifier or an autoencoder", ee.Model, ee.Task, zoo.ModelFile)
	}
	return ev, err
}
