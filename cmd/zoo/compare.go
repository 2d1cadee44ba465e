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
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// notebookIndex is the default --index: one test image of each digit in the
// MNIST test set, as in the PCA-versus-autoencoder notebook.
const notebookIndex = "9705-9714"

// maxShown is the most images --index may select for the figure.
const maxShown = 100

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

// images is a set of images read whole: n items of d values.
type images struct {
	Data   string `json:"data"` // file or data set name, as given
	Path   string `json:"path,omitempty"`
	Images int    `json:"images"`
	Dims   []int  `json:"dims"`
	Labels string `json:"labels,omitempty"`
	x      []float32
	d      int
	labels []uint8
}

// compareReport is what --out writes to compare-pca.json.
type compareReport struct {
	Model struct {
		Name     string `json:"name,omitempty"`
		File     string `json:"file"`
		Provider string `json:"provider"`
	} `json:"model"`
	Train       *images `json:"train"`
	Test        *images `json:"test"`
	Autoencoder struct {
		analysis.ReconError
		Seconds float64 `json:"seconds"`
	} `json:"autoencoder"`
	*analysis.PCAComparison
	Files map[string]string `json:"files,omitempty"`

	aeRecon []float32 // the autoencoder's reconstructions of the test images
}

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
	if fi, err := os.Stat(model); err == nil && fi.IsDir() {
		model = filepath.Join(model, zoo.ModelFile)
	}

	// Claim the output names first, so that an existing file stops the
	// run before any work.
	var jsonFile, pngFile *atomicfile.File
	defer func() {
		for _, f := range []*atomicfile.File{jsonFile, pngFile} {
			if f != nil {
				f.Abort()
			}
		}
	}()
	if dir := c.String("out"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if jsonFile, err = atomicfile.Create(filepath.Join(dir, "compare-pca.json"), c.Bool("force")); err != nil {
			return err
		}
		if pngFile, err = atomicfile.Create(filepath.Join(dir, "compare-pca.png"), c.Bool("force")); err != nil {
			return err
		}
	}

	rep, err := comparePCA(c.Context, compareOptions{
		model: model, train: c.String("train"), test: c.String("test"), labels: c.String("labels"),
		ks: ks, index: c.String("index"), batch: c.Int("batch"), threads: c.Int("threads"), dev: dev,
	})
	if err != nil {
		return err
	}
	if jsonFile != nil {
		rep.Files = map[string]string{"json": jsonFile.Path()}
	}
	if pngFile != nil {
		if ok, err := rep.writeFigure(pngFile); err != nil {
			return fmt.Errorf("write %s: %w", pngFile.Path(), err)
		} else if ok {
			rep.Files["png"] = pngFile.Path()
		} else {
			fmt.Fprintf(os.Stderr, "zoo: test items of shape %v are not images; no figure written\n", rep.Test.Dims)
			pngFile.Abort()
			pngFile = nil
		}
	}
	if jsonFile != nil {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if _, err := jsonFile.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("write %s: %w", jsonFile.Path(), err)
		}
	}
	for _, f := range []*atomicfile.File{pngFile, jsonFile} {
		if f != nil {
			if err := f.Commit(); err != nil {
				return err
			}
		}
	}
	printComparison(rep)
	return nil
}

