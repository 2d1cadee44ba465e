package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/interrupt"
	"github.com/zoo-ml/zoo/zoo"
)

func inferCommand() *cli.Command {
	return &cli.Command{
		Name:      "infer",
		Usage:     "run an ONNX model over an IDX file in batches with onnxruntime",
		ArgsUsage: "MODEL DATA",
		Description: `MODEL is an .onnx file or an export folder (which picks model.onnx, encoder.onnx or decoder.onnx
by --task). DATA, required, is an IDX file (raw or .gz; u8 images are scaled to [0, 1]) or a data
set name such as mnist, fashion-mnist:test or mnist-mini; a data set that is not found falls back
to the embedded mnist-mini set, with a notice. A data set name always means the data set: a file
or folder of that name is ./NAME. DATA must hold at least one example shaped like the
model's input (28x28 or a flat 784 for [1, 28, 28]), as u8 or float values (decode: float codes);
float data holding NaN or Inf stops at the first such example, named, unless --allow-nan.

Tasks: reconstruct (images -> images, prints the mean squared error), encode (images -> codes),
decode (IDX f32 codes -> images), classify (images -> classes; the default for classifiers).
Outputs are IDX float32, or NumPy .npy with --format npy or an .npy extension; they are written to
a temporary file and renamed at the end, and an existing file is replaced only with --force.

A model zoo did not write (no zoo.task metadata) does what its shapes say: reconstruct when its
output is shaped like its input, classify when it is a vector of classes; --task overrides. Its input
may be [N, C, H, W], [N, H, W, C] (--layout nhwc, or detected when C is 1 or 3) or [N, D]; a fixed
batch dimension (batch 1) is run at that size, with a notice; --scale and --normalize set the range.

Classify takes the model's outputs as logits: --out writes the predicted class of each image as
IDX u8 (magic 0x0801), a NumPy uint8 array (.npy) or CSV (.csv: index, predicted class, its name
when known, confidence, the true label and whether it is correct when labels are given, and the
probability of every class); --probs writes the softmax probabilities [N, classes] and --logits
the raw outputs. With true labels (--labels FILE, one u8 label per image, or automatically when
DATA is a data set name) it prints the accuracy, log loss, per-class recall and precision and the
confusion matrix (rows true classes, columns predicted), and puts them in the --json file.

Example:
   zoo infer models/relu-ae-30/model.onnx ../shared/data/mnist/t10k-images-idx3-ubyte.gz \
       --task reconstruct --out recon.idx --batch 256 --json metrics.json
   zoo infer models/relu-ae-30 mnist --task encode --out codes.npy
   zoo infer models/relu-ae-30 codes.idx --task decode --out images.idx
   zoo infer models/cnn/model.onnx t10k-images-idx3-ubyte.gz --task classify \
       --labels t10k-labels-idx1-ubyte.gz --out preds.csv --json metrics.json`,
		Flags:  inferFlags(),
		Action: runInfer,
	}
}

// inferFlags are the flags of zoo infer.
func inferFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "task", Usage: "reconstruct, encode, decode or classify (default: the model's, from its metadata)"},
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write the outputs (classify: the predicted classes) to `FILE`"},
		&cli.StringFlag{Name: "format", Usage: "format of --out: idx or npy, or csv for classify (default: from the extension)"},
		&cli.StringFlag{Name: "labels", Usage: "classify: true labels, an IDX u8 `FILE` with one label per image (default: the data set's, when DATA names one)"},
		&cli.StringFlag{Name: "probs", Usage: "classify: write the softmax probabilities [N, classes] to `FILE` (IDX float32, or .npy)"},
		&cli.StringFlag{Name: "logits", Usage: "classify: write the raw model outputs [N, classes] to `FILE` (IDX float32, or .npy)"},
		&cli.IntFlag{Name: "batch", Aliases: []string{"b"}, Usage: "examples per onnxruntime run (default 256 on the CPU, 4096 on CUDA)"},
		&cli.StringFlag{Name: "json", Usage: "write metrics, images/s and the provider used to `FILE`"},
		&cli.BoolFlag{Name: "per-image", Usage: "include each image's MSE in the --json file"},
		&cli.StringFlag{Name: "device", Usage: "cpu, cuda, cuda:N (GPU N) or auto (CUDA when the onnxruntime library has it, else the CPU with a notice); cuda fails when it is unavailable", Value: "cpu"},
		&cli.StringSliceFlag{Name: "cuda-opt", Usage: "CUDA provider option `KEY=VALUE`, repeatable: gpu_mem_limit=8GiB, arena_extend_strategy=kSameAsRequested, cudnn_conv_algo_search=HEURISTIC, do_copy_in_default_stream=1, use_tf32=0, ..."},
		&cli.BoolFlag{Name: "io-binding", Usage: "run batches through an onnxruntime IoBinding (same outputs; for measuring)"},
		&cli.IntFlag{Name: "threads", Usage: "onnxruntime intra-op threads (0: one per physical core)"},
		&cli.BoolFlag{Name: "force", Usage: "replace existing output files"},
		&cli.BoolFlag{Name: "allow-nan", Usage: "run float inputs holding NaN or Inf (by default the first such example is an error)"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print the library, provider and shapes"},
		&cli.StringFlag{Name: "layout", Usage: "the model's image layout, nchw or nhwc (default: from its input shape, channels 1 or 3); images in the other layout are transposed"},
		&cli.StringFlag{Name: "scale", Usage: "multiply each value (u8 0-255, or float) by `S`, a number or a fraction (default 1/255 for u8 data, 1 for float data)"},
		&cli.StringFlag{Name: "normalize", Usage: "then normalise the values, (x - MEAN) / STD, for a model trained on normalised data: `MEAN,STD` such as 0.1307,0.3081"},
		&cli.StringFlag{Name: "class-names", Usage: "classify: the class names, one a line, in a text `FILE` (default: the model's metadata, the data set's, else numbers)"},
		&cli.StringFlag{Name: "shard", Usage: "process only shard `I/N` (I from 0): the examples [I*T/N, (I+1)*T/N) of the T in DATA; merge the IDX outputs with zoo merge"},
	}
}

