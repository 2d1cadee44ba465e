package dataset

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// Writer writes an IDX stream item by item. The header is written by
// NewWriter; Close checks that exactly as many items as Dims[0] were written.
// Writer does not compress: to write a .gz file, wrap the destination in a
// gzip.Writer and close that after the Writer.
type Writer struct {
	w       *bufio.Writer
	hdr     Header
	written int
	buf     []byte
	err     error
}

// NewWriter writes the header of an IDX stream of element type t and
// dimensions dims to w and returns a Writer for its items.
func NewWriter(w io.Writer, t ElemType, dims []int) (*Writer, error) {
	h := Header{Type: t, Dims: slices.Clone(dims)}
	if err := h.validate(); err != nil {
		return nil, fmt.Errorf("idx writer: %w", err)
	}
	bw := bufio.NewWriterSize(w, scratchSize)
	var b [4 + 4*MaxDims]byte
	b[2], b[3] = byte(t), byte(len(dims))
	for i, d := range dims {
		binary.BigEndian.PutUint32(b[4+4*i:], uint32(d))
	}
	if _, err := bw.Write(b[:h.headerLen()]); err != nil {
		return nil, fmt.Errorf("idx writer: write header: %w", err)
	}
	return &Writer{w: bw, hdr: h}, nil
}

// begin checks a write of n elements for a file of type one of types and
// returns the number of items they make.
func (w *Writer) begin(n int, method string, types ...ElemType) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if !slices.Contains(types, w.hdr.Type) {
		return 0, fmt.Errorf("idx writer: %s cannot write a %v file", method, w.hdr.Type)
	}
	il := w.hdr.ItemLen()
	if n%il != 0 {
		return 0, fmt.Errorf("idx writer: %d elements are not a whole number of items of %d elements", n, il)
	}
	items := n / il
	if items > w.hdr.Count()-w.written {
		return 0, fmt.Errorf("idx writer: writing %d more items would exceed the %d declared (%d written)", items, w.hdr.Count(), w.written)
	}
	return items, nil
}

// write writes encoded bytes and records a write error.
func (w *Writer) write(b []byte) error {
	if _, err := w.w.Write(b); err != nil {
		w.err = fmt.Errorf("idx writer: %w", err)
		return w.err
	}
	return nil
}

// scratch returns the encoding buffer.
func (w *Writer) scratch() []byte {
	if w.buf == nil {
		w.buf = make([]byte, scratchSize)
	}
	return w.buf
}

// WriteFloat32 writes whole items of an f32 or f64 file; f64 elements are
// widened from src.
func (w *Writer) WriteFloat32(src []float32) error {
	items, err := w.begin(len(src), "WriteFloat32", F32, F64)
	if err != nil {
		return err
	}
	size := w.hdr.Type.Size()
	buf := w.scratch()
	for len(src) > 0 {
		k := min(len(src), len(buf)/size)
		b := buf[:k*size]
		if w.hdr.Type == F32 {
			for i, v := range src[:k] {
				binary.BigEndian.PutUint32(b[4*i:], math.Float32bits(v))
			}
		} else {
			for i, v := range src[:k] {
				binary.BigEndian.PutUint64(b[8*i:], math.Float64bits(float64(v)))
			}
		}
		if err := w.write(b); err != nil {
			return err
		}
		src = src[k:]
	}
	w.written += items
	return nil
}

// WriteInt32 writes whole items of an i8, i16 or i32 file. A value outside
// the range of the element type is an error, and nothing of src is written.
func (w *Writer) WriteInt32(src []int32) error {
	items, err := w.begin(len(src), "WriteInt32", I8, I16, I32)
	if err != nil {
		return err
	}
	t := w.hdr.Type
	lo, hi := int32(math.MinInt32), int32(math.MaxInt32)
	switch t {
	case I8:
		lo, hi = math.MinInt8, math.MaxInt8
	case I16:
		lo, hi = math.MinInt16, math.MaxInt16
	}
	for i, v := range src {
		if v < lo || v > hi {
			return fmt.Errorf("idx writer: element %d is %d, out of range for %v", i, v, t)
		}
	}
	size := t.Size()
	buf := w.scratch()
	for len(src) > 0 {
		k := min(len(src), len(buf)/size)
		b := buf[:k*size]
		for i, v := range src[:k] {
			switch t {
			case I8:
				b[i] = byte(int8(v))
			case I16:
				binary.BigEndian.PutUint16(b[2*i:], uint16(int16(v)))
			case I32:
				binary.BigEndian.PutUint32(b[4*i:], uint32(v))
			}
		}
		if err := w.write(b); err != nil {
			return err
		}
		src = src[k:]
	}
	w.written += items
	return nil
}

// WriteUint8 writes whole items of a u8 file.
func (w *Writer) WriteUint8(src []byte) error {
	items, err := w.begin(len(src), "WriteUint8", U8)
	if err != nil {
		return err
	}
	if err := w.write(src); err != nil {
		return err
	}
	w.written += items
	return nil
}

// Close flushes the buffered data to the underlying writer, which it does
// not close. It is an error if fewer items were written than the header
// declares.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("idx writer: %w", err)
		return w.err
	}
	if w.written != w.hdr.Count() {
		w.err = fmt.Errorf("idx writer: %d of the %d declared items were written", w.written, w.hdr.Count())
		return w.err
	}
	w.err = errors.New("idx writer: already closed")
	return nil
}
