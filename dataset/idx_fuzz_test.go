package dataset

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// FuzzIDX feeds arbitrary bytes to the IDX reader, as a file (OpenIDX,
// OpenFile, ReadLabels) and as a stream (NewReader). mode picks the batch
// size (bits 0-2), a Range (bit 3) and the file name (bit 4: ".gz" or not,
// which must not matter). Nothing may panic, opening may not allocate in
// proportion to the header's claims, and what opens must read to the end
// with exactly the count its header gives, or fail with an error naming
// the file. A raw file that opens holds exactly what its header says, so
// it must read without error and, for the types whose values survive
// float32, write back byte for byte with Writer. The seed corpus is in
// testdata/fuzz/FuzzIDX.
func FuzzIDX(f *testing.F) {
	f.Add(encode(U8, []uint32{2, 2, 2}, []float64{0, 1, 2, 3, 255, 254, 128, 7}), byte(1))
	f.Add(encode(I8, []uint32{3}, []float64{-1, 0, 1}), byte(2))
	f.Add(encode(I16, []uint32{2, 2}, []float64{-300, 300, 0, 1}), byte(3))
	f.Add(encode(I32, []uint32{2}, []float64{-70000, 1 << 24}), byte(8))
	f.Add(encode(F32, []uint32{1, 3}, []float64{0.5, -1, 3.25}), byte(9))
	f.Add(encode(F64, []uint32{2, 1}, []float64{1e300, -0.1}), byte(0))
	f.Add(idxHeader(U8, 0, 28, 28), byte(4))
	f.Add(gzipBytes(f, encode(U8, []uint32{3, 2}, []float64{1, 2, 3, 4, 5, 6})), byte(17))
	f.Add(gzipBytes(f, encode(F32, []uint32{2, 2}, []float64{1, 2, 3, 4}))[:20], byte(16))
	f.Add(idxHeader(U8, 1<<20, 1<<20), byte(0))
	f.Add([]byte("<!DOCTYPE html><html></html>"), byte(16))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		name := "data.idx"
		if mode&16 != 0 {
			name = "data.idx.gz"
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p)
		batch := int(mode&7) + 1
		ranged := mode&8 != 0

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := OpenIDX(p)
		runtime.ReadMemStats(&after)
		// bufio and gzip buffers and the bytes read to explain an error:
		// a fixed amount, whatever the header says.
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20+2*uint64(len(data)) {
			t.Fatalf("OpenIDX allocated %d bytes for a %d-byte file", got, len(data))
		}
		if err != nil {
			checkErr(t, err, p)
		} else {
			raw := !isGzip(data)
			h := r.Header()
			if raw && h.headerLen()+h.dataLen() != int64(len(data)) {
				t.Fatalf("opened a %d-byte raw file whose header %v says %d", len(data), h, h.headerLen()+h.dataLen())
			}
			got, err := fuzzRead(t, r, batch, ranged)
			r.Close()
			switch {
			case errors.Is(err, errSkip):
			case err != nil:
				if raw {
					t.Fatalf("raw file that opened failed to read: %v", err)
				}
				checkErr(t, err, p)
			case raw && !ranged:
				checkRewrite(t, h, got, data, p)
			}
		}

		// The stream reader must agree with the file reader on good data.
		sr, serr := NewReader(bytes.NewReader(data), "stream")
		if serr != nil {
			if err == nil {
				t.Fatalf("OpenIDX opened what NewReader rejects: %v", serr)
			}
			checkErr(t, serr, "stream")
		} else {
			if _, err := fuzzRead(t, sr, batch, false); err != nil && !errors.Is(err, errSkip) {
				checkErr(t, err, "stream")
			}
			sr.Close()
		}

		// OpenFile and ReadLabels see the same file; they may only reject
		// more, never panic.
		if r, err := OpenFile(p, TestImages); err == nil {
			if _, err := fuzzRead(t, r, batch, false); err != nil && !errors.Is(err, errSkip) {
				checkErr(t, err, p)
			}
			r.Close()
		}
		if labels, err := ReadLabels(p); err == nil && !HoldsLabels(p) {
			h, _ := NewReader(bytes.NewReader(data), "again")
			if h == nil || len(labels) != h.Header().Count() {
				t.Fatalf("ReadLabels gave %d labels", len(labels))
			}
		}
	})
}