// comparePCA reads the data, runs the autoencoder and compares it with PCA.
func comparePCA(ctx context.Context, o compareOptions) (*compareReport, error) {
	test, err := readImages(o.test, dataset.TestImages)
	if err != nil {
		return nil, err
	}
	if err := test.readLabels(o.labels); err != nil {
		return nil, err
	}
	train, err := readImages(o.train, dataset.TrainImages)
	if err != nil {
		return nil, err
	}
	if train.d != test.d {
		return nil, fmt.Errorf("training images %s have %d values each (%v), test images %s have %d (%v)",
			train.Data, train.d, train.Dims, test.Data, test.d, test.Dims)
	}
	if kmax := slices.Max(o.ks); kmax > train.d || kmax > train.Images {
		return nil, usagef("--k %d: more components than the dimension %d of the images or the %d training images of %s",
			kmax, train.d, train.Images, train.Data)
	}
	index, err := parseIndex(o.index, test.Images)
	if err != nil {
		return nil, usageError{err}
	}

	rep := &compareReport{Train: train, Test: test}
	sess, err := infer.Open(o.model, infer.Options{Device: o.dev, Threads: o.threads, Warn: os.Stderr})
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	if t := sess.Task(); t != "" && t != zoo.Reconstruct {
		return nil, fmt.Errorf("model %s: task %s, compare pca needs an autoencoder (task reconstruct)", o.model, t)
	}
	if sess.InputLen() != test.d || sess.OutputLen() != test.d {
		return nil, fmt.Errorf("model %s maps %v to %v, the test images %s are %v", o.model, sess.InputShape(), sess.OutputShape(), test.Data, test.Dims)
	}
	rep.Model.Name, rep.Model.File, rep.Model.Provider = sess.ModelName(), o.model, sess.Provider()

	start := time.Now()
	rep.aeRecon, err = reconstructAE(ctx, sess, test.x, test.Images, o.batch)
	if errors.Is(err, context.Canceled) {
		return nil, errors.New("interrupted; no output was written")
	}
	if err != nil {
		return nil, err
	}
	rep.Autoencoder.Seconds = time.Since(start).Seconds()
	// Close the session before the PCA fit: onnxruntime's idle threads spin
	// for a while after a run and would slow the fit down.
	sess.Close()

	rep.PCAComparison, err = analysis.ComparePCA(analysis.PCAInput{
		Train: train.x, Test: test.x, Autoencoder: rep.aeRecon, D: test.d,
		Labels: test.labels, Ks: o.ks, Index: index,
	})
	if err != nil {
		return nil, fmt.Errorf("compare with PCA fitted to %s: %w", train.Data, err)
	}
	rep.Autoencoder.ReconError = rep.PCAComparison.Autoencoder
	return rep, nil
}

// parseKs parses --k: one positive number or a comma-separated list of
// them, returned sorted without repeats.
func parseKs(s string) ([]int, error) {
	var ks []int
	for f := range strings.SplitSeq(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("--k %q: %q is not a positive number of components", s, f)
		}
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return slices.Compact(ks), nil
}

// parseIndex parses --index, a comma-separated list of positions and
// inclusive ranges A-B, each below n. An empty s means the notebook's
// 9705-9714 when the test set has that many images, else the first ten.
func parseIndex(s string, n int) ([]int, error) {
	if s == "" {
		if n > 9714 {
			s = notebookIndex
		} else {
			s = "0-" + strconv.Itoa(min(n, 10)-1)
		}
	}
	var index []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		a, b, isRange := strings.Cut(f, "-")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.Atoi(b)
		}
		switch {
		case err1 != nil || err2 != nil || lo < 0:
			return nil, fmt.Errorf("--index %q: %q is not a position or a range A-B", s, f)
		case hi < lo:
			return nil, fmt.Errorf("--index %q: range %q ends before it starts", s, f)
		case hi >= n:
			return nil, fmt.Errorf("--index %q: %d is past the last of the %d test images (0 to %d)", s, hi, n, n-1)
		case len(index)+hi-lo+1 > maxShown:
			return nil, fmt.Errorf("--index %q: more than %d images", s, maxShown)
		}
		for i := lo; i <= hi; i++ {
			index = append(index, i)
		}
	}
	return index, nil
}

