package safetensors

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// Write writes ws to w in the safetensors format, every tensor as F32 (I64
// where zoo.Tensor.Int64 is set), with meta as the header's "__metadata__"
// (left out when meta is empty).
//
// The layout is that of the reference implementation: the metadata first,
// then the tensors sorted by name, their data in the same order and
// contiguous, and the header padded with spaces to a multiple of 8 bytes so
// that the data buffer is 8-byte aligned. Write fails, before writing
// anything, if a tensor is nil, has an empty or reserved name, a negative
// dimension, or a shape that does not match its number of values, or if a
// name or metadata string is not valid UTF-8.
func Write(w io.Writer, ws zoo.Weights, meta map[string]string) error {
	names := ws.Names()
	hdr, err := header(ws, names, meta)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, chunkSize)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	bw.Write(lenBuf[:])
	bw.Write(hdr)
	// A bufio.Writer keeps its first error and does nothing after it, so
	// checking the final Flush is enough.
	writeData(bw, ws, names)
	return bw.Flush()
}

// DataSHA256 returns the SHA-256, in hex, of the data buffer that Write
// writes for ws: the bytes after the header. ReadFileSHA256 computes it
// from a file, so a writer can record it in the file's own metadata and a
// reader check it.
func DataSHA256(ws zoo.Weights) string {
	h := sha256.New()
	bw := bufio.NewWriterSize(h, chunkSize)
	writeData(bw, ws, ws.Names())
	bw.Flush() // a hash does not fail
	return hex.EncodeToString(h.Sum(nil))
}

// writeData writes the tensors' data, in the order of names, to bw, whose
// first error Flush returns.
func writeData(bw *bufio.Writer, ws zoo.Weights, names []string) {
	var v4 [4]byte
	var v8 [8]byte
	for _, name := range names {
		t := ws[name]
		for _, v := range t.Data {
			if t.Int64 {
				binary.LittleEndian.PutUint64(v8[:], uint64(int64(v)))
				bw.Write(v8[:])
				continue
			}
			binary.LittleEndian.PutUint32(v4[:], math.Float32bits(v))
			bw.Write(v4[:])
		}
	}
}

// header validates ws and returns the padded JSON header for the tensors
// in the order of names.
func header(ws zoo.Weights, names []string, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString(`"` + metadataKey + `":{`)
		for i, k := range keys {
			if !utf8.ValidString(k) || !utf8.ValidString(meta[k]) {
				return nil, fmt.Errorf("safetensors: metadata %q: key or value is not valid UTF-8", k)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(&b, k)
			b.WriteByte(':')
			writeString(&b, meta[k])
		}
		b.WriteByte('}')
	}
	offset := uint64(0)
	for i, name := range names {
		t := ws[name]
		switch {
		case name == "" || name == metadataKey:
			return nil, fmt.Errorf("safetensors: tensor name %q is empty or reserved", name)
		case !utf8.ValidString(name):
			return nil, fmt.Errorf("safetensors: tensor %q: name is not valid UTF-8", name)
		case t == nil:
			return nil, fmt.Errorf("safetensors: tensor %q is nil", name)
		}
		n, ok := numElements(t.Shape)
		if !ok {
			return nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, t.Shape)
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v needs %d values, has %d", name, t.Shape, n, len(t.Data))
		}
		dtype, size := "F32", uint64(4)
		if t.Int64 {
			dtype, size = "I64", 8
			for _, v := range t.Data {
				if v != float32(math.Trunc(float64(v))) || math.Abs(float64(v)) > zoo.MaxExactInt {
					return nil, fmt.Errorf("safetensors: tensor %q: %v is not an integer within ±2^24", name, v)
				}
			}
		}
		if i > 0 || len(meta) > 0 {
			b.WriteByte(',')
		}
		writeString(&b, name)
		b.WriteString(`:{"dtype":"` + dtype + `","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := offset + size*uint64(n)
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderSize {
		return nil, fmt.Errorf("safetensors: header of %d bytes exceeds the limit of %d", b.Len(), MaxHeaderSize)
	}
	return b.Bytes(), nil
}

// numElements returns the product of shape, and false if a dimension is
// negative or the product overflows an int.
func numElements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			n = 0
		}
	}
	if n == 0 {
		return 0, true
	}
	for _, d := range shape {
		if n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// writeString writes s to b as a JSON string, leaving <, > and & as they
// are, as the reference implementation does.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // cannot fail for a string
	b.Truncate(b.Len() - 1)
}

// WriteFile writes ws and meta to the file at path as Write does, replacing
// the file atomically: it writes a temporary file in the same directory
// (named by atomicfile.TempPattern; those of dead processes are removed),
// syncs it to disk and renames it over path, so that readers see either the
// old file or the whole new one. An existing file at path is replaced; the
// caller decides whether that is allowed. The new file has mode 0644.
func WriteFile(path string, ws zoo.Weights, meta map[string]string) error {
	if err := writeFile(path, ws, meta); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeFile is WriteFile without the path in its errors.
func writeFile(path string, ws zoo.Weights, meta map[string]string) (err error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	atomicfile.RemoveOrphans(dir)
	f, err := os.CreateTemp(dir, atomicfile.TempPattern(base))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := Write(f, ws, meta); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir syncs the directory dir so that a rename in it is durable. It is
// best effort: not every system can sync a directory, and the file itself
// is already safely written.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync() // best effort, as said above
	d.Close()
}
