// Package infer runs ONNX models with onnxruntime over batches streamed from
// IDX files: reconstruct, encode and decode with autoencoders, writing IDX or
// NumPy outputs and reconstruction metrics, and classify with classifiers,
// writing predicted classes (IDX u8, NumPy or CSV) and probabilities and,
// given true labels, accuracy and confusion matrices (see package analysis).
//
// A model is an export folder or one .onnx file: ModelFile picks the file
// of a folder for a task, OpenFolder opens all its parts, and
// Session.InferTask is the one rule for what a model without zoo metadata
// does. Session.Stream runs a data file through a session; Session.RunAll
// runs a slice in memory. Above them, Job is one run of zoo infer (claim
// the outputs, open the model and the data, shard, stream, commit),
// Evaluate measures a model on labelled data (zoo eval), and ComparePCA
// sets an autoencoder against PCA (zoo compare pca). Data strings are
// resolved by dataset.Resolve; what is not found reaches the caller as a
// dataset.Notice, for it to say in its own words.
//
// Models zoo did not write run too: a Session takes a fixed batch
// dimension (FixedBatch) and Preprocess feeds it images in its layout,
// scale and normalisation. A Graph runs any model, whatever its inputs and
// outputs: named Values of any numeric or bool element type.
//
// The onnxruntime shared library is found through ZOO_ORT_LIB, then zoo's
// cache folder (where setup.sh puts it), then the system's library folders.
// onnxruntime keeps one environment per process; Init creates it once.
package infer

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/zoo-ml/zoo/internal/ortlib"
)

// ORTVersion is the onnxruntime release whose C API zoo is built for.
const ORTVersion = ortlib.Version

// LibEnv is the environment variable that names the onnxruntime library.
const LibEnv = ortlib.Env

// CacheLibPath returns where setup.sh installs the onnxruntime library:
// $XDG_CACHE_HOME/zoo/onnxruntime/VERSION/libonnxruntime.so.1, or the same
// under ~/.cache.
func CacheLibPath() (string, error) { return ortlib.CachePath() }

// LibraryPath returns the onnxruntime library to load: $ZOO_ORT_LIB when set
// (it must exist), else the cache path, else the first system path that
// exists. The error lists every place looked at.
func LibraryPath() (string, error) { return ortlib.Path() }

// runtime is the process's onnxruntime environment. onnxruntime allows one
// per process, so this is the single piece of process-wide state of infer.
var runtime struct {
	sync.Mutex
	lib string
}

// Init loads the onnxruntime library at lib (LibraryPath when lib is "") and
// creates the environment. The library is checked first (see ortlib.Check):
// a damaged or truncated file is an error, not a crash. Calling it again with the same library does
// nothing; with another library it is an error.
func Init(lib string) error {
	if lib == "" {
		var err error
		if lib, err = LibraryPath(); err != nil {
			return err
		}
	}
	runtime.Lock()
	defer runtime.Unlock()
	if runtime.lib != "" {
		if runtime.lib != lib {
			return fmt.Errorf("onnxruntime already loaded from %s, cannot load %s too", runtime.lib, lib)
		}
		return nil
	}
	if _, err := ortlib.Check(lib); err != nil {
		return err // a damaged file would crash the process that loads it
	}
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("load onnxruntime %s: %w", lib, err)
	}
	runtime.lib = lib
	return nil
}

// Version returns the version of the loaded onnxruntime library.
func Version() string {
	runtime.Lock()
	defer runtime.Unlock()
	if runtime.lib == "" {
		return ""
	}
	return ort.GetVersion()
}

// Device selects where a session runs.
type Device struct {
	// Kind is "cpu", "cuda" or "auto".
	Kind string
	// ID is the CUDA device number.
	ID int
}

// ParseDevice parses "cpu", "auto", "cuda" or "cuda:N".
func ParseDevice(s string) (Device, error) {
	switch s {
	case "", "cpu":
		return Device{Kind: "cpu"}, nil
	case "auto", "cuda":
		return Device{Kind: s}, nil
	}
	if id, ok := strings.CutPrefix(s, "cuda:"); ok {
		n, err := strconv.Atoi(id)
		if err != nil || n < 0 {
			return Device{}, fmt.Errorf("device %q: bad CUDA device number %q", s, id)
		}
		return Device{Kind: "cuda", ID: n}, nil
	}
	return Device{}, fmt.Errorf("unknown device %q (want cpu, cuda, cuda:N or auto)", s)
}

// Execution provider names as onnxruntime spells them.
const (
	CPUProvider  = "CPUExecutionProvider"
	CUDAProvider = "CUDAExecutionProvider"
)

// ErrNoCUDA is returned, wrapped, when the CUDA execution provider cannot be
// used with the loaded onnxruntime library.
var ErrNoCUDA = errors.New("CUDA execution provider unavailable")

// sessionOptions builds session options for the device and thread count,
// and returns the provider chosen with its options (nil for the CPU). cuda
// holds CUDA execution provider options (see ParseCUDAOptions). With
// "auto", a missing CUDA provider is reported on warn and the CPU is used.
func sessionOptions(dev Device, threads int, cuda map[string]string, warn io.Writer) (*ort.SessionOptions, string, map[string]string, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, "", nil, fmt.Errorf("session options: %w", err)
	}
	fail := func(err error) (*ort.SessionOptions, string, map[string]string, error) {
		free(opts)
		return nil, "", nil, err
	}
	if threads > 0 {
		if err := opts.SetIntraOpNumThreads(threads); err != nil {
			return fail(fmt.Errorf("set %d threads: %w", threads, err))
		}
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return fail(err)
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return fail(err)
	}
	if dev.Kind == "cpu" {
		if len(cuda) > 0 {
			return fail(fmt.Errorf("CUDA options given for device cpu"))
		}
		return opts, CPUProvider, nil, nil
	}
	popts, err := cudaProviderOptions(dev, cuda)
	if err != nil {
		return fail(err)
	}
	cerr := appendCUDA(opts, popts)
	switch {
	case cerr == nil:
		return opts, CUDAProvider, popts, nil
	case dev.Kind == "auto":
		if warn != nil {
			fmt.Fprintf(warn, "zoo: %v; using the CPU\n", cerr)
		}
		return opts, CPUProvider, nil, nil
	default:
		return fail(fmt.Errorf("%w; install the GPU build of onnxruntime %s and point %s at it (see README)", cerr, ORTVersion, LibEnv))
	}
}

// appendCUDA adds the CUDA execution provider with its options. Loading
// the provider may install signal handlers of its own (see guardSignals).
func appendCUDA(opts *ort.SessionOptions, popts map[string]string) error {
	var err error
	guardSignals(func() { err = appendCUDAUnguarded(opts, popts) })
	return err
}

func appendCUDAUnguarded(opts *ort.SessionOptions, popts map[string]string) error {
	cuda, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoCUDA, err)
	}
	defer free(cuda)
	if err := cuda.Update(popts); err != nil {
		return fmt.Errorf("%w (device %s): %w", ErrNoCUDA, popts["device_id"], err)
	}
	if err := opts.AppendExecutionProviderCUDA(cuda); err != nil {
		return fmt.Errorf("%w: %w", ErrNoCUDA, err)
	}
	return nil
}

// free releases an onnxruntime object. Its error is dropped: onnxruntime
// frees what it can either way, and there is nothing a caller could do.
func free(d interface{ Destroy() error }) { _ = d.Destroy() }
