package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
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

// evalResult is what zoo eval measures, and what --out writes to eval.json.
type evalResult struct {
	*infer.Evaluation
	data *figure.Data // autoencoders: the images and labels
}

// evalOptions are the inputs of evaluate.
type evalOptions struct {
	model, data, labels string
	worst               int
	batch, threads      int
	dev                 infer.Device
}

// evalFiles are the files zoo eval may write to --out.
var evalFiles = []string{"eval.json", "confusion.txt", "confusion.png", "worst.png"}

func runEval(c *cli.Context) error {
	a, err := args(c, 2, 2)
	if err != nil {
		return err
	}
	o := evalOptions{model: infer.ModelFile(a[0], ""), data: a[1], labels: c.String("labels"), worst: c.Int("worst"),
		batch: c.Int("batch"), threads: c.Int("threads")}
	if o.dev, err = infer.ParseDevice(c.String("device")); err != nil {
		return usageError{err}
	}
	if o.batch <= 0 {
		return usagef("--batch %d must be positive", o.batch)
	}
	if o.worst < 0 || o.worst > maxShown {
		return usagef("--worst %d: want 0 to %d", o.worst, maxShown)
	}
	// Check the output names first, so that an existing file stops the
	// run before any work. Which figures are written depends on the task.
	dir, force := c.String("out"), c.Bool("force")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		for _, name := range evalFiles {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil && !force {
				return fmt.Errorf("%s already exists (use --force to replace it)", p)
			}
		}
	}
	res, err := evaluate(c.Context, o)
	if err != nil {
		return err
	}
	if dir != "" {
		if err := res.writeFiles(dir, force); err != nil {
			return err
		}
	}
	printEval(os.Stdout, res)
	return nil
}

// writeFiles writes eval.json and the figures of res to dir, each to a
// temporary name renamed when all are written.
func (res *evalResult) writeFiles(dir string, force bool) error {
	out := map[string][]byte{}
	if res.Confusion != nil {
		var txt bytes.Buffer
		if err := res.Confusion.WriteMatrix(&txt, res.ClassNames); err != nil {
			return err
		}
		out["confusion.txt"] = txt.Bytes()
	}
	for name, fig := range res.figures(evalOptions{}) {
		var b bytes.Buffer
		if err := fig.EncodePNG(&b); err != nil {
			return err
		}
		out[name+".png"] = b.Bytes()
	}
	res.Files = map[string]string{"json": filepath.Join(dir, "eval.json")}
	for name := range out {
		res.Files[name] = filepath.Join(dir, name)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	out["eval.json"] = append(b, '\n')
	var files []*atomicfile.File
	defer func() { abortAll(files) }()
	for name, data := range out {
		f, err := atomicfile.Create(filepath.Join(dir, name), force)
		if err != nil {
			return err
		}
		files = append(files, f)
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("write %s: %w", f.Path(), err)
		}
	}
	for _, f := range files {
		if err := f.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// evaluate runs the model over the data and measures it (see
// infer.Evaluate).
func evaluate(ctx context.Context, o evalOptions) (*evalResult, error) {
	ev, err := infer.Evaluate(ctx, infer.EvalOptions{Model: o.model, Data: o.data, Labels: o.labels, Worst: o.worst,
		Batch: o.batch, Session: infer.Options{Device: o.dev, Threads: o.threads, Warn: os.Stderr}, Notice: dataNotice})
	var ee *infer.EvalError
	var se *dataset.SplitError
	switch {
	case errors.Is(err, context.Canceled):
		return nil, errors.New("interrupted; no output was written")
	case errors.As(err, &ee) && ee.Task == zoo.Classify:
		return nil, usagef("eval of the classifier %s needs the true labels of %s: --labels FILE", ee.Model, ee.Data)
	case errors.As(err, &ee):
		return nil, fmt.Errorf("%s performs %s: zoo eval takes a whole model (%s), a classifier or an autoencoder", ee.Model, ee.Task, zoo.ModelFile)
	case errors.As(err, &se):
		return nil, usageError{err}
	case err != nil:
		return nil, err
	}
	return &evalResult{Evaluation: ev, data: figureData(ev.Examples)}, nil
}

// figures returns the figures of the evaluation by file name: the
// confusion matrix of a classifier, the worst reconstructions of an
// autoencoder (none when they are not images).
func (res *evalResult) figures(o evalOptions) map[string]*figure.Figure {
	out := map[string]*figure.Figure{}
	if res.Confusion != nil {
		if f, err := figure.Confusion(res.Confusion, res.ClassNames, figure.Options{}); err == nil {
			out["confusion"] = f
		} else {
			fmt.Fprintf(os.Stderr, "zoo: no confusion figure: %v\n", err)
		}
	}
	if ev := res.Reconstruction; ev != nil && len(ev.Worst) > 0 {
		if f, err := figure.Worst(res.data, res.Reconstructions, ev.Worst, res.modelName()); err == nil {
			out["worst"] = f
		} else {
			fmt.Fprintf(os.Stderr, "zoo: no figure of the worst reconstructions: %v\n", err)
		}
	}
	return out
}

func (res *evalResult) modelName() string { return res.ModelName() }

// printEval prints the numbers of res.
func printEval(w io.Writer, res *evalResult) {
	fmt.Fprintf(w, "%s (%s) on %d images of %s in %.2f s\n", res.modelName(), res.Model.Task, res.Images, res.Data, res.Seconds)
	if res.Confusion != nil {
		fmt.Fprintf(w, "accuracy %.2f%% (%d of %d)", 100*res.Confusion.Accuracy(), res.Confusion.Correct(), res.Confusion.Total())
		if res.LogLoss != nil {
			fmt.Fprintf(w, ", log loss %.4f", *res.LogLoss)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w)
		res.Confusion.WriteClassTable(w, res.ClassNames)
		fmt.Fprintln(w, "\nconfusion matrix (rows true, columns predicted)")
		res.Confusion.WriteMatrix(w, res.ClassNames)
	}
	if ev := res.Reconstruction; ev != nil {
		fmt.Fprintf(w, "reconstruction MSE %.6f (mean per pixel)\n", ev.MSE)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		if ev.ClassMSE != nil {
			fmt.Fprintf(tw, "\nclass\timages\tMSE\n")
			for c, n := range ev.ClassCounts {
				if n > 0 {
					fmt.Fprintf(tw, "%s\t%d\t%.6f\n", classLabel(c, res.data.ClassNames), n, *ev.ClassMSE[c])
				}
			}
		}
		if len(ev.Worst) > 0 {
			fmt.Fprintf(tw, "\nworst\tlabel\tMSE\n")
			for _, e := range ev.Worst {
				l := "-"
				if e.Label >= 0 {
					l = classLabel(e.Label, res.data.ClassNames)
				}
				fmt.Fprintf(tw, "%d\t%s\t%.6f\n", e.Index, l, e.MSE)
			}
		}
		tw.Flush()
	}
	for _, k := range []string{"json", "confusion.txt", "confusion.png", "worst.png"} {
		if p := res.Files[k]; p != "" {
			fmt.Fprintf(w, "wrote %s\n", p)
		}
	}
}

// classLabel returns "c" or "c name".
func classLabel(c int, names []string) string {
	if c < len(names) {
		return strconv.Itoa(c) + " " + names[c]
	}
	return strconv.Itoa(c)
}
