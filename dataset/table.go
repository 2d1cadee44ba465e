package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// A Table holds the items of a Reader on disk with random access, for data
// too large to be read into memory: any run of consecutive items can be
// read at any time, in any order. A raw IDX file is read in place; other
// data (gzip-compressed, CIFAR-10) is copied once, uncompressed, into a
// temporary file that is removed from its folder as soon as it is created,
// so that it disappears when the Table is closed or the process ends,
// however it ends. Items are read as by Reader.ReadFloat32 (u8 scaled to
// [0, 1]), and the same rule holds: float values must be finite, which
// NewTable checks for every item before it returns. A Table is not safe
// for concurrent use.
type Table struct {
	name string
	f    *os.File
	// typ is the element type on disk: the file's, or for a copy U8 for
	// u8 data and F32 for float data.
	typ      ElemType
	off      int64 // offset of the first item
	first    int   // index in the data of the first item
	n        int   // items
	itemLen  int   // elements per item
	shape    []int // of one item
	buf      []byte
	copyMade bool
}

// NewTable returns a Table of the next n items of r (all that remain when n
// is 0 or more than remain), which it reads once to check them (and to copy
// them when r is not a raw IDX file; the copy goes to the folder dir, the
// system's temporary folder when dir is ""). The Table takes r over:
// closing the Table closes r.
func NewTable(r *Reader, n int, dir string) (*Table, error) {
	if n <= 0 || n > r.Remaining() {
		n = r.Remaining()
	}
	t := &Table{name: r.name, n: n, first: r.read, itemLen: r.hdr.ItemLen(), shape: r.hdr.Dims[1:], typ: r.hdr.Type}
	var err error
	if r.file != nil && r.gz == nil && r.src == nil {
		err = t.inPlace(r)
	} else {
		err = t.copy(r, dir)
		r.Close()
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// inPlace reads the raw file of r where it is, after checking float items.
func (t *Table) inPlace(r *Reader) error {
	t.f, r.file = r.file, nil
	t.off = r.hdr.headerLen() + int64(r.read)*int64(t.itemLen)*int64(t.typ.Size())
	if t.typ != F32 && t.typ != F64 {
		return nil // the size of the file was checked by OpenIDX
	}
	buf := make([]float32, max(1, scratchSize/(4*t.itemLen))*t.itemLen)
	for done := 0; done < t.n; {
		k, err := t.ReadFloat32(buf[:min(len(buf), (t.n-done)*t.itemLen)], done)
		if err != nil {
			return err
		}
		done += k
	}
	return nil
}

// copy writes the items of r, uncompressed, to an unlinked temporary file.
func (t *Table) copy(r *Reader, dir string) error {
	f, err := os.CreateTemp(dir, "zoo-table-*")
	if err != nil {
		return fmt.Errorf("copy %s for reading in place: %w", r.name, err)
	}
	os.Remove(f.Name()) // the file lives as long as f is open
	t.f, t.copyMade = f, true
	if r.hdr.Type != U8 {
		t.typ = F32
	}
	w := &offsetWriter{f: f}
	per := max(1, (1<<20)/t.itemLen)
	if t.typ == U8 {
		b := make([]byte, per*t.itemLen)
		for left := t.n; left > 0; {
			k, err := r.ReadUint8(b[:min(per, left)*t.itemLen])
			if k > 0 {
				if werr := w.write(b[:k*t.itemLen]); werr != nil {
					return werr
				}
			}
			left -= k
			if err != nil && (left > 0 || !errors.Is(err, io.EOF)) {
				return err
			}
		}
		return nil
	}
	x := make([]float32, per*t.itemLen)
	b := make([]byte, 4*len(x))
	for left := t.n; left > 0; {
		k, err := r.ReadFloat32(x[:min(per, left)*t.itemLen])
		for i, v := range x[:k*t.itemLen] {
			binary.BigEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		if werr := w.write(b[:4*k*t.itemLen]); werr != nil {
			return werr
		}
		left -= k
		if err != nil && (left > 0 || !errors.Is(err, io.EOF)) {
			return err
		}
	}
	return nil
}

// offsetWriter appends to a file with WriteAt, naming the file in errors.
type offsetWriter struct {
	f   *os.File
	off int64
}

func (w *offsetWriter) write(b []byte) error {
	if _, err := w.f.WriteAt(b, w.off); err != nil {
		return fmt.Errorf("write the uncompressed copy of the data: %w", err)
	}
	w.off += int64(len(b))
	return nil
}

// Name returns the name of the data, as the Reader had it.
func (t *Table) Name() string { return t.name }

// Len returns the number of items.
func (t *Table) Len() int { return t.n }

// ItemLen returns the number of values of one item, and Shape its shape.
func (t *Table) ItemLen() int { return t.itemLen }

// Shape returns the shape of one item.
func (t *Table) Shape() []int { return append([]int(nil), t.shape...) }

// InPlace reports whether the Table reads the original file rather than a
// copy.
func (t *Table) InPlace() bool { return !t.copyMade }

// ReadFloat32 reads the items from lo on into dst, as many as fit whole
// (and remain), converted as by Reader.ReadFloat32, and returns how many it
// read. Items past the end are an error.
func (t *Table) ReadFloat32(dst []float32, lo int) (int, error) {
	k := min(len(dst)/t.itemLen, t.n-lo)
	if lo < 0 || k <= 0 {
		return 0, fmt.Errorf("read %s: items from %d: out of its %d items, or a buffer shorter than one", t.name, lo, t.n)
	}
	size := t.typ.Size()
	elems := k * t.itemLen
	if cap(t.buf) < elems*size {
		t.buf = make([]byte, elems*size)
	}
	b := t.buf[:elems*size]
	pos := t.off + int64(lo)*int64(t.itemLen)*int64(size)
	if _, err := t.f.ReadAt(b, pos); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, formatErr(t.name, "truncated: items %d to %d are past the end of the file (was it changed while being read?)", lo, lo+k-1)
		}
		return 0, fmt.Errorf("read %s: items %d to %d: %w", t.name, lo, lo+k-1, err)
	}
	decode(dst[:elems], b, t.typ)
	if t.typ == F32 || t.typ == F64 {
		if i := firstNonFinite(dst[:elems]); i >= 0 {
			return i / t.itemLen, &NonFiniteError{File: t.name, Index: t.first + lo + i/t.itemLen, Value: i % t.itemLen, X: dst[i]}
		}
	}
	return k, nil
}

// Close closes the file (and so removes the copy).
func (t *Table) Close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}
