package infer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/zoo-ml/zoo/internal/fileguard"
	"github.com/zoo-ml/zoo/zoo"
)

// Options are the settings of a session.
type Options struct {
	// Device is where the session runs; the zero value is the CPU.
	Device Device
	// Threads is onnxruntime's intra-op thread count; 0 lets onnxruntime
	// choose (one per physical core).
	Threads int
	// Warn receives notices such as a fallback from CUDA to the CPU; nil
	// discards them.
	Warn io.Writer
	// CUDA holds CUDA execution provider options by onnxruntime's names,
	// checked by ParseCUDAOptions; device_id comes from Device.ID unless
	// set here.
	CUDA map[string]string
	// IOBinding runs batches through an onnxruntime IoBinding that binds
	// each batch's input and output tensors once, instead of naming them at
	// every run. The outputs are the same; see Batch.
	IOBinding bool
}

// MaxThreads returns the most intra-op threads a session may ask for:
// four times the CPUs of the machine. More only slow it down, and very many
// exhaust memory before the first run.
func MaxThreads() int { return 4 * goruntime.NumCPU() }

// A ThreadsError says that a thread count is neither 0 (onnxruntime's
// choice) nor 1 to MaxThreads.
type ThreadsError struct{ Threads, Max int }

func (e *ThreadsError) Error() string {
	return fmt.Sprintf("threads %d: want 1 to %d (4 times the CPUs), or 0 for one per physical core", e.Threads, e.Max)
}

// Check checks the options that need no model: the thread count.
func (o Options) Check() error {
	if m := MaxThreads(); o.Threads < 0 || o.Threads > m {
		return &ThreadsError{Threads: o.Threads, Max: m}
	}
	return nil
}

// A Session is one ONNX model loaded into onnxruntime, with one float32
// input and one float32 output whose first dimension is the batch: a
// symbolic one, as zoo exports it, or a fixed one, as many exported files
// have (batch 1), which every batch then has (see FixedBatch).
type Session struct {
	path     string
	provider string
	in, out  ort.InputOutputInfo
	inShape  []int // per example
	outShape []int // per example
	batch    int   // the fixed batch size; 0 when the batch dimension is symbolic
	meta     map[string]string
	sess     *ort.DynamicAdvancedSession
	threads  int

	device       Device            // as asked for; ID is the CUDA device used
	providerOpts map[string]string // CUDA provider options used; nil on the CPU
	ioBinding    bool
	runOpts      *ort.RunOptions // for Abort; batches with an IoBinding cannot use it

	// sigs is the snapshot of the signal actions taken before the CUDA
	// provider was loaded, and restored the signals put back since (see
	// guardSignals).
	sigMu    sync.Mutex
	sigs     *sigState
	restored map[string]bool

	abortMu  sync.Mutex
	abortCtx context.Context
}

// Open loads the ONNX model at path. The model must have exactly one float32
// input and one float32 output, each with a leading batch dimension, both
// symbolic or both the same fixed size. A path that is not a regular file
// (a named pipe, a device) is refused before anything opens it, and so are
// options that do not Check.
func Open(path string, opt Options) (*Session, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	if err := Init(""); err != nil {
		return nil, err
	}
	if _, err := fileguard.Regular(path); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	dev := opt.Device
	if dev.Kind == "" {
		dev.Kind = "cpu"
	}
	// The model's inputs and outputs are read with the CPU provider, so
	// that a failure to create a CUDA session below is known to be CUDA's.
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("open model %s: not a model onnxruntime can load: %w", path, err)
	}
	if len(ins) != 1 || len(outs) != 1 {
		return nil, fmt.Errorf("open model %s: has %d inputs and %d outputs, zoo runs models with one of each", path, len(ins), len(outs))
	}
	s := &Session{path: path, in: ins[0], out: outs[0], threads: opt.Threads, ioBinding: opt.IOBinding}
	if s.inShape, err = perExample(s.in); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	if s.outShape, err = perExample(s.out); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	in, out := s.in.Dimensions[0], s.out.Dimensions[0]
	if in > 0 && out > 0 && in != out {
		return nil, fmt.Errorf("open model %s: input %s %v and output %s %v: a fixed batch dimension must be the same in both",
			path, s.in.Name, s.in.Dimensions, s.out.Name, s.out.Dimensions)
	}
	s.batch = int(max(in, out, 0))
	if s.meta, err = metadata(path); err != nil {
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	if s.runOpts, err = ort.NewRunOptions(); err != nil {
		return nil, fmt.Errorf("open model %s: run options: %w", path, err)
	}
	err = s.create(dev, opt)
	if errors.Is(err, ErrNoCUDA) && dev.Kind == "auto" {
		// The provider loaded but cannot run here (no GPU, a driver too
		// old, a missing cuDNN): the CPU, as "auto" promises.
		if opt.Warn != nil {
			fmt.Fprintf(opt.Warn, "zoo: %v; using the CPU\n", err)
		}
		err = s.create(Device{Kind: "cpu"}, Options{Threads: opt.Threads})
	}
	if err != nil {
		free(s.runOpts)
		return nil, fmt.Errorf("open model %s: %w", path, err)
	}
	return s, nil
}

