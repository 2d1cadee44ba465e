package infer

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// Output formats.
const (
	FormatIDX = "idx" // IDX float32, big-endian, as the MNIST files
	FormatNPY = "npy" // NumPy .npy version 1.0, little-endian float32
)

// FormatOf returns the format named by flag, or, when flag is "", the one
// implied by the file extension (.npy is NumPy, anything else IDX).
func FormatOf(path, flag string) (string, error) {
	switch flag {
	case FormatIDX, FormatNPY:
		return flag, nil
	case "":
		if strings.EqualFold(filepath.Ext(path), ".npy") {
			return FormatNPY, nil
		}
		return FormatIDX, nil
	}
	return "", fmt.Errorf("unknown output format %q (want idx or npy)", flag)
}

// An Output is a float32 array file being written: count examples of the
// per-example shape dims, in the IDX or NPY format. Nothing appears under the
// final name until Commit; Abort removes what was written.
type Output struct {
	f      *atomicfile.File
	bw     *bufio.Writer
	idx    *dataset.Writer // IDX; nil for NPY
	buf    []byte          // NPY encoding buffer
	format string
}

// CreateOutput starts writing path. An existing file is replaced only when
// force is set.
func CreateOutput(path, format string, count int, dims []int, force bool) (*Output, error) {
	f, err := atomicfile.Create(path, force)
	if err != nil {
		return nil, err
	}
	o := &Output{f: f, bw: bufio.NewWriterSize(f, 1<<20), format: format}
	all := append([]int{count}, dims...)
	switch format {
	case FormatIDX:
		o.idx, err = dataset.NewWriter(o.bw, dataset.F32, all)
	case FormatNPY:
		_, err = o.bw.Write(npyHeader(all))
	default:
		err = fmt.Errorf("unknown output format %q", format)
	}
	if err != nil {
		f.Abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return o, nil
}

// Path returns the final path of the output.
func (o *Output) Path() string { return o.f.Path() }

// Format returns FormatIDX or FormatNPY.
func (o *Output) Format() string { return o.format }

// Write appends whole examples.
func (o *Output) Write(v []float32) error {
	var err error
	if o.idx != nil {
		err = o.idx.WriteFloat32(v)
	} else {
		if cap(o.buf) < 4*len(v) {
			o.buf = make([]byte, 4*len(v))
		}
		b := o.buf[:4*len(v)]
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		_, err = o.bw.Write(b)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", o.f.Path(), err)
	}
	return nil
}

// Commit finishes the file and renames it into place.
func (o *Output) Commit() error {
	if o.idx != nil {
		if err := o.idx.Close(); err != nil {
			o.f.Abort()
			return fmt.Errorf("write %s: %w", o.f.Path(), err)
		}
	}
	if err := o.bw.Flush(); err != nil {
		o.f.Abort()
		return fmt.Errorf("write %s: %w", o.f.Path(), err)
	}
	return o.f.Commit()
}

// Abort discards the output. It is safe to call after Commit.
func (o *Output) Abort() { o.f.Abort() }

// npyHeader returns the NumPy format 1.0 header of a C-order float32 array.
func npyHeader(shape []int) []byte { return npyHeaderOf("<f4", shape) }

// npyHeaderOf returns the NumPy format 1.0 header of a C-order array of the
// NumPy type descr, such as "<f4" or "|u1".
func npyHeaderOf(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	// magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	h := make([]byte, 0, total+pad)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)+pad+1))
	h = append(h, dict...)
	h = append(h, strings.Repeat(" ", pad)...)
	return append(h, '\n')
}
