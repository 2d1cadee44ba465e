package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
)

func inferCommand() *cli.Command {
	return &cli.Command{
		Name:      "infer",
		Usage:     "run an ONNX model over an IDX file in batches with onnxruntime",
		ArgsUsage: "MODEL DATA",
		Description: `MODEL is an .onnx file or an export folder (which picks model.onnx, encoder.onnx or decoder.onnx
by --task). DATA is an IDX file (raw or .gz; u8 images are scaled to [0, 1]) or a data set name
such as mnist, fashion-mnist:test or mnist-mini; a data set that is not found falls back to the
embedded mnist-mini set, with a notice.

Tasks: reconstruct (images -> images, prints the mean squared error), encode (images -> codes),
decode (IDX f32 codes -> images). Outputs are IDX float32, or NumPy .npy with --format npy or an
.npy extension; they are written to a temporary file and renamed at the end, and an existing file
is replaced only with --force.

Example:
   zoo infer models/relu-ae-30/model.onnx ../shared/data/mnist/t10k-images-idx3-ubyte.gz \
       --task reconstruct --out recon.idx --batch 256 --json metrics.json
   zoo infer models/relu-ae-30 mnist --task encode --out codes.npy
   zoo infer models/relu-ae-30 codes.idx --task decode --out images.idx`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "task", Usage: "reconstruct, encode or decode (default: the model's, from its metadata)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the outputs to `FILE`"},
			&cli.StringFlag{Name: "format", Usage: "output format: idx or npy (default: from the extension of --out)"},
			&cli.IntFlag{Name: "batch", Aliases: []string{"b"}, Usage: "examples per onnxruntime run", Value: 256},
			&cli.StringFlag{Name: "json", Usage: "write metrics, images/s and the provider used to `FILE`"},
			&cli.BoolFlag{Name: "per-image", Usage: "include each image's MSE in the --json file"},
			&cli.StringFlag{Name: "device", Usage: "cpu, cuda, cuda:N or auto (auto falls back to the CPU)", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "onnxruntime intra-op threads (0: one per physical core)"},
			&cli.BoolFlag{Name: "force", Usage: "replace existing output files"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print the library, provider and shapes"},
		},
		Action: runInfer,
	}
}

func runInfer(c *cli.Context) error {
	a, err := args(c, 1, 2)
	if err != nil {
		return err
	}
	dev, err := infer.ParseDevice(c.String("device"))
	if err != nil {
		return usageError{err}
	}
	if c.Int("batch") <= 0 {
		return usagef("--batch %d must be positive", c.Int("batch"))
	}
	task := c.String("task")
	modelPath := a[0]
	if fi, err := os.Stat(modelPath); err == nil && fi.IsDir() {
		if task == "" {
			task = infer.TaskReconstruct
		}
		f, err := infer.ModelFile(task)
		if err != nil {
			return usageError{err}
		}
		modelPath = filepath.Join(modelPath, f)
	}
	// Claim the output names first, so that an existing file stops the
	// run before any work.
	var out *infer.Output
	var jsonFile *atomicfile.File
	defer func() {
		if out != nil {
			out.Abort()
		}
		if jsonFile != nil {
			jsonFile.Abort()
		}
	}()
	if p := c.String("json"); p != "" {
		if jsonFile, err = atomicfile.Create(p, c.Bool("force")); err != nil {
			return err
		}
	}

	sess, err := infer.Open(modelPath, infer.Options{Device: dev, Threads: c.Int("threads"), Warn: os.Stderr})
	if err != nil {
		return err
	}
	defer sess.Close()
	if task == "" {
		task = sess.Task()
		if task == "" || task == "classify" {
			task = infer.TaskReconstruct
		}
	}
	dataArg := "mnist"
	if len(a) == 2 {
		dataArg = a[1]
	}
	r, err := openData(dataArg, task)
	if err != nil {
		return err
	}
	defer r.Close()
	if c.Bool("verbose") {
		lib, _ := infer.LibraryPath()
		fmt.Fprintf(os.Stderr, "onnxruntime %s (%s), provider %s\nmodel %s: input %v, output %v, task %s\ndata %s: %v\n",
			infer.Version(), lib, sess.Provider(), modelPath, sess.InputShape(), sess.OutputShape(), task, r.Name(), r.Header())
	}

	if p := c.String("out"); p != "" {
		format, err := infer.FormatOf(p, c.String("format"))
		if err != nil {
			return usageError{err}
		}
		dims := sess.OutputShape()
		if h := r.Header(); task == infer.TaskReconstruct && h.ItemLen() == sess.OutputLen() && len(h.Dims) > 1 {
			dims = h.Dims[1:] // reconstructions keep the input's image shape, e.g. 28x28
		}
		if out, err = infer.CreateOutput(p, format, r.Remaining(), dims, c.Bool("force")); err != nil {
			return err
		}
	}

	rep, err := sess.Stream(c.Context, r, infer.StreamOptions{
		Task: task, Batch: c.Int("batch"), PerImage: c.Bool("per-image"), Output: out,
	})
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted; no output was written")
	}
	if err != nil {
		return err
	}
	if out != nil {
		if err := out.Commit(); err != nil {
			return err
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
		if err := jsonFile.Commit(); err != nil {
			return err
		}
	}
	printReport(rep)
	return nil
}

// openData opens DATA: an existing file, or a data set name with an
// optional ":train" or ":test" split (default test), falling back to the
// embedded mnist-mini set with a notice when the data set is not found.
func openData(arg, task string) (*dataset.Reader, error) {
	if _, err := os.Stat(arg); err == nil || strings.ContainsRune(arg, os.PathSeparator) || task == infer.TaskDecode {
		return dataset.OpenIDX(arg)
	}
	name, split, _ := strings.Cut(arg, ":")
	role := dataset.TestImages
	switch split {
	case "", "test":
	case "train":
		role = dataset.TrainImages
	default:
		return nil, usagef("data %q: split %q is not train or test", arg, split)
	}
	if _, err := dataset.Lookup(name); err != nil {
		return nil, fmt.Errorf("data %q is neither a file nor a data set: %w", arg, err)
	}
	r, src, err := dataset.OpenOrMini(name, role)
	if err != nil {
		return nil, err
	}
	if src.Embedded && name != dataset.MiniName {
		fmt.Fprintf(os.Stderr, "zoo: %s not found on the search path (zoo data fetch %s); using the embedded %s set (%d MNIST test images)\n",
			name, name, dataset.MiniName, r.Remaining())
	}
	return r, nil
}

func printReport(rep *infer.Report) {
	verb := map[string]string{infer.TaskReconstruct: "reconstructed", infer.TaskEncode: "encoded", infer.TaskDecode: "decoded"}[rep.Task]
	name := rep.Model
	if name == "" {
		name = filepath.Base(rep.File)
	}
	fmt.Printf("%s %d examples of %s with %s (%s) in %.3f s: %.0f images/s\n",
		verb, rep.Images, rep.Input, name, rep.Provider, rep.Seconds, rep.PerSecond)
	if rep.MSE != nil {
		fmt.Printf("reconstruction MSE %.6f (mean per pixel)\n", *rep.MSE)
	}
	if rep.Output != "" {
		fmt.Printf("wrote %s (%s)\n", rep.Output, rep.Format)
	}
}
