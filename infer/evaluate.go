package infer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// EvalOptions are the settings of Evaluate.
type EvalOptions struct {
	// Model is the model file, Data the examples as Job.Data names them
	// (mnist-mini stands in for a data set not on the search path), and
	// Labels a file of their true labels ("" for those the data carries).
	Model, Data, Labels string
	// Worst is the number of an autoencoder's worst reconstructions to
	// report.
	Worst int
	// Batch is the number of examples per run.
	Batch int
	// Session holds the options of the model's session.
	Session Options
	// Notice is as in Job.
	Notice func(dataset.Notice)
}

// An Evaluation is what Evaluate measures. Its JSON form is zoo eval's
// eval.json.
type Evaluation struct {
	Model struct {
		Name     string   `json:"name,omitempty"`
		File     string   `json:"file"`
		Task     zoo.Task `json:"task"`
		Provider string   `json:"provider"`
	} `json:"model"`
	// Data and Labels name the files read, Images counts the examples, and
	// Seconds is the time the model took over them.
	Data    string  `json:"data"`
	Labels  string  `json:"labels,omitempty"`
	Images  int     `json:"images"`
	Seconds float64 `json:"seconds"`
	// Scores are a classifier's.
	Scores
	// Reconstruction is an autoencoder's error.
	Reconstruction *analysis.ReconstructionEval `json:"reconstruction,omitempty"`
	// Files names the files the caller wrote with the evaluation, by kind.
	Files map[string]string `json:"files,omitempty"`

	// ClassNames names a classifier's classes; nil when unknown.
	ClassNames []string `json:"-"`
	// Examples are an autoencoder's test images, with their labels when
	// known, and Reconstructions its outputs for them.
	Examples        *dataset.Images `json:"-"`
	Reconstructions []float32       `json:"-"`
}

// ModelName returns the model's name, or its file's base name when it has
// none.
func (ev *Evaluation) ModelName() string {
	if ev.Model.Name != "" {
		return ev.Model.Name
	}
	return filepath.Base(ev.Model.File)
}

// The files of an evaluation that WriteFiles writes.
const (
	// EvalFile holds the evaluation's JSON form.
	EvalFile = "eval.json"
	// ConfusionFile holds a classifier's confusion matrix as text.
	ConfusionFile = "confusion.txt"
)

// WriteFiles writes the evaluation into the folder dir: its JSON form to
// EvalFile, a classifier's confusion matrix to ConfusionFile, and the files
// extra (contents by name, such as figures), each through a temporary
// file, all renamed into place once every one is written (see
// atomicfile.WriteAll); an existing file is replaced only with force.
// Files records them: EvalFile as "json", the others by name.
func (ev *Evaluation) WriteFiles(dir string, force bool, extra map[string][]byte) error {
	out := map[string][]byte{}
	maps.Copy(out, extra)
	if ev.Confusion != nil {
		var txt bytes.Buffer
		if err := ev.Confusion.WriteMatrix(&txt, ev.ClassNames); err != nil {
			return err
		}
		out[ConfusionFile] = txt.Bytes()
	}
	ev.Files = map[string]string{"json": filepath.Join(dir, EvalFile)}
	for name := range out {
		ev.Files[name] = filepath.Join(dir, name)
	}
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}
	out[EvalFile] = append(b, '\n')
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return atomicfile.WriteAll(dir, out, force)
}

// An EvalError says why a model cannot be evaluated on the data: it is a
// part of an autoencoder (Task zoo.Encode or zoo.Decode), or a classifier
// (Task zoo.Classify) without the true labels of Data.
type EvalError struct {
	Model, Data string
	Task        zoo.Task
}

func (e *EvalError) Error() string {
	if e.Task == zoo.Classify {
		return fmt.Sprintf("evaluation of the classifier %s needs the true labels of %s", e.Model, e.Data)
	}
	return fmt.Sprintf("%s performs %s: evaluation takes a whole model (%s), a classifier or an autoencoder", e.Model, e.Task, zoo.ModelFile)
}