// create makes the onnxruntime session of s on dev.
func (s *Session) create(dev Device, opt Options) error {
	var sigs *sigState
	if dev.Kind != "cpu" {
		// Loading the CUDA provider may replace Go's signal handlers.
		sigs = saveSignals()
	}
	opts, provider, popts, err := sessionOptions(dev, opt.Threads, opt.CUDA, opt.Warn)
	if err != nil {
		return err
	}
	defer free(opts)
	s.provider, s.device, s.providerOpts, s.sigs = provider, dev, popts, nil
	if provider == CUDAProvider {
		s.sigs = sigs
		if _, err := fmt.Sscan(popts["device_id"], &s.device.ID); err != nil {
			return fmt.Errorf("CUDA provider option device_id %q: %w", popts["device_id"], err)
		}
		defer s.repairSignals()
	}
	s.sess, err = ort.NewDynamicAdvancedSession(s.path, []string{s.in.Name}, []string{s.out.Name}, opts)
	if err != nil && provider == CUDAProvider {
		// The model loads on the CPU (see Open): CUDA failed.
		return fmt.Errorf("%w: device %d: %w", ErrNoCUDA, s.device.ID, err)
	}
	return err
}

// repairSignals puts back Go's signal handlers that code loaded by the CUDA
// provider replaced, and remembers which.
func (s *Session) repairSignals() {
	if s.sigs == nil {
		return
	}
	s.sigMu.Lock()
	defer s.sigMu.Unlock()
	for _, sig := range s.sigs.restore() {
		if s.restored == nil {
			s.restored = map[string]bool{}
		}
		s.restored[sig.String()] = true
	}
}

