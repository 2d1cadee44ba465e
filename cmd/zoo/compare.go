package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	imagedraw "image/draw"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zoo-ml/zoo/analysis"
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

// imageSize returns the height and width of items of the given shape:
// HxW or 1xHxW.
func imageSize(dims []int) (h, w int, ok bool) {
	switch {
	case len(dims) == 2:
		return dims[0], dims[1], true
	case len(dims) == 3 && dims[0] == 1:
		return dims[1], dims[2], true
	}
	return 0, 0, false
}

// Figure layout, in pixels.
const (
	figScale  = 3   // each image pixel becomes figScale x figScale
	figGap    = 4   // between cells
	figLabelW = 110 // row labels on the left
	figHeadH  = 22  // column titles on top
)

// figureSize returns the size of the figure for rows x cols images of
// h x w pixels.
func figureSize(rows, cols, h, w int) (int, int) {
	return figLabelW + cols*(w*figScale+figGap) + figGap, figHeadH + rows*(h*figScale+figGap) + figGap
}

// writeFigure draws the figure of rep (rows: original, autoencoder, PCA
// for each k; one column per chosen image) as PNG to w. It reports false,
// writing nothing, when the test items are not images.
func (rep *compareReport) writeFigure(w io.Writer) (bool, error) {
	h, wd, ok := imageSize(rep.Test.Dims)
	if !ok {
		return false, nil
	}
	rows := [][]float32{analysis.Rows(rep.Test.Set.X, rep.Index, rep.Test.Set.ItemLen()), rep.Autoencoder.Shown}
	names := []string{"original", "autoencoder"}
	for _, r := range rep.PCA {
		rows = append(rows, r.Shown)
		names = append(names, fmt.Sprintf("PCA (k=%d)", r.K))
	}
	return true, drawRows(w, rows, names, rep.Index, rep.IndexLabels, h, wd)
}

// drawRows draws one row of images per entry of rows (each holds the
// chosen images, h*w values each, clamped to [0, 1], white on black), named
// on the left, with the test index (and label) above each column, and
// writes it as PNG to out.
func drawRows(out io.Writer, rows [][]float32, names []string, index, labels []int, h, w int) error {
	img, err := rowsImage(rows, names, index, labels, h, w)
	if err != nil {
		return err
	}
	return png.Encode(out, img)
}

// rowsImage draws the figure of drawRows.
func rowsImage(rows [][]float32, names []string, index, labels []int, h, w int) (image.Image, error) {
	cols := len(index)
	width, height := figureSize(len(rows), cols, h, w)
	// Text first, on a white canvas of one point per pixel; then the
	// images, pixel for pixel, into the canvas's image.
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(width), vg.Length(height)), vgimg.UseDPI(72))
	dc := draw.New(cv)
	sty := draw.TextStyle{
		Color:   color.Black,
		Font:    font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(12)},
		Handler: plot.DefaultTextHandler,
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
	}
	pt := func(x, y int) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(height - y)} }
	for c, i := range index {
		title := strconv.Itoa(i)
		if labels != nil {
			title += fmt.Sprintf(" (%d)", labels[c])
		}
		dc.FillText(sty, pt(figLabelW+c*(w*figScale+figGap)+w*figScale/2, figHeadH/2+1), title)
	}
	sty.XAlign = draw.XLeft
	corner := "index"
	if labels != nil {
		corner = "index (label)"
	}
	dc.FillText(sty, pt(6, figHeadH/2+1), corner)
	for r, name := range names {
		dc.FillText(sty, pt(6, figHeadH+r*(h*figScale+figGap)+h*figScale/2), name)
	}
	img, ok := cv.Image().(imagedraw.Image)
	if !ok || img.Bounds() != image.Rect(0, 0, width, height) {
		return nil, fmt.Errorf("canvas is %v, want %dx%d", cv.Image().Bounds(), width, height)
	}
	for r, row := range rows {
		for c := range cols {
			x0 := figLabelW + c*(w*figScale+figGap)
			y0 := figHeadH + r*(h*figScale+figGap)
			for y := range h * figScale {
				for x := range w * figScale {
					v := float64(row[c*h*w+(y/figScale)*w+x/figScale])
					g := uint8(0) // NaN as black
					if v == v {
						g = uint8(math.Round(255 * math.Min(1, math.Max(0, v))))
					}
					img.Set(x0+x, y0+y, color.Gray{g})
				}
			}
		}
	}
	return img, nil
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
