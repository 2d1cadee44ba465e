package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
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

// compareReport is what zoo compare pca measures and what --out writes to
// compare-pca.json.
type compareReport struct{ *infer.PCAReport }

// compareOptions are the inputs of comparePCA, read from the flags.
type compareOptions struct {
	model, train, test, labels string
	ks                         []int
	index                      string
	batch, threads             int
	dev                        infer.Device
}

// pcaRunFlags reads the flags that zoo compare pca and zoo report share:
// the PCA sizes --k, --device and --batch.
func pcaRunFlags(c *cli.Context) (ks []int, dev infer.Device, err error) {
	if ks, err = parseKs(c.String("k")); err != nil {
		return nil, dev, usageError{err}
	}
	if dev, err = infer.ParseDevice(c.String("device")); err != nil {
		return nil, dev, usageError{err}
	}
	if c.Int("batch") <= 0 {
		return nil, dev, usagef("--batch %d must be positive", c.Int("batch"))
	}
	return ks, dev, nil
}

func runComparePCA(c *cli.Context) error {
	if _, err := args(c, 0, 0); err != nil {
		return err
	}
	model := c.String("model")
	if model == "" {
		return usagef("compare pca: --model is required (an export folder or an .onnx file)")
	}
	ks, dev, err := pcaRunFlags(c)
	if err != nil {
		return err
	}
	// Claim the output names first, so that an existing file stops the
	// run before any work.
	files, err := claimOut(c.String("out"), c.Bool("force"), "compare-pca.json", "compare-pca.png")
	defer abortAll(files)
	if err != nil {
		return err
	}
	rep, err := comparePCA(c.Context, compareOptions{
		model: infer.ModelFile(model, ""), train: c.String("train"), test: c.String("test"), labels: c.String("labels"),
		ks: ks, index: c.String("index"), batch: c.Int("batch"), threads: c.Int("threads"), dev: dev,
	})
	if err != nil {
		return err
	}
	if files != nil {
		if err := rep.writeFiles(files[0], files[1]); err != nil {
			return err
		}
	}
	printComparison(rep)
	return nil
}