// Evaluate runs a whole model, a classifier or an autoencoder (by
// Session.InferTask), over the data and measures it: a classifier's scores
// against the true labels, which it needs; an autoencoder's reconstruction
// error, per class when labels are known, and its worst reconstructions.
// An interrupted evaluation returns an error wrapping ctx's error.
func Evaluate(ctx context.Context, opt EvalOptions) (*Evaluation, error) {
	sess, err := Open(opt.Model, opt.Session)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	task := sess.InferTask()
	if task != zoo.Reconstruct && task != zoo.Classify {
		return nil, &EvalError{Model: opt.Model, Task: task}
	}
	if err := sess.CheckTask(task); err != nil {
		return nil, err
	}
	ref, err := dataset.Resolve(opt.Data, dataset.TestImages)
	if err != nil {
		return nil, err
	}
	r, ref, err := ref.OpenOrMini(opt.Notice)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	labels, err := ref.OpenLabels(opt.Labels, opt.Notice)
	if err != nil {
		return nil, err
	}
	if labels != nil {
		defer labels.Close()
	}
	ev := &Evaluation{Data: r.Name(), Images: r.Remaining()}
	ev.Model.Name, ev.Model.File, ev.Model.Task, ev.Model.Provider = sess.ModelName(), opt.Model, task, sess.Provider()
	if labels != nil {
		ev.Labels = labels.Name()
	}
	start := time.Now()
	if task == zoo.Classify {
		err = ev.classify(ctx, sess, r, labels, ref, opt)
	} else {
		err = ev.reconstruct(ctx, sess, r, labels, ref, opt)
	}
	if err != nil {
		return nil, err
	}
	ev.Seconds = time.Since(start).Seconds()
	return ev, nil
}

// classify streams the examples of r and their labels through the
// classifier.
func (ev *Evaluation) classify(ctx context.Context, sess *Session, r, labels *dataset.Reader, ref dataset.Ref, opt EvalOptions) error {
	if labels == nil {
		return &EvalError{Model: opt.Model, Data: r.Name(), Task: zoo.Classify}
	}
	if ev.ClassNames = sess.ClassNames(); ev.ClassNames == nil {
		ev.ClassNames = dataset.ClassNames(ref.Set, sess.Classes())
	}
	rep, err := sess.Stream(ctx, r, StreamOptions{Task: zoo.Classify, Batch: opt.Batch, Labels: labels, ClassNames: ev.ClassNames})
	if err != nil {
		return err
	}
	ev.Images, ev.Scores = rep.Images, rep.Scores
	return nil
}

// reconstruct reads the examples of r (and their labels) whole, runs the
// autoencoder over them and measures the reconstructions.
func (ev *Evaluation) reconstruct(ctx context.Context, sess *Session, r, labels *dataset.Reader, ref dataset.Ref, opt EvalOptions) error {
	h := r.Header()
	if h.ItemLen() != sess.InputLen() {
		return fmt.Errorf("%s: images of %v (%d values) for %s, which takes %v", r.Name(), h.Dims[1:], h.ItemLen(), opt.Model, sess.InputShape())
	}
	d := &dataset.Images{Name: filepath.Base(r.Name()), Shape: h.Dims[1:], N: r.Remaining()}
	var err error
	if d.X, err = r.ReadAll(); err != nil {
		return err
	}
	if labels != nil {
		if err := d.ReadLabels(labels); err != nil {
			return err
		}
		d.ClassNames = ref.ClassNames()
	}
	if ev.Reconstructions, err = sess.RunAll(ctx, d.X, d.N, opt.Batch); err != nil {
		return err
	}
	if ev.Reconstruction, err = analysis.EvalReconstruction(d.X, ev.Reconstructions, h.ItemLen(), d.Labels, opt.Worst); err != nil {
		return err
	}
	ev.Examples = d
	return nil
}