func runInfer(c *cli.Context) error {
	job, err := inferJob(c)
	if err != nil {
		return err
	}
	rep, err := job.Run(c.Context)
	if err != nil {
		return inferError(c, err)
	}
	return rep.WriteText(os.Stdout)
}

// inferJob reads the arguments and flags of zoo infer into a job.
func inferJob(c *cli.Context) (*infer.Job, error) {
	a, err := args(c, 2, 2)
	if err != nil {
		return nil, err
	}
	j := &infer.Job{Model: a[0], Data: a[1], Out: c.String("out"), Format: c.String("format"),
		Labels: c.String("labels"), Probs: c.String("probs"), Logits: c.String("logits"), JSON: c.String("json"),
		Force: c.Bool("force"), Batch: c.Int("batch"), PerImage: c.Bool("per-image"), AllowNaN: c.Bool("allow-nan"), ClassNames: c.String("class-names"),
		Session: infer.Options{Threads: c.Int("threads"), Warn: os.Stderr, IOBinding: c.Bool("io-binding")},
		Notice:  dataNotice}
	if err := j.Session.Check(); err != nil {
		return nil, usagef("--%v", err)
	}
	if c.Bool("verbose") {
		j.Verbose = os.Stderr
	}
	if j.Session.Device, err = infer.ParseDevice(c.String("device")); err != nil {
		return nil, usageError{err}
	}
	if j.Preprocess, err = infer.ParsePreprocess(c.String("layout"), c.String("scale"), c.String("normalize")); err != nil {
		return nil, usageError{err}
	}
	if c.IsSet("batch") && j.Batch <= 0 {
		return nil, usagef("--batch %d must be positive", j.Batch)
	}
	if j.Session.CUDA, err = infer.ParseCUDAOptions(c.StringSlice("cuda-opt")); err != nil {
		return nil, usageError{err}
	}
	if j.Session.Device.Kind == "cpu" && len(j.Session.CUDA) > 0 {
		return nil, usagef("--cuda-opt needs --device cuda, cuda:N or auto")
	}
	if s := c.String("task"); s != "" {
		if j.Task, err = zoo.ParseTask(s); err != nil {
			return nil, usageError{err}
		}
	}
	if err := checkClassifyFlags(c, j.Task); err != nil {
		return nil, err
	}
	if j.Shard, j.Shards, err = infer.ParseShard(c.String("shard")); err != nil {
		return nil, usageError{err}
	}
	if j.Shards > 0 {
		for _, f := range []string{"out", "probs", "logits"} {
			if p := c.String(f); p != "" {
				if format, _ := infer.FormatOf(p, c.String("format")); format != infer.FormatIDX || strings.HasSuffix(p, ".csv") {
					return nil, usagef("--shard writes IDX parts for zoo merge: --%s %s must be an IDX file", f, p)
				}
			}
		}
	}
	return j, nil
}

// inferError returns the error of a job as the command says it: an
// interruption with its signal's exit code, options that do not fit (the
// format, the data's split, classify's flags for a model that does
// another task) as usage errors.
func inferError(c *cli.Context, err error) error {
	var oe *infer.OptionError
	var se *dataset.SplitError
	var nf *dataset.NonFiniteError
	switch {
	case errors.Is(err, context.Canceled):
		return interrupt.Err(c.Context, err)
	case errors.As(err, &nf):
		return fmt.Errorf("%w; the model's outputs would be meaningless (--allow-nan runs it anyway)", err)
	case errors.As(err, &oe) && oe.Task != "":
		return fmt.Errorf("%s performs %s: %w", oe.Model, oe.Task, checkClassifyFlags(c, oe.Task))
	case errors.As(err, &oe), errors.As(err, &se):
		return usageError{err}
	}
	return err
}

// checkClassifyFlags rejects the flags of classify with another task.
func checkClassifyFlags(c *cli.Context, task zoo.Task) error {
	if task == "" || task == zoo.Classify {
		return nil
	}
	for _, f := range []string{"labels", "probs", "logits", "class-names"} {
		if c.String(f) != "" {
			return usagef("--%s applies to --task classify only, not %s", f, task)
		}
	}
	if c.String("format") == infer.FormatCSV {
		return usagef("--format csv applies to --task classify only, not %s", task)
	}
	return nil
}
