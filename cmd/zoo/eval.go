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
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis"
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
	Model struct {
		Name     string   `json:"name,omitempty"`
		File     string   `json:"file"`
		Task     zoo.Task `json:"task"`
		Provider string   `json:"provider"`
	} `json:"model"`
	Data    string  `json:"data"`
	Labels  string  `json:"labels,omitempty"`
	Images  int     `json:"images"`
	Seconds float64 `json:"seconds"`
	// Classifiers.
	Accuracy       *float64          `json:"accuracy,omitempty"`
	LogLoss        *float64          `json:"log_loss,omitempty"`
	Classification *analysis.Summary `json:"classification,omitempty"`
	// Autoencoders.
	Reconstruction *analysis.ReconstructionEval `json:"reconstruction,omitempty"`
	Files          map[string]string            `json:"files,omitempty"`

	confusion  *analysis.Confusion
	classNames []string
	data       *figure.Data // autoencoders: the images and labels
	recon      []float32    // autoencoders: the reconstructions
}

// evalOptions are the inputs of evaluate.
type evalOptions struct {
	model, data, labels string
	worst               int
	batch, threads      int
	dev                 infer.Device
}

func runEval(c *cli.Context) error {
	a, err := args(c, 2, 2)
	if err != nil {
		return err
	}
	o := evalOptions{model: modelFileOf(a[0]), data: a[1], labels: c.String("labels"), worst: c.Int("worst"),
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

	// Claim the output names first, so that an existing file stops the
	// run before any work. Which figures are written depends on the task.
	files := map[string]*atomicfile.File{}
	defer func() {
		for _, f := range files {
			f.Abort()
		}
	}()
	dir := c.String("out")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		for _, name := range []string{"eval.json", "confusion.txt", "confusion.png", "worst.png"} {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil && !c.Bool("force") {
				return fmt.Errorf("%s already exists (use --force to replace it)", p)
			}
		}
	}

	res, err := evaluate(c.Context, o)
	if err != nil {
		return err
	}
	if dir != "" {
		out := map[string][]byte{}
		if res.confusion != nil {
			var txt bytes.Buffer
			if err := res.confusion.WriteMatrix(&txt, res.classNames); err != nil {
				return err
			}
			out["confusion.txt"] = txt.Bytes()
		}
		for name, fig := range res.figures(o) {
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
		for name, data := range out {
			f, err := atomicfile.Create(filepath.Join(dir, name), c.Bool("force"))
			if err != nil {
				return err
			}
			files[name] = f
			if _, err := f.Write(data); err != nil {
				return fmt.Errorf("write %s: %w", f.Path(), err)
			}
		}
		for name, f := range files {
			if err := f.Commit(); err != nil {
				return err
			}
			delete(files, name)
		}
	}
	printEval(os.Stdout, res)
	return nil
}

// modelFileOf returns model.onnx of an export folder, or path itself.
func modelFileOf(path string) string {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return filepath.Join(path, zoo.ModelFile)
	}
	return path
}

// evaluate runs the model over the data and measures it.
func evaluate(ctx context.Context, o evalOptions) (*evalResult, error) {
	sess, err := infer.Open(o.model, infer.Options{Device: o.dev, Threads: o.threads, Warn: os.Stderr})
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	task := sess.Task()
	if task == "" {
		task = zoo.Reconstruct
		if sess.InputLen() != sess.OutputLen() {
			task = zoo.Classify
		}
	}
	if task != zoo.Reconstruct && task != zoo.Classify {
		return nil, fmt.Errorf("%s performs %s: zoo eval takes a whole model (model.onnx), a classifier or an autoencoder", o.model, task)
	}
	if err := sess.CheckTask(task); err != nil {
		return nil, err
	}
	r, named, err := openData(o.data, task)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	labels, err := openLabels(o.labels, named)
	if err != nil {
		return nil, err
	}
	if labels != nil {
		defer labels.Close()
	}
	res := &evalResult{Data: r.Name(), Images: r.Remaining()}
	res.Model.Name, res.Model.File, res.Model.Task, res.Model.Provider = sess.ModelName(), o.model, task, sess.Provider()
	if labels != nil {
		res.Labels = labels.Name()
	}
	start := time.Now()
	if task == zoo.Classify {
		if labels == nil {
			return nil, usagef("eval of the classifier %s needs the true labels of %s: --labels FILE", o.model, r.Name())
		}
		res.classNames = classNames(sess, named)
		rep, err := sess.Stream(ctx, r, infer.StreamOptions{Task: task, Batch: o.batch, Labels: labels, ClassNames: res.classNames})
		if err != nil {
			return nil, interrupted(err)
		}
		res.Images, res.Accuracy, res.LogLoss, res.Classification, res.confusion = rep.Images, rep.Accuracy, rep.LogLoss, rep.Classification, rep.Confusion
		res.Seconds = time.Since(start).Seconds()
		return res, nil
	}

	h := r.Header()
	if h.ItemLen() != sess.InputLen() {
		return nil, fmt.Errorf("%s: images of %v (%d values) for %s, which takes %v", r.Name(), h.Dims[1:], h.ItemLen(), o.model, sess.InputShape())
	}
	d := &figure.Data{Name: filepath.Base(r.Name()), Shape: h.Dims[1:], N: r.Remaining()}
	if d.X, err = readAll(r); err != nil {
		return nil, err
	}
	if labels != nil {
		if d.Labels, err = readAllLabels(labels, d.N); err != nil {
			return nil, err
		}
		if named != nil {
			if ds, err := dataset.Lookup(named.name); err == nil {
				d.ClassNames = ds.Classes
			}
		}
	}
	if res.recon, err = reconstructAE(ctx, sess, d.X, d.N, o.batch); err != nil {
		return nil, interrupted(err)
	}
	res.Seconds = time.Since(start).Seconds()
	if res.Reconstruction, err = analysis.EvalReconstruction(d.X, res.recon, h.ItemLen(), d.Labels, o.worst); err != nil {
		return nil, err
	}
	res.data = d
	return res, nil
}