// readImages reads a whole IDX file, or the images of a data set with role
// (train or test images, or the split after a ':' in arg).
func readImages(arg, role string) (*images, error) {
	im := &images{Data: arg}
	var r *dataset.Reader
	if _, err := os.Stat(arg); err == nil || strings.ContainsRune(arg, os.PathSeparator) {
		if r, err = dataset.OpenIDX(arg); err != nil {
			return nil, err
		}
		im.Path = arg
	} else {
		name, split, _ := strings.Cut(arg, ":")
		switch split {
		case "":
		case "train":
			role = dataset.TrainImages
		case "test":
			role = dataset.TestImages
		default:
			return nil, usagef("data %q: split %q is not train or test", arg, split)
		}
		if _, err := dataset.Lookup(name); err != nil {
			return nil, fmt.Errorf("data %q is neither a file nor a data set: %w", arg, err)
		}
		var src dataset.Source
		if r, src, err = dataset.Open(name, role); err != nil {
			return nil, err
		}
		im.Path = src.Path
	}
	defer r.Close()
	h := r.Header()
	if len(h.Dims) < 2 {
		return nil, fmt.Errorf("%s holds %v, not images", r.Name(), h)
	}
	im.Dims, im.d = h.Dims[1:], h.ItemLen()
	im.x = make([]float32, r.Remaining()*im.d)
	for off := 0; ; {
		n, err := r.ReadFloat32(im.x[off:])
		off += n * im.d
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	im.Images = len(im.x) / im.d
	if im.Images == 0 {
		return nil, fmt.Errorf("%s holds no images", r.Name())
	}
	return im, nil
}

// readLabels reads the test labels from file, or, when the images come from
// a data set and no file is given, that data set's labels for the same
// split if they are found.
func (im *images) readLabels(file string) error {
	var l []uint8
	if file != "" {
		var err error
		if l, err = dataset.ReadLabels(file); err != nil {
			return err
		}
	} else {
		if im.Path == im.Data {
			return nil // a file, and no labels asked for
		}
		name, split, _ := strings.Cut(im.Data, ":")
		role := dataset.TestLabels
		if split == "train" {
			role = dataset.TrainLabels
		}
		r, src, err := dataset.Open(name, role)
		if err != nil {
			fmt.Fprintf(os.Stderr, "zoo: no labels for %s (%v); no MSE per class\n", im.Data, err)
			return nil
		}
		defer r.Close()
		file = src.Path
		if h := r.Header(); len(h.Dims) != 1 || h.Type != dataset.U8 {
			return fmt.Errorf("labels %s: want 1-D u8 labels, file holds %v", file, h)
		}
		l = make([]uint8, r.Remaining())
		for off := 0; ; {
			n, err := r.ReadUint8(l[off:])
			off += n
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
	}
	if len(l) != im.Images {
		return fmt.Errorf("labels %s: %d labels for the %d images of %s", file, len(l), im.Images, im.Data)
	}
	im.labels, im.Labels = l, file
	return nil
}

// reconstructAE runs the autoencoder over the n examples of x in batches.
func reconstructAE(ctx context.Context, sess *infer.Session, x []float32, n, batch int) ([]float32, error) {
	d := sess.InputLen()
	out := make([]float32, n*sess.OutputLen())
	var b *infer.Batch
	defer func() {
		if b != nil {
			b.Close()
		}
	}()
	for lo := 0; lo < n; lo += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := min(batch, n-lo)
		if b == nil || b.N != m {
			if b != nil {
				b.Close()
			}
			var err error
			if b, err = sess.NewBatch(m); err != nil {
				return nil, err
			}
		}
		copy(b.In, x[lo*d:(lo+m)*d])
		if err := sess.RunBatch(b); err != nil {
			return nil, err
		}
		copy(out[lo*d:], b.Out)
	}
	return out, nil
}

// writeFigure draws the figure of rep (see figure.ComparePCA) as PNG to w.
// It reports false, writing nothing, when the test items are not images.
func (rep *compareReport) writeFigure(w io.Writer) (bool, error) {
	f, err := figure.ComparePCA(rep.Test.x, rep.Test.Dims, rep.PCAComparison)
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

	fmt.Printf("\nsquared error of the chosen images (summed over the %d pixels)\n", rep.Test.d)
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
