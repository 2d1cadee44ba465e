package infer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// InferTask returns what the session's model does, by the one rule every
// zoo command follows:
//
//  1. the task its zoo.task metadata records, as every model zoo exports
//     has;
//  2. else the file's role in an export folder: encoder.onnx encodes,
//     decoder.onnx decodes;
//  3. else its shapes, per example (the batch dimension aside, symbolic or
//     fixed): zoo.Reconstruct when the output has as many values as the
//     input, zoo.Classify when the output is a vector of 2 to MaxClasses
//     logits (see Classes: [10] as [1, 10]), as files that
//     torch.onnx.export or another tool wrote have them;
//  4. else zoo.Reconstruct, which CheckTask then rejects, saying why.
func (s *Session) InferTask() zoo.Task {
	if t := s.Task(); t != "" {
		return t
	}
	switch filepath.Base(s.path) {
	case zoo.Encode.File():
		return zoo.Encode
	case zoo.Decode.File():
		return zoo.Decode
	}
	if s.InputLen() != s.OutputLen() && s.checkClassifier() == nil {
		return zoo.Classify
	}
	return zoo.Reconstruct
}

// ModelFile returns the ONNX file that runs task for path: path itself when
// it is a file; in an export folder, the part file of task (encoder.onnx,
// decoder.onnx) when the folder has it, else model.onnx, whose metadata
// says what it does (a classifier's folder has no encoder.onnx). An empty
// task is the whole model's.
func ModelFile(path string, task zoo.Task) string {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return path
	}
	if task != "" {
		if p := filepath.Join(path, task.File()); isFile(p) {
			return p
		}
	}
	return filepath.Join(path, zoo.ModelFile)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// A Folder is a model opened whole for inference: an export folder, whose
// model.onnx, encoder.onnx and decoder.onnx are opened when they exist, or
// one .onnx file, placed by what it does (see Session.InferTask).
type Folder struct {
	// Path is the folder or the file opened.
	Path string
	// Name is the model's name: its zoo.model metadata, else the folder's
	// name or the file's without .onnx.
	Name string
	// Task is what the whole model does: zoo.Reconstruct or zoo.Classify.
	// A folder of an autoencoder's parts alone reconstructs; a single file
	// of a part has no task ("").
	Task zoo.Task
	// Whole runs the whole model (model.onnx, or the file when it
	// reconstructs or classifies); Encoder and Decoder run the parts. Each
	// is nil when absent.
	Whole, Encoder, Decoder *Session
	// dir is set when Path is a folder.
	dir bool
}

// OpenFolder opens the model at path, an export folder or one .onnx file,
// with the session options opt. A file without zoo metadata whose task
// comes out as reconstruct must map its input to as many values; the
// encoder's code must be the decoder's input.
func OpenFolder(path string, opt Options) (*Folder, error) {
	atomicfile.Recover(path) // an export --force cut short between its renames
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	f := &Folder{Path: path, Name: filepath.Base(path), dir: fi.IsDir()}
	files := []string{path}
	if fi.IsDir() {
		files = nil
		for _, name := range []string{zoo.ModelFile, zoo.Encode.File(), zoo.Decode.File()} {
			if p := filepath.Join(path, name); isFile(p) {
				files = append(files, p)
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("model %s: folder holds none of %s, %s, %s (zoo export writes them)",
				path, zoo.ModelFile, zoo.Encode.File(), zoo.Decode.File())
		}
	} else {
		f.Name = strings.TrimSuffix(f.Name, ".onnx")
	}
	for _, p := range files {
		s, err := Open(p, opt)
		if err == nil {
			err = f.place(s)
			if err != nil {
				s.Close()
			}
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	if f.Task == "" && fi.IsDir() {
		f.Task = zoo.Reconstruct
	}
	if f.Encoder != nil && f.Decoder != nil && f.Encoder.OutputLen() != f.Decoder.InputLen() {
		err := fmt.Errorf("model %s: encoder gives %d values, decoder takes %d", path, f.Encoder.OutputLen(), f.Decoder.InputLen())
		f.Close()
		return nil, err
	}
	return f, nil
}

// place puts the session s where its task says.
func (f *Folder) place(s *Session) error {
	task := s.InferTask()
	if s.Task() == "" && task == zoo.Reconstruct && s.InputLen() != s.OutputLen() {
		return fmt.Errorf("model %s: no %s metadata and input %v differs from output %v; give an export folder",
			s.Path(), zoo.MetaTask, s.InputShape(), s.OutputShape())
	}
	switch task {
	case zoo.Reconstruct, zoo.Classify:
		f.Task, f.Whole = task, s
	case zoo.Encode:
		f.Encoder = s
	case zoo.Decode:
		f.Decoder = s
	default:
		return fmt.Errorf("model %s: task %q, want reconstruct, classify, encode or decode", s.Path(), task)
	}
	if name := s.ModelName(); name != "" {
		f.Name = name
	}
	return nil
}

// InputShape returns the shape of one input of the model: the whole
// model's, else the encoder's input or the decoder's output.
func (f *Folder) InputShape() []int {
	switch {
	case f.Whole != nil:
		return f.Whole.InputShape()
	case f.Encoder != nil:
		return f.Encoder.InputShape()
	case f.Decoder != nil:
		return f.Decoder.OutputShape()
	}
	return nil
}

// CodeLen returns the number of values of a code: the encoder's output or
// the decoder's input; 0 without either.
func (f *Folder) CodeLen() int {
	switch {
	case f.Encoder != nil:
		return f.Encoder.OutputLen()
	case f.Decoder != nil:
		return f.Decoder.InputLen()
	}
	return 0
}

// WeightsFile returns the ONNX file whose initializers hold the model's
// first weight layer: the file opened, when the Folder is one file; in a
// folder, the whole model's file, else the encoder's; "" for a folder of a
// decoder alone.
func (f *Folder) WeightsFile() string {
	switch {
	case !f.dir:
		return f.Path
	case f.Whole != nil:
		return f.Whole.Path()
	case f.Encoder != nil:
		return f.Encoder.Path()
	}
	return ""
}

// Close closes the sessions.
func (f *Folder) Close() error {
	var errs []error
	for _, s := range []*Session{f.Whole, f.Encoder, f.Decoder} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// RunAll runs the model over the n examples of x, batch at a time (the
// last batch may be shorter; a model with a fixed batch runs at that size,
// the last batch padded), and returns their n outputs back to back. It
// stops with ctx's error when ctx is done between two batches.
func (s *Session) RunAll(ctx context.Context, x []float32, n, batch int) ([]float32, error) {
	inLen, outLen := s.InputLen(), s.OutputLen()
	if len(x) != n*inLen {
		return nil, fmt.Errorf("run %s: input holds %d values, want %d examples of %v", s.path, len(x), n, s.inShape)
	}
	if batch <= 0 {
		return nil, fmt.Errorf("batch size %d must be positive", batch)
	}
	if s.batch > 0 {
		batch = s.batch
	}
	out := make([]float32, n*outLen)
	var b *Batch
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
		size := m
		if s.batch > 0 {
			size = s.batch
		}
		if b == nil || b.N != size {
			if b != nil {
				b.Close()
			}
			var err error
			if b, err = s.NewBatch(size); err != nil {
				return nil, err
			}
		}
		clear(b.In[copy(b.In, x[lo*inLen:(lo+m)*inLen]):])
		if err := s.RunBatch(b); err != nil {
			return nil, err
		}
		copy(out[lo*outLen:(lo+m)*outLen], b.Out)
	}
	return out, nil
}