// interrupted says that nothing was written when err is a cancellation.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted; no output was written")
	}
	return err
}

// readAll reads the remaining items of r as float32.
func readAll(r *dataset.Reader) ([]float32, error) {
	x := make([]float32, r.Remaining()*r.Header().ItemLen())
	n, err := r.ReadFloat32(x)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n*r.Header().ItemLen() != len(x) {
		return nil, fmt.Errorf("%s: read %d of %d items", r.Name(), n, len(x)/r.Header().ItemLen())
	}
	return x, nil
}

// readAllLabels reads n labels from r, which must hold exactly n.
func readAllLabels(r *dataset.Reader, n int) ([]uint8, error) {
	if r.Remaining() != n {
		return nil, fmt.Errorf("labels %s: %d labels for %d images", r.Name(), r.Remaining(), n)
	}
	l := make([]uint8, n)
	got, err := r.ReadUint8(l)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("labels %s: %w", r.Name(), err)
	}
	if got != n {
		return nil, fmt.Errorf("labels %s: read %d of %d labels", r.Name(), got, n)
	}
	return l, nil
}

// figures returns the figures of the evaluation by file name: the
// confusion matrix of a classifier, the worst reconstructions of an
// autoencoder (none when they are not images).
func (res *evalResult) figures(o evalOptions) map[string]*figure.Figure {
	out := map[string]*figure.Figure{}
	if res.confusion != nil {
		if f, err := figure.Confusion(res.confusion, res.classNames, figure.Options{}); err == nil {
			out["confusion"] = f
		} else {
			fmt.Fprintf(os.Stderr, "zoo: no confusion figure: %v\n", err)
		}
	}
	if ev := res.Reconstruction; ev != nil && len(ev.Worst) > 0 {
		if f, err := figure.Worst(res.data, res.recon, ev.Worst, res.modelName()); err == nil {
			out["worst"] = f
		} else {
			fmt.Fprintf(os.Stderr, "zoo: no figure of the worst reconstructions: %v\n", err)
		}
	}
	return out
}

func (res *evalResult) modelName() string {
	if res.Model.Name != "" {
		return res.Model.Name
	}
	return filepath.Base(res.Model.File)
}

// printEval prints the numbers of res.
func printEval(w io.Writer, res *evalResult) {
	fmt.Fprintf(w, "%s (%s) on %d images of %s in %.2f s\n", res.modelName(), res.Model.Task, res.Images, res.Data, res.Seconds)
	if res.confusion != nil {
		fmt.Fprintf(w, "accuracy %.2f%% (%d of %d)", 100*res.confusion.Accuracy(), res.confusion.Correct(), res.confusion.Total())
		if res.LogLoss != nil {
			fmt.Fprintf(w, ", log loss %.4f", *res.LogLoss)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w)
		res.confusion.WriteClassTable(w, res.classNames)
		fmt.Fprintln(w, "\nconfusion matrix (rows true, columns predicted)")
		res.confusion.WriteMatrix(w, res.classNames)
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
