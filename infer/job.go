package infer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/internal/fileguard"
	"github.com/zoo-ml/zoo/zoo"
)

// A Job is one run of a model over a data set, as zoo infer does it: fill
// in the fields and call Run. Run checks that no output is an input or
// another output (whatever paths name them), claims every output file
// before any work,
// so that an existing one stops it early; opens the model, whose task it
// takes from the model when Task is empty; opens the data (and, to
// classify, the labels), or the part of it one shard covers; streams it
// through the model (see Session.Stream); and only then commits the output
// files and the JSON report. When it fails, no output file is left.
type Job struct {
	// Model is an .onnx file, or an export folder, whose file for Task
	// runs (see ModelFile).
	Model string
	// Data names the examples (see dataset.Resolve): a file, or a data set
	// (its test split unless a ":train" says otherwise), for which the
	// embedded mnist-mini set stands in when it is not on the search path.
	// To decode, Data is a file of codes.
	Data string
	// Task is what to do; "" is the model's task (see Session.InferTask).
	Task zoo.Task

	// Out receives the outputs (to classify: the predicted classes) in
	// Format: FormatIDX or FormatNPY (or FormatCSV, to classify), "" for
	// the one its extension implies. "" writes none.
	Out, Format string
	// To classify: Labels is a file of the true labels, "" for those the
	// data carries (a data set's, a CIFAR-10 file's); Probs and Logits
	// receive the probabilities and the model's outputs, IDX float32 or
	// .npy. Other tasks take none of them.
	Labels, Probs, Logits string
	// JSON receives the Report as JSON; "" writes none.
	JSON string
	// Force replaces existing output files.
	Force bool

	// Batch is the number of examples per run; 0 is DefaultBatch for the
	// session's provider.
	Batch int
	// Shards > 0 runs only shard Shard (from 0) of Shards: the examples
	// [Shard*T/Shards, (Shard+1)*T/Shards) of the T in Data, whose outputs
	// MergeIDX joins. Their IDX files are written for those examples only.
	Shard, Shards int
	// PerImage and AllowNaN are as in StreamOptions.
	PerImage, AllowNaN bool
	// Preprocess says how the data's values become the model's input (see
	// StreamOptions): zero for zoo's own models.
	Preprocess Preprocess
	// ClassNames is a file of a classifier's class names, one a line, in
	// class order; "" takes them from the model's metadata, else from the
	// data set, else numbers them.
	ClassNames string

	// Session holds the options of the model's session.
	Session Options
	// Verbose, when not nil, receives what runs: the shard, the
	// onnxruntime library, provider, batch, shapes and task, and the signal
	// handlers restored after onnxruntime's CUDA provider.
	Verbose io.Writer
	// Notice, when not nil, is told when mnist-mini stands in for Data and
	// when the labels of a data set are not found (the job then reports no
	// accuracy).
	Notice func(dataset.Notice)
}

