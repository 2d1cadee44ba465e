package infer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"time"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/vec"
	"github.com/zoo-ml/zoo/zoo"
)

// CheckTask reports whether the session's model performs task, by its zoo
// metadata; models without zoo metadata are taken as they come.
func (s *Session) CheckTask(task zoo.Task) error {
	if _, err := zoo.ParseTask(string(task)); err != nil {
		return err
	}
	want := task.File()
	if have := s.Task(); have != "" && have != task {
		switch {
		case have == zoo.Classify:
			return fmt.Errorf("%s is a classifier: it performs %q, not %q", s.path, have, task)
		case task == zoo.Classify:
			return fmt.Errorf("%s performs %q, not %q: it is not a classifier", s.path, have, task)
		}
		return fmt.Errorf("%s performs %q, not %q: use %s of the same export folder", s.path, have, task, want)
	}
	if task == zoo.Classify {
		return s.checkClassifier()
	}
	if task == zoo.Reconstruct && s.InputLen() != s.OutputLen() {
		return fmt.Errorf("%s maps %v to %v: reconstruct needs an output shaped like the input", s.path, s.inShape, s.outShape)
	}
	return nil
}

// StreamOptions are the settings of Stream.
type StreamOptions struct {
	// Task is what the session's model does with each example.
	Task zoo.Task
	// Batch is the number of examples per onnxruntime run.
	Batch int
	// PerImage keeps each example's reconstruction MSE in the report.
	PerImage bool
	// Output receives the model outputs in order (for zoo.Classify, the
	// logits); nil writes none.
	Output *Output

	// The rest applies to zoo.Classify only.

	// Labels streams the true class of each example alongside the examples:
	// a 1-D u8 IDX file with one label per example. With labels the report
	// holds the accuracy, the log loss and the confusion matrix.
	Labels *dataset.Reader
	// Predictions receives the predicted class of each example.
	Predictions *Predictions
	// Probs receives the softmax probabilities of the classes, [N, classes].
	Probs *Output
	// ClassNames name the classes in the report, indexed by class; nil
	// when unknown (see Session.ClassNames).
	ClassNames []string

	// AllowNaN runs float examples holding NaN or ±Inf; without it Stream
	// stops at the first with the *dataset.NonFiniteError of the Reader
	// (see dataset.Reader.AllowNonFinite).
	AllowNaN bool

	// Preprocess says how the values read become the model's input: their
	// layout, scale and normalisation. Reconstruction errors compare the
	// outputs with the input so made.
	Preprocess Preprocess

	// serialRun, when not 0, replaces the package's serialRun (for tests).
	serialRun time.Duration
}

// A Report describes a finished stream.
type Report struct {
	Model      string    `json:"model,omitempty"`
	File       string    `json:"file"`
	Task       zoo.Task  `json:"task"`
	Input      string    `json:"input"`
	Images     int       `json:"images"`
	Batch      int       `json:"batch"`
	Provider   string    `json:"provider"`
	Threads    int       `json:"threads"`
	ORT        string    `json:"onnxruntime"`
	Seconds    float64   `json:"seconds"`
	PerSecond  float64   `json:"images_per_second"`
	ComputeSec float64   `json:"compute_seconds"`
	MSE        *float64  `json:"mse,omitempty"`
	PerImage   []float64 `json:"per_image_mse,omitempty"`
	Output     string    `json:"output,omitempty"`
	Format     string    `json:"format,omitempty"`

	// DeviceID is the CUDA device, ProviderOptions the CUDA provider's
	// options as zoo set them, IOBinding whether batches ran through an
	// onnxruntime IoBinding (see Session).
	DeviceID        *int              `json:"device_id,omitempty"`
	ProviderOptions map[string]string `json:"provider_options,omitempty"`
	IOBinding       bool              `json:"io_binding,omitempty"`

	// Classifiers.

	// Classes is the number of classes, ClassNames their names when known,
	// and PredictedCounts the number of examples predicted as each class.
	Classes         int      `json:"classes,omitempty"`
	ClassNames      []string `json:"class_names,omitempty"`
	PredictedCounts []int64  `json:"predicted_counts,omitempty"`
	// Predictions and PredictionsFormat name the predictions file, and
	// Probs the probabilities file.
	Predictions       string `json:"predictions,omitempty"`
	PredictionsFormat string `json:"predictions_format,omitempty"`
	Probs             string `json:"probabilities,omitempty"`
	// Labels names the file of true labels; with it come the accuracy, the
	// log loss (mean negative natural log of the probability of the true
	// class) and the per-class metrics with the confusion matrix.
	Labels string `json:"labels,omitempty"`
	Scores
}