// claimOut creates the folder dir and claims the files names in it (see
// atomicfile.Create); nil when dir is "".
func claimOut(dir string, force bool, names ...string) ([]*atomicfile.File, error) {
	if dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	var files []*atomicfile.File
	for _, name := range names {
		f, err := atomicfile.Create(filepath.Join(dir, name), force)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, nil
}

// abortAll removes the files not committed.
func abortAll(files []*atomicfile.File) {
	for _, f := range files {
		f.Abort()
	}
}

// writeFiles writes the figure to pngFile (unless the test items are not
// images) and rep as JSON to jsonFile, and commits them.
func (rep *compareReport) writeFiles(jsonFile, pngFile *atomicfile.File) error {
	rep.Files = map[string]string{"json": jsonFile.Path()}
	if ok, err := rep.writeFigure(pngFile); err != nil {
		return fmt.Errorf("write %s: %w", pngFile.Path(), err)
	} else if ok {
		rep.Files["png"] = pngFile.Path()
	} else {
		fmt.Fprintf(os.Stderr, "zoo: test items of shape %v are not images; no figure written\n", rep.Test.Dims)
		pngFile.Abort()
		pngFile = nil
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if _, err := jsonFile.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", jsonFile.Path(), err)
	}
	for _, f := range []*atomicfile.File{pngFile, jsonFile} {
		if f != nil {
			if err := f.Commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

// comparePCA reads the data, runs the autoencoder and compares it with PCA
// (see infer.ComparePCA).
func comparePCA(ctx context.Context, o compareOptions) (*compareReport, error) {
	rep, err := infer.ComparePCA(ctx, infer.PCAOptions{
		Model: o.model, Train: o.train, Test: o.test, Labels: o.labels, Ks: o.ks, Batch: o.batch,
		Session: infer.Options{Device: o.dev, Threads: o.threads, Warn: os.Stderr},
		Index: func(n int) ([]int, error) {
			index, err := parseIndex(o.index, n)
			if err != nil {
				return nil, usageError{err}
			}
			return index, nil
		},
		Notice: func(n dataset.Notice) {
			fmt.Fprintf(os.Stderr, "zoo: no labels for %s (%v); no MSE per class\n", n.Data, withHints(n.Err))
		},
	})
	var ce *infer.ComponentsError
	var ne *infer.NotAutoencoderError
	var se *dataset.SplitError
	switch {
	case errors.Is(err, context.Canceled):
		return nil, errors.New("interrupted; no output was written")
	case errors.As(err, &ce):
		return nil, usagef("--k %d: more components than the dimension %d of the images or the %d training images of %s", ce.K, ce.Dim, ce.Images, ce.Data)
	case errors.As(err, &ne):
		return nil, fmt.Errorf("model %s: task %s, compare pca needs an autoencoder (task %s)", ne.Model, ne.Task, zoo.Reconstruct)
	case errors.As(err, &se):
		return nil, usageError{err}
	case err != nil:
		return nil, err
	}
	return &compareReport{rep}, nil
}

// writeFigure draws the figure of rep (see figure.ComparePCA) as PNG to w.
// It reports false, writing nothing, when the test items are not images.
func (rep *compareReport) writeFigure(w io.Writer) (bool, error) {
	f, err := figure.ComparePCA(rep.Test.Set.X, rep.Test.Dims, rep.PCAComparison)
	if errors.Is(err, figure.ErrNotApplicable) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return true, png.Encode(w, f.Image)
}

// printComparison prints the numbers of rep as tables.
func printComparison(rep *compareReport) {
	name := rep.Model.Name
	if name == "" {
		name = filepath.Base(rep.Model.File)
	}
	fmt.Printf("test: %d images %v from %s; PCA fitted to %d images from %s in %.2f s\n",
		rep.Test.Images, rep.Test.Dims, rep.Test.Data, rep.Train.Images, rep.Train.Data, rep.FitSeconds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "reconstruction\tMSE per pixel\texplained variance\n")
	fmt.Fprintf(tw, "autoencoder %s\t%.6f\t\n", name, rep.Autoencoder.MSE)
	for _, r := range rep.PCA {
		fmt.Fprintf(tw, "PCA k=%d\t%.6f\t%.4f\n", r.K, r.MSE, r.ExplainedVarianceRatio)
	}
	tw.Flush()

	header := func(first string) {
		fmt.Fprintf(tw, "%s\tAE", first)
		for _, r := range rep.PCA {
			fmt.Fprintf(tw, "\tPCA k=%d", r.K)
		}
		fmt.Fprintln(tw)
	}
	if rep.Autoencoder.ClassMSE != nil {
		fmt.Printf("\nMSE per pixel by class (labels %s)\n", rep.Test.Labels)
		header("class\timages")
		for c, n := range rep.ClassCounts {
			if n == 0 {
				continue
			}
			fmt.Fprintf(tw, "%d\t%d\t%.6f", c, n, *rep.Autoencoder.ClassMSE[c])
			for _, r := range rep.PCA {
				fmt.Fprintf(tw, "\t%.6f", *r.ClassMSE[c])
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}

	fmt.Printf("\nsquared error of the chosen images (summed over the %d pixels)\n", rep.Test.Set.ItemLen())
	header("index\tlabel")
	for j, i := range rep.Index {
		label := "-"
		if rep.IndexLabels != nil {
			label = strconv.Itoa(rep.IndexLabels[j])
		}
		fmt.Fprintf(tw, "%d\t%s\t%.4f", i, label, rep.Autoencoder.SquaredError[j])
		for _, r := range rep.PCA {
			fmt.Fprintf(tw, "\t%.4f", r.SquaredError[j])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, k := range []string{"json", "png"} {
		if p := rep.Files[k]; p != "" {
			fmt.Printf("wrote %s\n", p)
		}
	}
}