// An OptionError says that an option of a Job does not fit: Err says why.
// Option is the Job field at fault: Format, or, when Task is set, one of
// Labels, Probs, Logits, ClassNames and Format that only zoo.Classify takes
// but the model, whose task the Job took from it, performs Task.
type OptionError struct {
	Option string
	Task   zoo.Task
	// Model is the model file.
	Model string
	Err   error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// classifyOnly returns an *OptionError for the first option of j that only
// zoo.Classify takes, when task is another.
func (j *Job) classifyOnly(task zoo.Task, model string) error {
	if task == zoo.Classify {
		return nil
	}
	for _, o := range []struct{ name, value string }{{"Labels", j.Labels}, {"Probs", j.Probs}, {"Logits", j.Logits}, {"ClassNames", j.ClassNames}} {
		if o.value != "" {
			return &OptionError{Option: o.name, Task: task, Model: model,
				Err: fmt.Errorf("%s performs %s: %s applies to %s only", model, task, strings.ToLower(o.name), zoo.Classify)}
		}
	}
	if j.Format == FormatCSV {
		return &OptionError{Option: "Format", Task: task, Model: model,
			Err: fmt.Errorf("%s performs %s: format csv applies to %s only", model, task, zoo.Classify)}
	}
	return nil
}

// jobRun is the state of one Run: what it opened and the files it writes.
type jobRun struct {
	*Job
	path         string // the model file
	sess         *Session
	task         zoo.Task
	batch        int
	ref          dataset.Ref // the data opened
	data, labels *dataset.Reader
	names        []string

	json               *atomicfile.File
	out, probs, logits *Output
	preds              *Predictions
	records            []*atomicfile.File // of a shard's outputs (see ShardRecord)
	first              int                // a shard's: index in Data of its first example
	total, count       int                // a shard's: examples in Data, and in the shard
}

// Run runs the job and returns the report of the stream. An interrupted
// job returns an error wrapping ctx's error.
func (j *Job) Run(ctx context.Context) (*Report, error) {
	r := &jobRun{Job: j, path: ModelFile(j.Model, j.Task), task: j.Task}
	defer r.close()
	if err := j.checkFiles(); err != nil {
		return nil, err
	}
	if j.JSON != "" {
		var err error
		if r.json, err = atomicfile.Create(j.JSON, j.Force); err != nil {
			return nil, err
		}
	}
	if err := r.openModel(); err != nil {
		return nil, err
	}
	defer r.sess.AbortOn(ctx)() // ends a long run early
	if err := r.openData(); err != nil {
		return nil, err
	}
	if err := r.createOutputs(); err != nil {
		return nil, err
	}
	if err := r.claimRecords(); err != nil {
		return nil, err
	}
	rep, err := r.stream(ctx)
	if err == nil {
		err = ctx.Err() // nothing is committed after an interrupt
	}
	if err != nil {
		return nil, err
	}
	return rep, r.commit(rep)
}

// checkFiles checks, before anything is opened or written, that no output
// is an input (the model, the data, the labels) or another output, by
// device and inode (see fileguard.Distinct).
func (j *Job) checkFiles() error {
	out := []fileguard.File{{Role: "output", Path: j.Out}, {Role: "probabilities", Path: j.Probs},
		{Role: "logits", Path: j.Logits}, {Role: "JSON report", Path: j.JSON}}
	return fileguard.Distinct(out, inputs(j.Model, fileguard.File{Role: "data", Path: j.Data}, fileguard.File{Role: "labels", Path: j.Labels}))
}

// openModel opens the session and settles the task and the batch size.
func (r *jobRun) openModel() error {
	var err error
	if r.sess, err = Open(r.path, r.Session); err != nil {
		return err
	}
	if r.batch = r.Batch; r.batch == 0 {
		r.batch = DefaultBatch(r.sess.Provider())
	}
	if fb := r.sess.FixedBatch(); fb > 0 && fb != r.batch {
		if r.Session.Warn != nil {
			fmt.Fprintf(r.Session.Warn, "zoo: %s takes batches of exactly %d (input %v): running batches of %d\n", r.path, fb, r.sess.in.Dimensions, fb)
		}
		r.batch = fb
	}
	if r.task == "" {
		r.task = r.sess.InferTask()
		return r.classifyOnly(r.task, r.path)
	}
	return nil
}

// openData opens the examples, checks them against the model, opens the
// labels to classify, and narrows both to the shard.
func (r *jobRun) openData() error {
	var err error
	if r.task == zoo.Decode {
		// Codes, from a file.
		r.ref = dataset.Ref{Arg: r.Data, Path: r.Data, Role: dataset.TestImages}
		r.data, err = r.ref.Open()
	} else if r.ref, err = dataset.Resolve(r.Data, dataset.TestImages); err == nil {
		r.data, r.ref, err = r.ref.OpenOrMini(r.Notice)
	}
	if err != nil {
		return err
	}
	if err := r.Preprocess.Check(r.data.Name(), r.data.Header(), r.task, r.sess.InputShape()); err != nil {
		return err
	}
	if r.task == zoo.Classify {
		if r.labels, err = r.ref.OpenLabels(r.Labels, r.Notice); err != nil {
			return err
		}
	}
	if r.Shards > 0 {
		if err := r.shard(); err != nil {
			return err
		}
	}
	if r.Verbose != nil {
		lib, _ := LibraryPath()
		fmt.Fprintf(r.Verbose, "onnxruntime %s (%s), provider %s, batch %d\nmodel %s: input %v, output %v, task %s\ndata %s: %v\n",
			Version(), lib, r.sess.Describe(), r.batch, r.path, r.sess.InputShape(), r.sess.OutputShape(), r.task, r.data.Name(), r.data.Header())
	}
	return nil
}

// shard narrows the examples and labels to the job's shard.
func (r *jobRun) shard() error {
	total := r.data.Remaining()
	lo, hi := r.Shard*total/r.Shards, (r.Shard+1)*total/r.Shards
	if err := r.data.Range(lo, hi); err != nil {
		return err
	}
	r.first, r.total, r.count = lo, total, hi-lo
	if r.labels != nil {
		if r.labels.Remaining() != total {
			return fmt.Errorf("labels %s: %d labels for %d images in %s; the counts must match", r.labels.Name(), r.labels.Remaining(), total, r.data.Name())
		}
		if err := r.labels.Range(lo, hi); err != nil {
			return err
		}
	}
	if r.Verbose != nil {
		fmt.Fprintf(r.Verbose, "shard %d/%d: examples %d to %d of %d\n", r.Shard, r.Shards, lo, hi-1, total)
	}
	return nil
}

// createOutputs starts writing the output files.
func (r *jobRun) createOutputs() error {
	if r.task != zoo.Classify {
		if r.Out == "" {
			return nil
		}
		format, err := FormatOf(r.Out, r.Format)
		if err != nil {
			return &OptionError{Option: "Format", Model: r.path, Err: err}
		}
		dims := r.sess.OutputShape()
		if h := r.data.Header(); r.task == zoo.Reconstruct && h.ItemLen() == r.sess.OutputLen() && len(h.Dims) > 1 && r.Preprocess.perm(h, r.sess.InputShape()) == nil {
			dims = h.Dims[1:] // reconstructions keep the input's image shape, e.g. 28x28
		}
		r.out, err = CreateOutput(r.Out, format, r.data.Remaining(), dims, r.Force)
		return err
	}
	if err := r.sess.CheckTask(r.task); err != nil {
		return err
	}
	n, k := r.data.Remaining(), r.sess.Classes()
	if r.ClassNames != "" {
		var err error
		if r.names, err = ReadClassNames(r.ClassNames, k); err != nil {
			return err
		}
	} else if r.names = r.sess.ClassNames(); r.names == nil {
		r.names = dataset.ClassNames(r.ref.Set, k)
	}
	if r.Out != "" {
		format, err := PredictionFormatOf(r.Out, r.Format)
		if err != nil {
			return &OptionError{Option: "Format", Model: r.path, Err: err}
		}
		r.preds, err = CreatePredictions(r.Out, PredictionsOptions{
			Format: format, Count: n, Classes: k, Names: r.names, Labels: r.labels != nil, Force: r.Force,
		})
		if err != nil {
			return err
		}
	}
	for _, o := range []struct {
		path string
		dst  **Output
	}{{r.Probs, &r.probs}, {r.Logits, &r.logits}} {
		if o.path == "" {
			continue
		}
		format, _ := FormatOf(o.path, "")
		var err error
		if *o.dst, err = CreateOutput(o.path, format, n, []int{k}, r.Force); err != nil {
			return err
		}
	}
	return nil
}

// stream runs the examples through the model into the outputs.
func (r *jobRun) stream(ctx context.Context) (*Report, error) {
	opt := StreamOptions{Task: r.task, Batch: r.batch, PerImage: r.PerImage, Output: r.out, AllowNaN: r.AllowNaN, Preprocess: r.Preprocess}
	if r.task == zoo.Classify {
		opt.Output, opt.Predictions, opt.Probs, opt.Labels, opt.ClassNames = r.logits, r.preds, r.probs, r.labels, r.names
	}
	rep, err := r.sess.Stream(ctx, r.data, opt)
	if r.Verbose != nil {
		if sigs := r.sess.RestoredSignals(); len(sigs) > 0 {
			fmt.Fprintf(r.Verbose, "restored Go's handlers of %s after onnxruntime's CUDA provider replaced them\n", strings.Join(sigs, ", "))
		}
	}
	return rep, err
}

// commit commits the output files, then writes the report as JSON.
func (r *jobRun) commit(rep *Report) error {
	for _, o := range []*Output{r.out, r.probs, r.logits} {
		if o != nil {
			if err := o.Commit(); err != nil {
				return err
			}
		}
	}
	if r.preds != nil {
		if err := r.preds.Commit(); err != nil {
			return err
		}
	}
	if err := r.commitRecords(); err != nil {
		return err
	}
	if r.json == nil {
		return nil
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if _, err := r.json.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", r.json.Path(), err)
	}
	return r.json.Commit()
}

// close removes the files not committed and closes what the run opened.
func (r *jobRun) close() {
	for _, o := range []*Output{r.out, r.probs, r.logits} {
		if o != nil {
			o.Abort()
		}
	}
	if r.preds != nil {
		r.preds.Abort()
	}
	if r.json != nil {
		r.json.Abort()
	}
	for _, f := range r.records {
		f.Abort()
	}
	for _, d := range []*dataset.Reader{r.labels, r.data} {
		if d != nil {
			d.Close()
		}
	}
	if r.sess != nil {
		r.sess.Close()
	}
}
