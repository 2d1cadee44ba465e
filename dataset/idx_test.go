package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// badDir holds the malformed fixtures made by internal/mkbad.
const badDir = "../fixtures/bad"

// idxHeader encodes an IDX header.
func idxHeader(t ElemType, dims ...uint32) []byte {
	b := []byte{0, 0, byte(t), byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

// gzipBytes compresses b.
func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeTemp writes b to a file called name in a new temporary directory.
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestElemType(t *testing.T) {
	tests := []struct {
		t    ElemType
		size int
		name string
	}{
		{U8, 1, "u8"},
		{I8, 1, "i8"},
		{I16, 2, "i16"},
		{I32, 4, "i32"},
		{F32, 4, "f32"},
		{F64, 8, "f64"},
		{0x0A, 0, "ElemType(0x0a)"},
		{0, 0, "ElemType(0x00)"},
	}
	for _, tt := range tests {
		if got := tt.t.Size(); got != tt.size {
			t.Errorf("%v.Size() = %d, want %d", tt.t, got, tt.size)
		}
		if got := tt.t.String(); got != tt.name {
			t.Errorf("ElemType(%#x).String() = %q, want %q", byte(tt.t), got, tt.name)
		}
	}
}

func TestHeader(t *testing.T) {
	tests := []struct {
		h       Header
		count   int
		itemLen int
		str     string
	}{
		{Header{U8, []int{10000, 28, 28}}, 10000, 784, "10000x28x28 u8"},
		{Header{U8, []int{60000}}, 60000, 1, "60000 u8"},
		{Header{F32, []int{0, 3}}, 0, 3, "0x3 f32"},
		{Header{I16, []int{2, 3, 4, 5}}, 2, 60, "2x3x4x5 i16"},
	}
	for _, tt := range tests {
		if got := tt.h.Count(); got != tt.count {
			t.Errorf("%v: Count() = %d, want %d", tt.h, got, tt.count)
		}
		if got := tt.h.ItemLen(); got != tt.itemLen {
			t.Errorf("%v: ItemLen() = %d, want %d", tt.h, got, tt.itemLen)
		}
		if got := tt.h.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
	}
}

// TestOpenIDXErrors checks that every malformed file is rejected by OpenIDX
// with a one-line error naming the file and the problem.
func TestOpenIDXErrors(t *testing.T) {
	img := make([]byte, 784)
	tests := []struct {
		name string
		file string // fixture in badDir, or
		data []byte // content written to a temporary file called name
		want string
	}{
		{name: "raw truncated", file: "truncated.idx",
			want: "header claims 10x28x28 u8 = 7840 data bytes but file has 1234 after the 16-byte header (6606 bytes missing: the file is truncated"},
		{name: "gzip cut short", file: "truncated.idx.gz", want: "truncated gzip file: header claims 10x28x28 u8 = 7840 data bytes but the compressed stream ends after"},
		{name: "gzip short content", file: "short-content.idx.gz",
			want: "header claims 10x28x28 u8 = 7840 data bytes but the gzip content has 1234 after the 16-byte header (6606 bytes missing"},
		{name: "wrong magic", file: "wrong-magic.idx", want: "not an IDX file: magic is 01020304"},
		{name: "dims exceed file", file: "dims-exceed.idx",
			want: "header claims 60000x28x28 u8 = 47040000 data bytes but file has 784"},
		{name: "overflow", file: "overflow.idx", want: "overflow int64"},
		{name: "empty", file: "empty.idx", want: "empty file"},
		{name: "html saved as gz", file: "html.gz", want: "magic is 3c21444f): an HTML page, not data"},
		{name: "gzip inside gzip", file: "gzip-in-gzip.idx.gz", want: "magic is 1f8b0800): gzip data inside the gzip file: it was compressed twice"},

		{name: "ndims0.idx", data: idxHeader(U8), want: "header declares 0 dimensions"},
		{name: "ndims9.idx", data: idxHeader(U8, 1, 1, 1, 1, 1, 1, 1, 1, 1), want: "header declares 9 dimensions, want 1 to 8"},
		{name: "zero-inner.idx", data: idxHeader(U8, 3, 0, 28), want: "dimension 1 of [3 0 28] is zero"},
		{name: "unknown-type.idx", data: append(idxHeader(0x0A, 1), 0), want: "magic is 00000a01"},
		{name: "one-byte.idx", data: []byte{0}, want: "too short for an IDX header (1 bytes)"},
		{name: "short-dims.idx", data: idxHeader(U8, 10, 28, 28)[:9], want: "truncated header: want 3 dimensions"},
		{name: "extra-data.idx", data: append(idxHeader(U8, 1, 28, 28), append(img, 1, 2)...),
			want: "header claims 1x28x28 u8 = 784 data bytes but file has 786"},
		{name: "bad-gzip-header.gz", data: []byte{0x1f, 0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			want: "bad gzip stream"},
		{name: "tiny-gzip.gz", data: []byte{0x1f, 0x8b, 8}, want: "truncated gzip file (3 bytes)"},
		{name: "empty-gzip-content.gz", data: gzipBytes(t, nil), want: "too short for an IDX header (0 bytes)"},
		{name: "big-item.idx", data: idxHeader(I32, 1<<30, 1<<30, 1<<30), want: "items too large"},
		{name: "big-count.idx", data: idxHeader(U8, math.MaxUint32, math.MaxUint32, 16), want: "dimensions [4294967295 4294967295 16] overflow int64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(badDir, tt.file)
			if tt.file == "" {
				path = writeTemp(t, tt.name, tt.data)
			}
			r, err := OpenIDX(path)
			if err == nil {
				r.Close()
				t.Fatalf("OpenIDX(%s) succeeded, want error %q", path, tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tt.want) {
				t.Errorf("OpenIDX(%s) error = %q, want the path and %q", path, msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
		})
	}
}

func TestOpenIDXMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.idx")
	_, err := OpenIDX(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("OpenIDX(missing) = %v, want a not-exist error naming the file", err)
	}
	_, err = OpenIDX(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("OpenIDX(dir) = %v, want not a regular file", err)
	}
}

// readAllItems reads r to the end in batches of batch items.
func readAllItems(r *Reader, batch int) ([]float32, error) {
	var out []float32
	buf := make([]float32, batch*r.Header().ItemLen())
	for {
		n, err := r.ReadFloat32(buf)
		out = append(out, buf[:n*r.Header().ItemLen()]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// TestStreamErrors checks errors found only while reading the data.
func TestStreamErrors(t *testing.T) {
	full := append(idxHeader(U8, 10, 28, 28), make([]byte, 7840)...)
	tests := []struct {
		name string
		open func(t *testing.T) (*Reader, string)
		want string
	}{
		{"corrupt gzip body", func(t *testing.T) (*Reader, string) {
			p := filepath.Join(badDir, "corrupt-body.idx.gz")
			r, err := OpenIDX(p)
			if err != nil {
				t.Fatalf("OpenIDX: %v", err)
			}
			return r, p
		}, ""},
		{"stream truncated raw", func(t *testing.T) (*Reader, string) {
			r, err := NewReader(bytes.NewReader(full[:16+784+100]), "mem:raw")
			if err != nil {
				t.Fatal(err)
			}
			return r, "mem:raw"
		}, "truncated: expected 10 items, got 1"},
		{"stream truncated gzip", func(t *testing.T) (*Reader, string) {
			z := gzipBytes(t, full[:16+3*784])
			r, err := NewReader(bytes.NewReader(z), "mem:gz")
			if err != nil {
				t.Fatal(err)
			}
			return r, "mem:gz"
		}, "truncated: expected 10 items, got 3"},
		{"gzip cut inside the stream", func(t *testing.T) (*Reader, string) {
			z := gzipBytes(t, full)
			r, err := NewReader(bytes.NewReader(z[:len(z)-6]), "mem:cut")
			if err != nil {
				t.Fatal(err)
			}
			return r, "mem:cut"
		}, "mem:cut"},
		{"gzip cut inside the data", func(t *testing.T) (*Reader, string) {
			img := idxHeader(U8, 10, 28, 28)
			for i := range 7840 {
				img = append(img, byte(i*i*7+i/3)) // poorly compressible
			}
			z := gzipBytes(t, img)
			r, err := NewReader(bytes.NewReader(z[:len(z)/2]), "mem:half")
			if err != nil {
				t.Fatal(err)
			}
			return r, "mem:half"
		}, "the gzip stream is cut, probably an interrupted download"},
		{"trailing data", func(t *testing.T) (*Reader, string) {
			r, err := NewReader(bytes.NewReader(append(slices.Clone(full), 9)), "mem:trail")
			if err != nil {
				t.Fatal(err)
			}
			return r, "mem:trail"
		}, "unexpected data after the 10 items of 10x28x28 u8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, name := tt.open(t)
			defer r.Close()
			_, err := readAllItems(r, 3)
			if err == nil {
				t.Fatalf("reading %s succeeded, want an error", name)
			}
			if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want %q and %q", err, name, tt.want)
			}
			// The error is sticky.
			if _, err2 := r.ReadFloat32(make([]float32, 784)); err2 == nil || errors.Is(err2, io.EOF) {
				t.Errorf("read after error = %v, want the error again", err2)
			}
		})
	}
}

func TestReadLabelsErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"float1d.idx", "want 1-D u8 labels, file holds 5 f32"},
		{"wrong-magic.idx", "magic is"},
		{"../mnist-512/t10k-images-idx3-ubyte.gz", "want 1-D u8 labels, file holds 512x28x28 u8"},
	}
	for _, tt := range tests {
		p := filepath.Join(badDir, tt.file)
		_, err := ReadLabels(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadLabels(%s) = %v, want %q", p, err, tt.want)
		}
	}
}

func TestReadUint8WrongType(t *testing.T) {
	r, err := OpenIDX(filepath.Join(badDir, "float1d.idx"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.ReadUint8(make([]byte, 5)); err == nil || !strings.Contains(err.Error(), "needs a u8 file") {
		t.Errorf("ReadUint8 on f32 = %v, want error", err)
	}
	// The file itself is fine as float data.
	got := make([]float32, 8)
	n, err := r.ReadFloat32(got)
	if n != 5 || err != nil || !slices.Equal(got[:5], []float32{0, 0.5, 1, -1, 3.25}) {
		t.Errorf("ReadFloat32 = %d, %v, %v", n, err, got[:n])
	}
}

// encode returns the IDX bytes of vals (whole numbers or floats) as type t.
func encode(t ElemType, dims []uint32, vals []float64) []byte {
	var b []byte
	ud := make([]uint32, len(dims))
	copy(ud, dims)
	b = idxHeader(t, ud...)
	for _, v := range vals {
		switch t {
		case U8:
			b = append(b, byte(v))
		case I8:
			b = append(b, byte(int8(v)))
		case I16:
			b = binary.BigEndian.AppendUint16(b, uint16(int16(v)))
		case I32:
			b = binary.BigEndian.AppendUint32(b, uint32(int32(v)))
		case F32:
			b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(v)))
		case F64:
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	return b
}

// TestDecode checks the conversion of each element type against bytes
// encoded independently of Writer.
func TestDecode(t *testing.T) {
	tests := []struct {
		t    ElemType
		in   []float64
		want []float32
	}{
		{U8, []float64{0, 255, 51, 1}, []float32{0, 1, 0.2, 1.0 / 255}},
		{I8, []float64{-128, 127, -1, 0}, []float32{-128, 127, -1, 0}},
		{I16, []float64{-32768, 32767, -2, 300}, []float32{-32768, 32767, -2, 300}},
		{I32, []float64{math.MinInt32, math.MaxInt32, -7, 1 << 20}, []float32{math.MinInt32, math.MaxInt32, -7, 1 << 20}},
		{F32, []float64{-1.5, 0.1, math.Inf(1), 3}, []float32{-1.5, 0.1, float32(math.Inf(1)), 3}},
		{F64, []float64{0.1, 1e300, -2, 1.0 / 3}, []float32{0.1, float32(math.Inf(1)), -2, 1.0 / 3}},
	}
	for _, tt := range tests {
		b := encode(tt.t, []uint32{2, 2}, tt.in)
		for _, compressed := range []bool{false, true} {
			data := b
			if compressed {
				data = gzipBytes(t, b)
			}
			r, err := NewReader(bytes.NewReader(data), "mem")
			if err != nil {
				t.Fatalf("%v: %v", tt.t, err)
			}
			r.AllowNonFinite() // the conversion of Inf; TestNonFinite checks the refusal
			got, err := readAllItems(r, 1)
			if err != nil {
				t.Fatalf("%v: %v", tt.t, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%v gzip=%v: got %v, want %v", tt.t, compressed, got, tt.want)
			}
		}
	}
}

func TestReadBatches(t *testing.T) {
	const n = 7
	vals := make([]float64, n*3)
	for i := range vals {
		vals[i] = float64(i)
	}
	path := writeTemp(t, "x.idx", encode(I16, []uint32{n, 3}, vals))
	r, err := OpenIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Name() != path {
		t.Errorf("Name() = %q, want %q", r.Name(), path)
	}
	h := r.Header()
	h.Dims[0] = 99 // must not affect the reader
	if r.Header().Count() != n {
		t.Errorf("Header() shares its Dims")
	}
	// A buffer shorter than one item.
	if _, err := r.ReadFloat32(make([]float32, 2)); !errors.Is(err, io.ErrShortBuffer) || !strings.Contains(err.Error(), path) {
		t.Errorf("short buffer: %v", err)
	}
	buf := make([]float32, 3*3+2) // 3 items, with room left over
	steps := []struct {
		n   int
		err error
	}{{3, nil}, {3, nil}, {1, nil}, {0, io.EOF}, {0, io.EOF}}
	next := 0
	for i, s := range steps {
		got, err := r.ReadFloat32(buf)
		if got != s.n || !errors.Is(err, s.err) {
			t.Fatalf("read %d: %d, %v, want %d, %v", i, got, err, s.n, s.err)
		}
		for j := range got * 3 {
			if buf[j] != float32(next) {
				t.Fatalf("read %d: element %d = %v, want %d", i, j, buf[j], next)
			}
			next++
		}
	}
}

func TestSkip(t *testing.T) {
	const n = 5
	vals := make([]float64, n*4)
	for i := range vals {
		vals[i] = float64(i)
	}
	for _, compressed := range []bool{false, true} {
		b := encode(U8, []uint32{n, 4}, vals)
		name := "s.idx"
		if compressed {
			b, name = gzipBytes(t, b), "s.idx.gz"
		}
		r, err := OpenIDX(writeTemp(t, name, b))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Skip(2); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 4)
		if n, err := r.ReadUint8(got); n != 1 || err != nil || got[0] != 8 {
			t.Errorf("after Skip(2): %d, %v, %v", n, err, got)
		}
		if err := r.Skip(3); err == nil || !strings.Contains(err.Error(), "cannot skip 3 items, 2 of 5 remain") {
			t.Errorf("Skip past end = %v", err)
		}
		if err := r.Skip(2); err != nil {
			t.Errorf("Skip to end = %v", err)
		}
		if n, err := r.ReadUint8(got); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("after end: %d, %v", n, err)
		}
		r.Close()
	}
}

// TestRoundTrip writes every element type with Writer, raw and gzip, and
// reads it back with OpenIDX, NewReader and ReadAllFloat32.
func TestRoundTrip(t *testing.T) {
	dims := []int{6, 2, 3}
	n := 6 * 6
	for _, et := range []ElemType{U8, I8, I16, I32, F32, F64} {
		for _, compressed := range []bool{false, true} {
			var buf bytes.Buffer
			var dst io.Writer = &buf
			var zw *gzip.Writer
			if compressed {
				zw = gzip.NewWriter(&buf)
				dst = zw
			}
			w, err := NewWriter(dst, et, dims)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, n)
			bytesIn := make([]byte, n)
			ints := make([]int32, n)
			for i := range n {
				switch et {
				case U8:
					bytesIn[i] = byte(i * 7)
					want[i] = float32(bytesIn[i]) / 255
				case I8:
					ints[i] = int32(i*7 - 128)
				case I16:
					ints[i] = int32(i*1000 - 20000)
				case I32:
					ints[i] = int32(i*100000 - 1<<30)
				case F32, F64:
					want[i] = float32(i)*0.37 - 5
				}
				if ints[i] != 0 {
					want[i] = float32(ints[i])
				}
			}
			// Write in two parts, whole items each.
			for _, part := range [][2]int{{0, 12}, {12, n}} {
				switch et {
				case U8:
					err = w.WriteUint8(bytesIn[part[0]:part[1]])
				case I8, I16, I32:
					err = w.WriteInt32(ints[part[0]:part[1]])
				default:
					err = w.WriteFloat32(want[part[0]:part[1]])
				}
				if err != nil {
					t.Fatalf("%v: write: %v", et, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("%v: Close: %v", et, err)
			}
			if zw != nil {
				zw.Close()
			}
			name := "rt-" + et.String() + ".idx"
			if compressed {
				name += ".gz"
			}
			path := writeTemp(t, name, buf.Bytes())
			h, got, err := ReadAllFloat32(path)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if h.Type != et || !slices.Equal(h.Dims, dims) {
				t.Errorf("%s: header %v", name, h)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", name, got, want)
			}
			r, err := NewReader(bytes.NewReader(buf.Bytes()), name)
			if err != nil {
				t.Fatal(err)
			}
			got, err = readAllItems(r, 4)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%s via NewReader: %v, %v", name, err, got)
			}
			r.Close()
		}
	}
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		t    ElemType
		dims []int
		do   func(w *Writer) error
		want string
	}{
		{"no dims", U8, nil, nil, "0 dimensions"},
		{"too many dims", U8, []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, nil, "9 dimensions"},
		{"bad type", 0x07, []int{1}, nil, "unknown element type"},
		{"zero inner", U8, []int{2, 0}, nil, "dimension 1 of [2 0] is zero"},
		{"negative", U8, []int{-1}, nil, "out of range"},
		{"u8 as float", U8, []int{2}, func(w *Writer) error { return w.WriteFloat32([]float32{1}) }, "WriteFloat32 cannot write a u8 file"},
		{"f32 as u8", F32, []int{2}, func(w *Writer) error { return w.WriteUint8([]byte{1}) }, "WriteUint8 cannot write a f32 file"},
		{"f32 as int", F32, []int{2}, func(w *Writer) error { return w.WriteInt32([]int32{1}) }, "WriteInt32 cannot write a f32 file"},
		{"partial item", U8, []int{2, 3}, func(w *Writer) error { return w.WriteUint8([]byte{1, 2}) }, "not a whole number of items"},
		{"too many", U8, []int{2}, func(w *Writer) error { return w.WriteUint8([]byte{1, 2, 3}) }, "would exceed the 2 declared"},
		{"too few", U8, []int{2}, func(w *Writer) error {
			if err := w.WriteUint8([]byte{1}); err != nil {
				return err
			}
			return w.Close()
		}, "1 of the 2 declared items were written"},
		{"i8 range", I8, []int{2}, func(w *Writer) error { return w.WriteInt32([]int32{1, 200}) }, "element 1 is 200, out of range for i8"},
		{"i16 range", I16, []int{1}, func(w *Writer) error { return w.WriteInt32([]int32{-40000}) }, "out of range for i16"},
		{"write after close", U8, []int{0}, func(w *Writer) error {
			if err := w.Close(); err != nil {
				return err
			}
			return w.WriteUint8(nil)
		}, "already closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWriter(io.Discard, tt.t, tt.dims)
			if err == nil && tt.do != nil {
				err = tt.do(w)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterWriteError(t *testing.T) {
	// The header and small writes are buffered: the error shows at Close.
	w, err := NewWriter(failWriter{}, U8, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUint8([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close = %v, want disk full", err)
	}
}

func TestEmptyFile(t *testing.T) {
	// A file with zero items is valid.
	path := writeTemp(t, "zero.idx", idxHeader(F32, 0, 5))
	h, data, err := ReadAllFloat32(path)
	if err != nil || h.Count() != 0 || len(data) != 0 {
		t.Errorf("ReadAllFloat32(zero items) = %v, %v, %v", h, data, err)
	}
}

// TestReadAllocs checks that reading allocates nothing per call once the
// reader is warm, whatever the size of the file.
func TestReadAllocs(t *testing.T) {
	for _, et := range []ElemType{U8, F32} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, et, []int{400, 28, 28})
		if et == U8 {
			if err := w.WriteUint8(make([]byte, 400*784)); err != nil {
				t.Fatal(err)
			}
		} else {
			if err := w.WriteFloat32(make([]float32, 400*784)); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		r, err := NewReader(bytes.NewReader(buf.Bytes()), "mem")
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, 10*784)
		if _, err := r.ReadFloat32(dst); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := r.ReadFloat32(dst); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per ReadFloat32", et, allocs)
		}
	}
}

func benchmarkRead(b *testing.B, et ElemType, compressed bool) {
	const n = 2000
	var buf bytes.Buffer
	var dst io.Writer = &buf
	var zw *gzip.Writer
	if compressed {
		zw = gzip.NewWriter(&buf)
		dst = zw
	}
	w, _ := NewWriter(dst, et, []int{n, 28, 28})
	px := make([]byte, n*784)
	for i := range px {
		px[i] = byte(i * 31)
	}
	if et == U8 {
		if err := w.WriteUint8(px); err != nil {
			b.Fatal(err)
		}
	} else {
		f := make([]float32, len(px))
		for i, v := range px {
			f[i] = float32(v) / 255
		}
		if err := w.WriteFloat32(f); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	if zw != nil {
		zw.Close()
	}
	data := buf.Bytes()
	out := make([]float32, 128*784)
	b.SetBytes(int64(n * 784 * et.Size()))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), "bench")
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.ReadFloat32(out)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkReadFloat32U8(b *testing.B)     { benchmarkRead(b, U8, false) }
func BenchmarkReadFloat32F32(b *testing.B)    { benchmarkRead(b, F32, false) }
func BenchmarkReadFloat32U8Gzip(b *testing.B) { benchmarkRead(b, U8, true) }

func TestRange(t *testing.T) {
	const path = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	_, all, err := ReadAllFloat32(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	for _, rg := range [][2]int{{0, 100}, {100, 100}, {100, 333}, {333, 512}} {
		r, err := OpenIDX(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Range(rg[0], rg[1]); err != nil {
			t.Fatal(err)
		}
		if r.Remaining() != rg[1]-rg[0] {
			t.Errorf("range %v: %d remaining", rg, r.Remaining())
		}
		buf := make([]float32, 1000*784)
		n, err := r.ReadFloat32(buf)
		if err != nil && !errors.Is(err, io.EOF) || n != rg[1]-rg[0] {
			t.Fatalf("range %v: read %d, %v", rg, n, err)
		}
		if n, err := r.ReadFloat32(buf); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("range %v: after the end: %d, %v", rg, n, err)
		}
		got = append(got, buf[:n*784]...)
		r.Close()
	}
	if !slices.Equal(got, all) {
		t.Error("the ranges do not add up to the file")
	}
	r, _ := OpenIDX(path)
	defer r.Close()
	if err := r.Range(10, 600); err == nil {
		t.Error("range past the end accepted")
	}
}