// RestoredSignals names the signals whose Go handlers zoo had to put back
// after onnxruntime's CUDA provider replaced them (without that, Ctrl-C
// would crash the process); empty on the CPU.
func (s *Session) RestoredSignals() []string {
	s.sigMu.Lock()
	defer s.sigMu.Unlock()
	var names []string
	for n := range s.restored {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// AbortOn makes runs of the session stop early once ctx is done: a run in
// progress ends with an error wrapping ctx's error (and its cause, such as
// the signal received), as does every later run. Batches with an IoBinding
// finish the run in progress first. stop undoes AbortOn unless ctx is
// already done.
func (s *Session) AbortOn(ctx context.Context) (stop func() bool) {
	s.abortMu.Lock()
	s.abortCtx = ctx
	s.abortMu.Unlock()
	after := context.AfterFunc(ctx, func() {
		s.abortMu.Lock()
		defer s.abortMu.Unlock()
		if s.runOpts != nil {
			_ = s.runOpts.Terminate() // best effort: the run ends with an error either way
		}
	})
	return func() bool {
		if !after() {
			return false
		}
		s.abortMu.Lock()
		if s.abortCtx == ctx {
			s.abortCtx = nil
		}
		s.abortMu.Unlock()
		return true
	}
}

// aborted returns the error of the context given to AbortOn when it is done.
func (s *Session) aborted() error {
	s.abortMu.Lock()
	ctx := s.abortCtx
	s.abortMu.Unlock()
	if ctx == nil || ctx.Err() == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, ctx.Err()) {
		return fmt.Errorf("%w: %w", ctx.Err(), cause)
	}
	return ctx.Err()
}

// perExample checks a float32 tensor with a dynamic or fixed batch dimension
// and fixed other dimensions, and returns the other dimensions.
func perExample(io ort.InputOutputInfo) ([]int, error) {
	if io.OrtValueType != ort.ONNXTypeTensor || io.DataType != ort.TensorElementDataTypeFloat {
		return nil, fmt.Errorf("%s is a %v of %v, zoo runs float32 tensors", io.Name, io.OrtValueType, io.DataType)
	}
	if len(io.Dimensions) < 2 {
		return nil, fmt.Errorf("%s has shape %v, want a batch dimension and at least one more", io.Name, io.Dimensions)
	}
	shape := make([]int, len(io.Dimensions)-1)
	for i, d := range io.Dimensions[1:] {
		if d <= 0 {
			return nil, fmt.Errorf("%s has shape %v: only the batch dimension may be symbolic", io.Name, io.Dimensions)
		}
		shape[i] = int(d)
	}
	return shape, nil
}

func metadata(path string) (map[string]string, error) {
	md, err := ort.GetModelMetadata(path)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	defer free(md)
	keys, err := md.GetCustomMetadataMapKeys()
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	m := map[string]string{}
	for _, k := range keys {
		v, _, err := md.LookupCustomMetadataMap(k)
		if err != nil {
			return nil, fmt.Errorf("metadata %s: %w", k, err)
		}
		m[k] = v
	}
	return m, nil
}

// Path returns the model file.
func (s *Session) Path() string { return s.path }

// Provider returns the execution provider in use, such as "CPUExecutionProvider".
func (s *Session) Provider() string { return s.provider }

// Threads returns the intra-op thread count asked for (0: onnxruntime's default).
func (s *Session) Threads() int { return s.threads }

// DeviceID returns the CUDA device number in use, or -1 on the CPU.
func (s *Session) DeviceID() int {
	if s.provider != CUDAProvider {
		return -1
	}
	return s.device.ID
}

// ProviderOptions returns the execution provider options zoo set, such as
// CUDA's device_id; nil on the CPU.
func (s *Session) ProviderOptions() map[string]string { return maps.Clone(s.providerOpts) }

// IOBinding reports whether batches run through an IoBinding.
func (s *Session) IOBinding() bool { return s.ioBinding }

// Describe returns the provider in words, such as
// "CUDAExecutionProvider (device 0, gpu_mem_limit=8589934592)".
func (s *Session) Describe() string {
	if s.provider != CUDAProvider {
		return s.provider
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(s.providerOpts)) {
		if k != "device_id" {
			kv = append(kv, k+"="+s.providerOpts[k])
		}
	}
	d := fmt.Sprintf("%s (device %d", s.provider, s.device.ID)
	if len(kv) > 0 {
		d += ", " + strings.Join(kv, ", ")
	}
	return d + ")"
}

// FixedBatch returns the batch size the model's input is fixed at, such as
// 1, or 0 when its batch dimension is symbolic. Every batch of a model with
// a fixed batch has that size: NewBatch refuses others, and Stream and
// RunAll run such a model at that size, the last batch padded with zeros.
func (s *Session) FixedBatch() int { return s.batch }

// InputShape returns the per-example input shape, such as [784].
func (s *Session) InputShape() []int { return append([]int(nil), s.inShape...) }

// OutputShape returns the per-example output shape.
func (s *Session) OutputShape() []int { return append([]int(nil), s.outShape...) }

// InputLen returns the number of values of one example of the input.
func (s *Session) InputLen() int { return prod(s.inShape) }

// OutputLen returns the number of values of one example of the output.
func (s *Session) OutputLen() int { return prod(s.outShape) }

// Metadata returns the model's metadata_props (zoo writes zoo.model,
// zoo.part, zoo.task and more; see package export).
func (s *Session) Metadata() map[string]string { return s.meta }

// Task returns the task recorded in the model's metadata ("reconstruct",
// "encode", "decode", "classify"), or "" for a model zoo did not write.
func (s *Session) Task() zoo.Task { return zoo.Task(s.meta[zoo.MetaTask]) }

// ModelName returns the zoo model name from the metadata, or "".
func (s *Session) ModelName() string { return s.meta[zoo.MetaModel] }

// MetaShape decodes a shape stored as JSON in the metadata under key, such
// as zoo.input_shape of the whole model.
func (s *Session) MetaShape(key string) ([]int, bool) {
	var shape []int
	if err := json.Unmarshal([]byte(s.meta[key]), &shape); err != nil || len(shape) == 0 {
		return nil, false
	}
	return shape, true
}

// A Batch is a pair of input and output tensors for N examples, backed by
// Go slices: fill In, call RunBatch, read Out. A batch is reused for as many
// runs as wanted and released with Close.
//
// With Options.IOBinding a batch also holds an onnxruntime IoBinding with
// its two tensors bound once. onnxruntime_go v1.27.0 binds tensors in host
// memory only (it cannot create device tensors), so on CUDA onnxruntime
// still copies the input to the device and the output back at each run,
// as it does without a binding.
type Batch struct {
	N       int
	In, Out []float32
	in, out *ort.Tensor[float32]
	bind    *ort.IoBinding
}

// NewBatch allocates the tensors of a batch of n examples.
func (s *Session) NewBatch(n int) (*Batch, error) {
	if n <= 0 {
		return nil, fmt.Errorf("batch size %d must be positive", n)
	}
	if s.batch > 0 && n != s.batch {
		return nil, fmt.Errorf("batch size %d: %s takes batches of exactly %d (input %v)", n, s.path, s.batch, s.in.Dimensions)
	}
	in, err := ort.NewEmptyTensor[float32](shape(n, s.inShape))
	if err != nil {
		return nil, fmt.Errorf("allocate input [%d, %v]: %w", n, s.inShape, err)
	}
	out, err := ort.NewEmptyTensor[float32](shape(n, s.outShape))
	if err != nil {
		free(in)
		return nil, fmt.Errorf("allocate output [%d, %v]: %w", n, s.outShape, err)
	}
	b := &Batch{N: n, In: in.GetData(), Out: out.GetData(), in: in, out: out}
	if s.ioBinding {
		if err := b.bindTo(s); err != nil {
			b.Close()
			return nil, fmt.Errorf("bind a batch of %d to %s: %w", n, s.path, err)
		}
	}
	return b, nil
}

func (b *Batch) bindTo(s *Session) error {
	var err error
	if b.bind, err = s.sess.CreateIoBinding(); err != nil {
		return err
	}
	if err := b.bind.BindInput(s.in.Name, b.in); err != nil {
		return fmt.Errorf("input %s: %w", s.in.Name, err)
	}
	if err := b.bind.BindOutput(s.out.Name, b.out); err != nil {
		return fmt.Errorf("output %s: %w", s.out.Name, err)
	}
	return nil
}

// Close releases the batch's tensors.
func (b *Batch) Close() {
	if b.bind != nil {
		free(b.bind)
	}
	free(b.in)
	free(b.out)
}

// RunBatch runs the model on b.In, writing b.Out.
func (s *Session) RunBatch(b *Batch) error {
	if err := s.aborted(); err != nil {
		return fmt.Errorf("run %s: %w", s.path, err)
	}
	var err error
	if b.bind != nil {
		err = s.sess.RunWithBinding(b.bind)
	} else {
		err = s.sess.RunWithOptions([]ort.Value{b.in}, []ort.Value{b.out}, s.runOpts)
	}
	if s.sigs != nil {
		s.repairSignals()
	}
	if err != nil {
		if aerr := s.aborted(); aerr != nil {
			return fmt.Errorf("run %s: %w (onnxruntime: %w)", s.path, aerr, err)
		}
		return fmt.Errorf("run %s on a batch of %d: %w", s.path, b.N, err)
	}
	return nil
}

// Run runs the model on n examples in x and returns their n outputs in a
// new slice. Streaming code should keep Batches instead.
func (s *Session) Run(x []float32, n int) ([]float32, error) {
	if len(x) != n*s.InputLen() {
		return nil, fmt.Errorf("run %s: input holds %d values, want %d examples of %v", s.path, len(x), n, s.inShape)
	}
	b, err := s.NewBatch(n)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	copy(b.In, x)
	if err := s.RunBatch(b); err != nil {
		return nil, err
	}
	return append([]float32(nil), b.Out...), nil
}

// Close releases the session.
func (s *Session) Close() error {
	s.abortMu.Lock()
	if s.runOpts != nil {
		free(s.runOpts)
		s.runOpts = nil
	}
	s.abortMu.Unlock()
	if s.sess != nil {
		err := s.sess.Destroy()
		s.sess = nil
		return err
	}
	return nil
}

func shape(n int, per []int) ort.Shape {
	s := ort.Shape{int64(n)}
	for _, d := range per {
		s = append(s, int64(d))
	}
	return s
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
