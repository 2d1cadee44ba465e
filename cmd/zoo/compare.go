package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/interrupt"
	"github.com/zoo-ml/zoo/present"
	"github.com/zoo-ml/zoo/zoo"
)

func compareCommand() *cli.Command {
	return &cli.Command{
		Name:  "compare",
		Usage: "compare an autoencoder with a classical baseline",
		Description: `Example:
   zoo compare pca --model models/relu-ae-30 --train fashion-mnist --test fashion-mnist --k 30 --out cmp/`,
		Subcommands: []*cli.Command{comparePCACommand()},
	}
}

func comparePCACommand() *cli.Command {
	return &cli.Command{
		Name:  "pca",
		Usage: "reconstruct test images with an autoencoder and with PCA fitted to training images",
		Description: `Fits a PCA with k components to the training images (float64, components from the
eigendecomposition of the covariance), reconstructs the test images with it and with the
autoencoder (model.onnx, run by onnxruntime), and prints the mean squared error per pixel of
each, per class when labels are known, and the squared error (summed over the pixels) of the
chosen images. --k 2,8,10,30,64 sweeps k: the PCA numbers are given per k, the autoencoder's once.

--train and --test are IDX files (raw or .gz; u8 pixels become v/255) or data set names with an
optional :train or :test (--train takes a set's training images, --test its test images, and
then its test labels too unless --labels is given). --index picks images by position in the
test set: lists and ranges such as 9705-9714 (the default when the test set has that many
images: one of each digit in MNIST's) or 0,5,10-12; otherwise the first 10.

--out DIR writes DIR/compare-pca.json (every number printed, and more) and DIR/compare-pca.png
(rows: original, autoencoder, PCA for each k; one column per chosen image). Files are written
to a temporary name and renamed when complete; existing ones are replaced only with --force.

Example:
   zoo compare pca --model models/relu-ae-30 --train fashion-mnist --test fashion-mnist --k 30 --out cmp/
   zoo compare pca --model models/relu-ae-30/model.onnx --train train.idx --test t10k-images-idx3-ubyte.gz \
       --labels t10k-labels-idx1-ubyte.gz --k 2,8,10,30,64 --index 9705-9714 --out cmp/`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "autoencoder: an export `DIR` (its model.onnx) or an .onnx file"},
			&cli.StringFlag{Name: "train", Usage: "images to fit the PCA to: IDX `FILE` or data set name", Value: "mnist"},
			&cli.StringFlag{Name: "test", Usage: "images to reconstruct: IDX `FILE` or data set name", Value: "mnist"},
			&cli.StringFlag{Name: "labels", Usage: "labels of the test images, IDX `FILE`, for the MSE per class"},
			&cli.StringFlag{Name: "k", Usage: "PCA components: a number or a comma-separated sweep such as 2,8,10,30,64", Value: "30"},
			&cli.StringFlag{Name: "index", Usage: "test images to show: `LIST` of positions and ranges, such as 9705-9714 or 0,3,7-9"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write compare-pca.json and compare-pca.png to `DIR`"},
			&cli.BoolFlag{Name: "force", Usage: "replace existing output files"},
			&cli.IntFlag{Name: "batch", Aliases: []string{"b"}, Usage: "examples per onnxruntime run", Value: 256},
			&cli.StringFlag{Name: "device", Usage: "cpu, cuda, cuda:N or auto", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "onnxruntime intra-op threads (0: one per physical core)"},
		},
		Action: runComparePCA,
	}
}

// pcaRunFlags reads the flags that zoo compare pca and zoo report share
// into a comparison of model with PCA: the PCA sizes --k, --labels, the
// session options and --batch.
func pcaRunFlags(c *cli.Context, model string) (o infer.PCAOptions, err error) {
	o = infer.PCAOptions{Model: model, Labels: c.String("labels"), Batch: c.Int("batch")}
	if o.Ks, err = infer.ParseKs(c.String("k")); err != nil {
		return o, usageError{err}
	}
	if o.Session, err = sessionFlags(c); err != nil {
		return o, err
	}
	if o.Batch <= 0 {
		return o, usagef("--batch %d must be positive", o.Batch)
	}
	return o, nil
}

func runComparePCA(c *cli.Context) error {
	if _, err := args(c, 0, 0); err != nil {
		return err
	}
	model := c.String("model")
	if model == "" {
		return usagef("compare pca: --model is required (an export folder or an .onnx file)")
	}
	o, err := pcaRunFlags(c, infer.ModelFile(model, ""))
	if err != nil {
		return err
	}
	o.Train, o.Test = c.String("train"), c.String("test")
	// Check the output names first, so that an existing file or an input
	// stops the run before any work.
	dir, force := c.String("out"), c.Bool("force")
	if dir != "" {
		if err := o.CheckOutputs(dir, force, infer.PCAFile, infer.PCAFigureFile); err != nil {
			return err
		}
	}
	rep, err := comparePCA(c.Context, o, c.String("index"))
	if err != nil {
		return err
	}
	if err := interrupt.Check(c.Context); err != nil {
		return err
	}
	if dir != "" {
		png, err := pcaPNG(rep)
		if err != nil {
			return fmt.Errorf("write %s: %w", filepath.Join(dir, infer.PCAFigureFile), err)
		}
		if err := rep.WriteFiles(dir, force, png); err != nil {
			return err
		}
	}
	return rep.WriteText(os.Stdout)
}

// pcaPNG returns the figure of rep as PNG; nil, with a notice, when the
// test items are not images.
func pcaPNG(rep *infer.PCAReport) ([]byte, error) {
	f, err := present.PCAFigure(rep)
	if f == nil || err != nil {
		if err == nil {
			fmt.Fprintf(os.Stderr, "zoo: test items of shape %v are not images; no figure written\n", rep.Test.Dims)
		}
		return nil, err
	}
	return f.PNG()
}

// comparePCA reads the data, runs the autoencoder and compares it with PCA
// (see infer.ComparePCA), showing the images --index picks.
func comparePCA(ctx context.Context, o infer.PCAOptions, index string) (*infer.PCAReport, error) {
	o.Index = func(n int) ([]int, error) {
		index, err := figure.ParseIndex(index, n)
		if err != nil {
			return nil, usageError{err}
		}
		return index, nil
	}
	o.Notice = func(n dataset.Notice) {
		fmt.Fprintf(os.Stderr, "zoo: no labels for %s (%v); no MSE per class\n", n.Data, withHints(n.Err))
	}
	rep, err := infer.ComparePCA(ctx, o)
	var ce *infer.ComponentsError
	var ne *infer.NotAutoencoderError
	switch {
	case errors.Is(err, context.Canceled):
		return nil, errors.New("interrupted; no output was written")
	case errors.As(err, &ce):
		return nil, usagef("--k %d: more components than the dimension %d of the images or the %d training images of %s", ce.K, ce.Dim, ce.Images, ce.Data)
	case errors.As(err, &ne):
		return nil, fmt.Errorf("model %s: task %s, compare pca needs an autoencoder (task %s)", ne.Model, ne.Task, zoo.Reconstruct)
	}
	return rep, err
}