// Scores are how a classifier's predictions score against the true labels:
// the accuracy, the log loss (mean negative natural log of the probability
// of the true class) and the per-class metrics with the confusion matrix.
type Scores struct {
	Accuracy       *float64          `json:"accuracy,omitempty"`
	LogLoss        *float64          `json:"log_loss,omitempty"`
	Classification *analysis.Summary `json:"classification,omitempty"`
	// Confusion is the confusion matrix, for printing.
	Confusion *analysis.Confusion `json:"-"`
}

type filled struct {
	b *Batch
	n int
}

// inFlight is the number of batches Stream keeps: one being read, one
// being run, one being measured and written.
const inFlight = 3

// Stream runs the session over every example of r, Batch at a time, and
// writes the outputs to opt.Output. Three goroutines form a pipeline: one
// reads and decodes the next batch and another measures and writes the last
// while onnxruntime runs the current one, so that runs follow each other
// back to back. When onnxruntime's threads take every CPU, the stages
// cannot overlap, and for a model whose runs are short (under 2 ms) they
// run one after the other in the caller's goroutine with one batch:
// handing batches between goroutines would cost more than the runs. Up to
// three batches of tensors are allocated (and one more for a short last
// batch) and reused, so memory does not grow with the file. For
// zoo.Reconstruct it also measures the mean squared error between each
// output and its input. For zoo.Classify it takes the outputs as
// logits, predicts the class with the largest, and, with opt.Labels,
// measures the accuracy and fills the confusion matrix; labels are read a
// batch at a time, like the examples.
func (s *Session) Stream(ctx context.Context, r *dataset.Reader, opt StreamOptions) (*Report, error) {
	if err := s.CheckTask(opt.Task); err != nil {
		return nil, err
	}
	h := r.Header()
	if h.ItemLen() != s.InputLen() {
		return nil, fmt.Errorf("%s: examples are %s with %d values each, but %s takes %v (%d values)",
			r.Name(), itemDims(h), h.ItemLen(), s.path, s.inShape, s.InputLen())
	}
	if opt.Task == zoo.Decode && h.Type != dataset.F32 && h.Type != dataset.F64 {
		return nil, fmt.Errorf("%s: decode needs float codes (IDX f32 or f64), the file holds %s", r.Name(), h.Type)
	}
	if opt.Batch <= 0 {
		return nil, fmt.Errorf("batch size %d must be positive", opt.Batch)
	}
	if opt.Task != zoo.Classify && (opt.Labels != nil || opt.Predictions != nil || opt.Probs != nil) {
		return nil, fmt.Errorf("labels, predictions and probabilities need the %s task, not %s", zoo.Classify, opt.Task)
	}
	if opt.Labels != nil {
		if err := checkLabels(opt.Labels, r); err != nil {
			return nil, err
		}
	}
	if opt.ClassNames != nil && len(opt.ClassNames) != s.Classes() {
		return nil, fmt.Errorf("%d class names for the %d classes of %s", len(opt.ClassNames), s.Classes(), s.path)
	}
	if opt.AllowNaN {
		r.AllowNonFinite()
	}
	total := r.Remaining()
	batch := min(opt.Batch, max(total, 1))
	if s.batch > 0 {
		batch = s.batch // the model's fixed batch; a short last one is padded
	}
	var cls *classifier
	if opt.Task == zoo.Classify {
		var err error
		if cls, err = newClassifier(s.Classes(), batch, opt.ClassNames, opt.Labels); err != nil {
			return nil, err
		}
	}

	rep := &Report{
		Model: s.ModelName(), File: s.path, Task: opt.Task, Input: r.Name(), Batch: opt.Batch,
		Provider: s.provider, Threads: s.threads, ORT: Version(),
		ProviderOptions: s.ProviderOptions(), IOBinding: s.ioBinding,
	}
	if id := s.DeviceID(); id >= 0 {
		rep.DeviceID = &id
	}
	if opt.Output != nil {
		rep.Output, rep.Format = opt.Output.Path(), opt.Output.Format()
	}
	if opt.Predictions != nil {
		rep.Predictions, rep.PredictionsFormat = opt.Predictions.Path(), opt.Predictions.Format()
	}
	if opt.Probs != nil {
		rep.Probs = opt.Probs.Path()
	}
	if opt.Labels != nil {
		rep.Labels = opt.Labels.Name()
	}
	var sumSq float64
	if opt.PerImage && opt.Task == zoo.Reconstruct {
		rep.PerImage = make([]float64, 0, total)
	}

	var batches []*Batch
	defer func() {
		for _, b := range batches {
			b.Close()
		}
	}()
	b, err := s.NewBatch(batch)
	if err != nil {
		return nil, err
	}
	batches = append(batches, b)
	pr := opt.Preprocess.plan(h, s.inShape)
	start := time.Now()
	var compute time.Duration

	// With onnxruntime's threads on every core, work beside a run takes a
	// core from one of them and the run waits for it. For a model whose
	// runs are short, the stages then run one after the other in this
	// goroutine, with one batch: handing batches between goroutines costs
	// more than such a run. Longer runs go to the pipeline below.
	if s.provider == CPUProvider && s.threads >= goruntime.NumCPU() {
		done, err := s.streamSerial(ctx, r, b, pr, opt, cls, rep, &batches, &sumSq, &compute)
		if err != nil {
			return nil, err
		}
		if done {
			s.finish(rep, time.Since(start), compute, sumSq, opt, cls)
			return rep, nil
		}
	}
	for len(batches) < inFlight {
		b, err := s.NewBatch(batch)
		if err != nil {
			return nil, err
		}
		batches = append(batches, b)
	}
	free := make(chan *Batch, inFlight)
	for _, b := range batches {
		free <- b
	}
	full := make(chan filled, 1) // read, to run
	ran := make(chan filled, 1)  // run, to measure and write
	readErr, sinkErr := make(chan error, 1), make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	go func() { readErr <- s.read(ctx, r, batch, pr, free, full, &batches) }()
	go func() {
		err := s.sink(rep, ran, free, batch, opt, cls, &sumSq)
		if err != nil {
			cancel()
		}
		sinkErr <- err
	}()

	// The runner: onnxruntime back to back, while the reader fills the
	// next batch and the sink measures and writes the last.
	var runErr error
run:
	for f := range full {
		t0 := time.Now()
		runErr = s.RunBatch(f.b)
		compute += time.Since(t0)
		if runErr != nil {
			break
		}
		select {
		case ran <- f:
		case <-ctx.Done():
			break run
		}
	}
	close(ran)
	if runErr != nil {
		cancel()
	}
	serr, rerr := <-sinkErr, <-readErr
	for _, err := range []error{runErr, serr, rerr} {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.finish(rep, time.Since(start), compute, sumSq, opt, cls)
	return rep, nil
}

// finish completes the report of a stream that took elapsed, compute of it
// in onnxruntime, with sumSq the sum of the squared reconstruction errors.
func (s *Session) finish(rep *Report, elapsed, compute time.Duration, sumSq float64, opt StreamOptions, cls *classifier) {
	rep.Seconds = elapsed.Seconds()
	rep.ComputeSec = compute.Seconds()
	if rep.Seconds > 0 {
		rep.PerSecond = float64(rep.Images) / rep.Seconds
	}
	if opt.Task == zoo.Reconstruct && rep.Images > 0 {
		mse := sumSq / float64(rep.Images*s.OutputLen())
		rep.MSE = &mse
	}
	if cls != nil {
		cls.report(rep)
	}
}

// serialRun is the longest run of a batch for which Stream keeps its
// stages in one goroutine (see streamSerial).
const serialRun = 2 * time.Millisecond

// streamSerial is Stream's loop when its stages cannot overlap: read a
// batch into b, run it, measure and write it, adding to *sumSq and
// *compute, until the end of r (done) or ctx. When neither of the first
// two runs is shorter than serialRun it stops after them (not done), b
// free, for the pipeline to take over.
func (s *Session) streamSerial(ctx context.Context, r *dataset.Reader, b *Batch, pr *prep, opt StreamOptions, cls *classifier, rep *Report, all *[]*Batch, sumSq *float64, compute *time.Duration) (done bool, err error) {
	limit := serialRun
	if opt.serialRun != 0 {
		limit = opt.serialRun
	}
	shortest := time.Duration(math.MaxInt64)
	for runs := 0; ; runs++ {
		if runs == 2 && shortest >= limit {
			return false, nil
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		f, done, err := s.readBatch(r, b, pr, all)
		if err != nil || done {
			return done, err
		}
		t0 := time.Now()
		err = s.RunBatch(f.b)
		took := time.Since(t0)
		*compute += took
		shortest = min(shortest, took)
		if err != nil {
			return false, err
		}
		if err := s.sinkBatch(rep, f, opt, cls, sumSq); err != nil {
			return false, err
		}
	}
}

// read fills free batches from r, as pr says (see readBatch), and sends
// them on full, closing full at the end.
func (s *Session) read(ctx context.Context, r *dataset.Reader, batch int, pr *prep, free chan *Batch, full chan filled, all *[]*Batch) error {
	defer close(full)
	for {
		var b *Batch
		select {
		case b = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		f, done, err := s.readBatch(r, b, pr, all)
		if err != nil || done {
			return err
		}
		select {
		case full <- f:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// readBatch reads the next batch of r into b, as pr says; done at the end
// of r. A short last batch is copied into a batch of its own size,
// appended to *all for release; for a model with a fixed batch it is
// padded with zeros instead.
func (s *Session) readBatch(r *dataset.Reader, b *Batch, pr *prep, all *[]*Batch) (f filled, done bool, err error) {
	inLen := s.InputLen()
	n, err := r.ReadFloat32(b.In)
	pr.apply(b.In, n, inLen)
	if errors.Is(err, io.EOF) && n == 0 {
		return filled{}, true, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return filled{}, false, err
	}
	if n < b.N && s.batch > 0 {
		clear(b.In[n*inLen:])
	} else if n < b.N {
		tail, terr := s.NewBatch(n)
		if terr != nil {
			return filled{}, false, terr
		}
		*all = append(*all, tail)
		copy(tail.In, b.In[:n*inLen])
		b = tail
	}
	return filled{b: b, n: n}, false, nil
}

// sink takes the batches onnxruntime has run, in order: it adds their
// reconstruction errors or classes to rep, writes their outputs, and hands
// full-sized batches back to the reader.
func (s *Session) sink(rep *Report, ran <-chan filled, free chan<- *Batch, batch int, opt StreamOptions, cls *classifier, sumSq *float64) error {
	for f := range ran {
		err := s.sinkBatch(rep, f, opt, cls, sumSq)
		if err != nil {
			return err
		}
		if f.b.N == batch {
			free <- f.b // never blocks: free holds every batch
		}
	}
	return nil
}

// sinkBatch adds the reconstruction errors or classes of one batch to rep
// and writes its outputs.
func (s *Session) sinkBatch(rep *Report, f filled, opt StreamOptions, cls *classifier, sumSq *float64) error {
	inLen, outLen := s.InputLen(), s.OutputLen()
	{
		out := f.b.Out[:f.n*outLen]
		if opt.Task == zoo.Reconstruct {
			in := f.b.In[:f.n*inLen]
			for i := 0; i < f.n; i++ {
				sq := sqDiff(out[i*outLen:(i+1)*outLen], in[i*inLen:(i+1)*inLen])
				*sumSq += sq
				if rep.PerImage != nil {
					rep.PerImage = append(rep.PerImage, sq/float64(outLen))
				}
			}
		}
		if cls != nil {
			if err := cls.add(out, f.n, opt); err != nil {
				return err
			}
		}
		if opt.Output != nil {
			if err := opt.Output.Write(out); err != nil {
				return err
			}
		}
		rep.Images += f.n
	}
	return nil
}

// sqDiff returns the sum of (y[i]-x[i])² in float64, over len(y) elements
// (see vec.SqDiff).
func sqDiff(y, x []float32) float64 { return vec.SqDiff(y, x) }

func itemDims(h dataset.Header) string {
	if len(h.Dims) < 2 {
		return "scalars"
	}
	s := ""
	for i, d := range h.Dims[1:] {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(d)
	}
	return s + " " + h.Type.String()
}
