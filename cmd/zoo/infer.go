package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

func inferCommand() *cli.Command {
	return &cli.Command{
		Name:      "infer",
		Usage:     "run an ONNX model over an IDX file in batches with onnxruntime",
		ArgsUsage: "MODEL DATA",
		Description: `MODEL is an .onnx file or an export folder (which picks model.onnx, encoder.onnx or decoder.onnx
by --task). DATA is an IDX file (raw or .gz; u8 images are scaled to [0, 1]) or a data set name
such as mnist, fashion-mnist:test or mnist-mini; a data set that is not found falls back to the
embedded mnist-mini set, with a notice. DATA must hold at least one example shaped like the
model's input (28x28 or a flat 784 for [1, 28, 28]), as u8 or float values (decode: float codes);
float data holding NaN or Inf stops at the first such example, named, unless --allow-nan.

Tasks: reconstruct (images -> images, prints the mean squared error), encode (images -> codes),
decode (IDX f32 codes -> images), classify (images -> classes; the default for classifiers).
Outputs are IDX float32, or NumPy .npy with --format npy or an .npy extension; they are written to
a temporary file and renamed at the end, and an existing file is replaced only with --force.

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
		Flags: []cli.Flag{
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
			&cli.StringFlag{Name: "shard", Usage: "process only shard `I/N` (I from 0): the examples [I*T/N, (I+1)*T/N) of the T in DATA; merge the IDX outputs with zoo merge"},
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
	if c.IsSet("batch") && c.Int("batch") <= 0 {
		return usagef("--batch %d must be positive", c.Int("batch"))
	}
	cudaOpts, err := infer.ParseCUDAOptions(c.StringSlice("cuda-opt"))
	if err != nil {
		return usageError{err}
	}
	if dev.Kind == "cpu" && len(cudaOpts) > 0 {
		return usagef("--cuda-opt needs --device cuda, cuda:N or auto")
	}
	var task zoo.Task
	if s := c.String("task"); s != "" {
		if task, err = zoo.ParseTask(s); err != nil {
			return usageError{err}
		}
	}
	if err := checkClassifyFlags(c, task); err != nil {
		return err
	}
	shard, shards, err := parseShard(c.String("shard"))
	if err != nil {
		return err
	}
	if shards > 0 {
		for _, f := range []string{"out", "probs", "logits"} {
			if p := c.String(f); p != "" {
				if format, _ := infer.FormatOf(p, c.String("format")); format != infer.FormatIDX || strings.HasSuffix(p, ".csv") {
					return usagef("--shard writes IDX parts for zoo merge: --%s %s must be an IDX file", f, p)
				}
			}
		}
	}
	// The whole model, whose metadata says its task, unless the task asks
	// for a part: a classifier's folder has no encoder.onnx, and its
	// model.onnx then says that it is a classifier.
	modelPath := infer.ModelFile(a[0], task)
	// Claim the output names first, so that an existing file stops the
	// run before any work.
	var out, probs, logits *infer.Output
	var preds *infer.Predictions
	var jsonFile *atomicfile.File
	defer func() {
		for _, o := range []*infer.Output{out, probs, logits} {
			if o != nil {
				o.Abort()
			}
		}
		if preds != nil {
			preds.Abort()
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

	sess, err := infer.Open(modelPath, infer.Options{Device: dev, Threads: c.Int("threads"), Warn: os.Stderr,
		CUDA: cudaOpts, IOBinding: c.Bool("io-binding")})
	if err != nil {
		return err
	}
	defer sess.Close()
	defer sess.AbortOn(c.Context)() // Ctrl-C ends a long run early
	batch := c.Int("batch")
	if !c.IsSet("batch") {
		batch = infer.DefaultBatch(sess.Provider())
	}
	if task == "" {
		task = sess.InferTask()
		if err := checkClassifyFlags(c, task); err != nil {
			return fmt.Errorf("%s performs %s: %w", modelPath, task, err)
		}
	}
	dataArg := "mnist"
	if len(a) == 2 {
		dataArg = a[1]
	}
	r, named, err := openData(dataArg, task)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := infer.CheckInput(r.Name(), r.Header(), task, sess.InputShape()); err != nil {
		return err
	}
	first := 0 // index in DATA of the first example streamed
	var labels *dataset.Reader
	if task == zoo.Classify {
		if labels, err = openLabels(c.String("labels"), named); err != nil {
			return err
		}
		if labels != nil {
			defer labels.Close()
		}
	}
	if shards > 0 {
		total := r.Remaining()
		lo, hi := shard*total/shards, (shard+1)*total/shards
		if err := r.Range(lo, hi); err != nil {
			return err
		}
		first = lo
		if labels != nil {
			if labels.Remaining() != total {
				return fmt.Errorf("labels %s: %d labels for %d images in %s; the counts must match", labels.Name(), labels.Remaining(), total, r.Name())
			}
			if err := labels.Range(lo, hi); err != nil {
				return err
			}
		}
		if c.Bool("verbose") {
			fmt.Fprintf(os.Stderr, "shard %d/%d: examples %d to %d of %d\n", shard, shards, lo, hi-1, total)
		}
	}
	if c.Bool("verbose") {
		lib, _ := infer.LibraryPath()
		fmt.Fprintf(os.Stderr, "onnxruntime %s (%s), provider %s, batch %d\nmodel %s: input %v, output %v, task %s\ndata %s: %v\n",
			infer.Version(), lib, sess.Describe(), batch, modelPath, sess.InputShape(), sess.OutputShape(), task, r.Name(), r.Header())
	}

	var names []string
	if task == zoo.Classify {
		if err := sess.CheckTask(task); err != nil {
			return err
		}
		n, k := r.Remaining(), sess.Classes()
		names = classNames(sess, named)
		if p := c.String("out"); p != "" {
			format, err := infer.PredictionFormatOf(p, c.String("format"))
			if err != nil {
				return usageError{err}
			}
			preds, err = infer.CreatePredictions(p, infer.PredictionsOptions{
				Format: format, Count: n, Classes: k, Names: names, Labels: labels != nil, Force: c.Bool("force"),
			})
			if err != nil {
				return err
			}
		}
		for _, o := range []struct {
			flag string
			dst  **infer.Output
		}{{"probs", &probs}, {"logits", &logits}} {
			p := c.String(o.flag)
			if p == "" {
				continue
			}
			format, _ := infer.FormatOf(p, "")
			if *o.dst, err = infer.CreateOutput(p, format, n, []int{k}, c.Bool("force")); err != nil {
				return err
			}
		}
	} else if p := c.String("out"); p != "" {
		format, err := infer.FormatOf(p, c.String("format"))
		if err != nil {
			return usageError{err}
		}
		dims := sess.OutputShape()
		if h := r.Header(); task == zoo.Reconstruct && h.ItemLen() == sess.OutputLen() && len(h.Dims) > 1 {
			dims = h.Dims[1:] // reconstructions keep the input's image shape, e.g. 28x28
		}
		if out, err = infer.CreateOutput(p, format, r.Remaining(), dims, c.Bool("force")); err != nil {
			return err
		}
	}

	opt := infer.StreamOptions{Task: task, Batch: batch, PerImage: c.Bool("per-image"), Output: out, AllowNaN: c.Bool("allow-nan")}
	if task == zoo.Classify {
		opt.Output, opt.Predictions, opt.Probs, opt.Labels, opt.ClassNames = logits, preds, probs, labels, names
	}
	rep, err := sess.Stream(c.Context, r, opt)
	if c.Bool("verbose") {
		if sigs := sess.RestoredSignals(); len(sigs) > 0 {
			fmt.Fprintf(os.Stderr, "restored Go's handlers of %s after onnxruntime's CUDA provider replaced them\n", strings.Join(sigs, ", "))
		}
	}
	if errors.Is(err, context.Canceled) {
		return interruption(c.Context, err)
	}
	if nf := (*infer.NonFiniteError)(nil); errors.As(err, &nf) {
		nf.Index += first
	}
	if err != nil {
		return err
	}
	for _, o := range []*infer.Output{out, probs, logits} {
		if o != nil {
			if err := o.Commit(); err != nil {
				return err
			}
		}
	}
	if preds != nil {
		if err := preds.Commit(); err != nil {
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

// namedData is a data set that DATA named, with the role of its labels.
type namedData struct {
	name, labelRole string
	// file is set instead of name for CIFAR-10 data given as a file, which
	// carries its labels.
	file string
}

// openData opens DATA: an existing file, or a data set name with an
// optional ":train" or ":test" split (default test), falling back to the
// embedded mnist-mini set with a notice when the data set is not found.
// For a data set it also returns where its labels are.
func openData(arg string, task zoo.Task) (*dataset.Reader, *namedData, error) {
	if _, err := os.Stat(arg); err == nil || strings.ContainsRune(arg, os.PathSeparator) || task == zoo.Decode {
		if task != zoo.Decode && dataset.HoldsLabels(arg) {
			r, err := dataset.OpenFile(arg, dataset.TestImages)
			return r, &namedData{name: "cifar-10", file: arg, labelRole: dataset.TestLabels}, err
		}
		r, err := dataset.OpenIDX(arg)
		return r, nil, err
	}
	name, split, _ := strings.Cut(arg, ":")
	role, labelRole := dataset.TestImages, dataset.TestLabels
	switch split {
	case "", "test":
	case "train":
		role, labelRole = dataset.TrainImages, dataset.TrainLabels
	default:
		return nil, nil, usagef("data %q: split %q is not train or test", arg, split)
	}
	if _, err := dataset.Lookup(name); err != nil {
		return nil, nil, fmt.Errorf("data %q is neither a file nor a data set: %w", arg, err)
	}
	r, src, err := dataset.OpenOrMini(name, role)
	if err != nil {
		return nil, nil, err
	}
	if src.Embedded && name != dataset.MiniName {
		fmt.Fprintf(os.Stderr, "zoo: %s not found on the search path (zoo data fetch %s); using the embedded %s set (%d MNIST test images)\n",
			name, name, dataset.MiniName, r.Remaining())
	}
	if src.Embedded {
		name = dataset.MiniName
	}
	return r, &namedData{name: name, labelRole: labelRole}, nil
}

// classNames returns the class names of the model, or, when it has none,
// those of the data set DATA names if it has as many classes; nil when
// neither is known.
func classNames(sess *infer.Session, named *namedData) []string {
	if names := sess.ClassNames(); names != nil {
		return names
	}
	if named == nil {
		return nil
	}
	if d, err := dataset.Lookup(named.name); err == nil && len(d.Classes) == sess.Classes() {
		return d.Classes
	}
	return nil
}

// checkClassifyFlags rejects the flags of classify with another task.
func checkClassifyFlags(c *cli.Context, task zoo.Task) error {
	if task == "" || task == zoo.Classify {
		return nil
	}
	for _, f := range []string{"labels", "probs", "logits"} {
		if c.String(f) != "" {
			return usagef("--%s applies to --task classify only, not %s", f, task)
		}
	}
	if c.String("format") == infer.FormatCSV {
		return usagef("--format csv applies to --task classify only, not %s", task)
	}
	return nil
}

// openLabels opens the true labels: the file given, else the labels of the
// named data set when it has them (nil, with a notice, when it does not).
func openLabels(path string, named *namedData) (*dataset.Reader, error) {
	if path != "" {
		return dataset.OpenFile(path, dataset.TestLabels)
	}
	if named == nil {
		return nil, nil
	}
	if named.file != "" {
		return dataset.OpenFile(named.file, named.labelRole)
	}
	r, _, err := dataset.Open(named.name, named.labelRole)
	if errors.Is(err, dataset.ErrNotFound) {
		fmt.Fprintf(os.Stderr, "zoo: no %s file of %s found; no accuracy without labels (--labels FILE)\n", named.labelRole, named.name)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("labels of %s: %w", named.name, err)
	}
	return r, nil
}

func printReport(rep *infer.Report) {
	verb := rep.Task.Verb()
	name := rep.Model
	if name == "" {
		name = filepath.Base(rep.File)
	}
	fmt.Printf("%s %d examples of %s with %s (%s) in %.3f s: %.0f images/s\n",
		verb, rep.Images, rep.Input, name, rep.Provider, rep.Seconds, rep.PerSecond)
	if rep.MSE != nil {
		fmt.Printf("reconstruction MSE %.6f (mean per pixel)\n", *rep.MSE)
	}
	if rep.Task == zoo.Classify {
		printClassification(rep)
	}
	if rep.Predictions != "" {
		fmt.Printf("wrote %s (predicted classes, %s)\n", rep.Predictions, rep.PredictionsFormat)
	}
	if rep.Probs != "" {
		fmt.Printf("wrote %s (probabilities)\n", rep.Probs)
	}
	if rep.Output != "" {
		what := ""
		if rep.Task == zoo.Classify {
			what = "logits, "
		}
		fmt.Printf("wrote %s (%s%s)\n", rep.Output, what, rep.Format)
	}
}

// printClassification prints the accuracy, the per-class table and the
// confusion matrix, or without labels how often each class was predicted.
func printClassification(rep *infer.Report) {
	names := rep.ClassNames
	if rep.Confusion == nil {
		var b strings.Builder
		for k, n := range rep.PredictedCounts {
			if names != nil {
				fmt.Fprintf(&b, " %d %s: %d,", k, names[k], n)
			} else {
				fmt.Fprintf(&b, " %d: %d,", k, n)
			}
		}
		fmt.Printf("predicted classes (no labels, no accuracy):%s\n", strings.TrimSuffix(b.String(), ","))
		return
	}
	conf := rep.Confusion
	fmt.Printf("accuracy %.2f%% (%d/%d correct), log loss %.4f, labels %s\n",
		100*conf.Accuracy(), conf.Correct(), conf.Total(), *rep.LogLoss, rep.Labels)
	fmt.Println()
	conf.WriteClassTable(os.Stdout, names)
	fmt.Println("\nconfusion matrix (rows: true class, columns: predicted class)")
	conf.WriteMatrix(os.Stdout, names)
	fmt.Println()
}

// parseShard parses --shard I/N; shards is 0 without the flag.
func parseShard(s string) (shard, shards int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usagef("--shard %q: want I/N with 0 <= I < N, such as 0/4", s)
	}
	return i, n, nil
}