// checkErr checks that err is a one-line error that names the file.
func checkErr(t *testing.T, err error, name string) {
	t.Helper()
	msg := err.Error()
	if !bytes.Contains([]byte(msg), []byte(name)) {
		t.Fatalf("error %q does not name %s", msg, name)
	}
}

// fuzzRead reads r to the end in batches of batch items, or a Range of it,
// and checks that the count agrees with the header. It returns the values
// read (u8 files through ReadUint8, scaled as ReadFloat32 would scale them).
func fuzzRead(t *testing.T, r *Reader, batch int, ranged bool) ([]float32, error) {
	t.Helper()
	r.AllowNonFinite() // fuzzed floats are any bits; TestNonFinite checks the refusal
	h := r.Header()
	il := h.ItemLen()
	if il > 1<<16 || batch*il > 1<<20 {
		// Huge items are legitimate but too slow to fuzz; skip reading.
		return nil, errSkip
	}
	want := h.Count()
	if ranged && want > 0 {
		lo, hi := want/3, want-want/4
		if err := r.Range(lo, hi); err != nil {
			return nil, err
		}
		want = hi - lo
	}
	if r.Remaining() != want {
		t.Fatalf("Remaining = %d, want %d", r.Remaining(), want)
	}
	var out []float32
	u8 := h.Type == U8 && batch&1 == 0
	buf := make([]float32, batch*il)
	bbuf := make([]byte, batch*il)
	n := 0
	for {
		var k int
		var err error
		if u8 {
			k, err = r.ReadUint8(bbuf)
			for _, v := range bbuf[:k*il] {
				out = append(out, float32(v)/255)
			}
		} else {
			k, err = r.ReadFloat32(buf)
			out = append(out, buf[:k*il]...)
		}
		n += k
		if k < 0 || k > batch {
			t.Fatalf("read %d items into a buffer of %d", k, batch)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if n > want {
				t.Fatalf("read %d items before an error, header says %d", n, want)
			}
			// Errors are sticky.
			if _, err2 := r.ReadFloat32(buf); err2 == nil || errors.Is(err2, io.EOF) {
				t.Fatalf("read after %v = %v", err, err2)
			}
			return out, err
		}
		if n > want {
			t.Fatalf("read %d items, header says %d", n, want)
		}
	}
	if n != want {
		t.Fatalf("read %d items to io.EOF, header says %d", n, want)
	}
	if r.Remaining() != 0 {
		t.Fatalf("Remaining = %d at io.EOF", r.Remaining())
	}
	return out, nil
}

var errSkip = errors.New("skipped")

// checkRewrite writes the values read from the raw file data back with
// Writer and checks that the bytes are the same, for the types whose
// values survive the trip through float32.
func checkRewrite(t *testing.T, h Header, vals []float32, data []byte, p string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h.Type, h.Dims)
	if err != nil {
		t.Fatalf("NewWriter(%v) for a header OpenIDX accepted: %v", h, err)
	}
	switch h.Type {
	case U8:
		b := make([]byte, len(vals))
		for i, v := range vals {
			b[i] = byte(math.Round(float64(v) * 255))
		}
		err = w.WriteUint8(b)
	case I8, I16:
		v32 := make([]int32, len(vals))
		for i, v := range vals {
			v32[i] = int32(v)
		}
		err = w.WriteInt32(v32)
	case F32:
		err = w.WriteFloat32(vals)
	default:
		return // i32 and f64 values need not survive float32
	}
	if err != nil {
		t.Fatalf("rewrite %v: %v", h, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("rewrite %v: %v", h, err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		i := 0
		for i < min(buf.Len(), len(data)) && buf.Bytes()[i] == data[i] {
			i++
		}
		t.Fatalf("%s (%v): rewritten bytes differ from byte %d on", p, h, i)
	}
}

// TestFuzzReadAgrees is a sanity check of the fuzz helpers: a good file
// reads and rewrites identically through every batch size and form.
func TestFuzzReadAgrees(t *testing.T) {
	data := encode(I16, []uint32{5, 3}, []float64{-300, 300, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -32768})
	for batch := 1; batch <= 8; batch++ {
		r, err := NewReader(bytes.NewReader(data), "mem")
		if err != nil {
			t.Fatal(err)
		}
		vals, err := fuzzRead(t, r, batch, false)
		if err != nil {
			t.Fatal(err)
		}
		checkRewrite(t, r.Header(), vals, data, "mem")
		if !slices.Equal(vals[:3], []float32{-300, 300, 0}) {
			t.Errorf("values %v", vals[:3])
		}
	}
}
