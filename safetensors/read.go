// Package safetensors reads and writes model weights in the Hugging Face
// safetensors format.
//
// A safetensors file is an 8-byte little-endian unsigned header length N,
// then N bytes of JSON, then a data buffer. The JSON object maps each tensor
// name to its dtype, shape and the [begin, end) byte range of its data,
// relative to the start of the buffer; the optional key "__metadata__" maps
// to an object of string values. The header may be padded with trailing
// spaces. Tensor data is row-major and little-endian.
//
// Read validates the whole header before it allocates anything in
// proportion to what the file claims, so a malformed or hostile file costs
// at most the size of its header. Tensors are converted to float32; Write
// writes float32 only, laid out as the reference implementation lays out
// its files.
package safetensors

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/zoo-ml/zoo/internal/half"
	"github.com/zoo-ml/zoo/zoo"
)

// MaxHeaderSize is the largest JSON header, in bytes, that Read accepts.
// It is the limit of the reference implementation.
const MaxHeaderSize = 100 << 20

// metadataKey is the header key of the free-form string metadata.
const metadataKey = "__metadata__"

// chunkSize is the number of bytes read or written at a time when
// converting tensor data.
const chunkSize = 64 << 10

// dtypeSize returns the size in bytes of one element of a dtype Read
// accepts, and false for any other dtype.
func dtypeSize(dtype string) (int, bool) {
	switch dtype {
	case "F32":
		return 4, true
	case "F64":
		return 8, true
	case "F16", "BF16":
		return 2, true
	case "I64":
		return 8, true
	}
	return 0, false
}

// entry is one validated tensor of a header.
type entry struct {
	name       string
	dtype      string
	elemSize   int
	shape      []int
	n          int // number of elements
	begin, end uint64
}

// ReadFile reads the safetensors file at path. It returns the tensors
// converted to float32 and the header's metadata (nil if it has none).
func ReadFile(path string) (zoo.Weights, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err // *PathError names the file.
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	return Read(f, st.Size(), path)
}

// ReadFileSHA256 reads the safetensors file at path as ReadFile does, and
// also returns the SHA-256, in hex, of its data buffer: every byte after the
// header (see DataSHA256).
func ReadFileSHA256(path string) (zoo.Weights, map[string]string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, "", err
	}
	w, meta, err := Read(f, st.Size(), path)
	if err != nil {
		return nil, nil, "", err
	}
	var lenBuf [8]byte
	if err := readFull(f, lenBuf[:], 0); err != nil {
		return nil, nil, "", fmt.Errorf("read %s: %w", path, err)
	}
	start := 8 + int64(binary.LittleEndian.Uint64(lenBuf[:])) // Read checked it
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, start, st.Size()-start)); err != nil {
		return nil, nil, "", fmt.Errorf("read %s: %w", path, err)
	}
	return w, meta, hex.EncodeToString(h.Sum(nil)), nil
}

// Read reads a safetensors file of size bytes from r. It returns the tensors
// converted to float32 and the header's metadata (nil if it has none); name
// is the name of the file in error messages.
//
// Read accepts the dtypes F32, F64, F16, BF16 and I64. F64 values are
// rounded to the nearest float32 (overflowing to ±Inf); F16 and BF16 values
// convert exactly; I64 tensors (such as BatchNorm's num_batches_tracked) come
// back with zoo.Tensor.Int64 set, and a value beyond ±2^24, which a float32
// does not hold exactly, is an error. Any other dtype is an error, as is any malformation of the
// header: a bad length, invalid UTF-8 or JSON, a first byte other than '{',
// a repeated key, an empty name, a missing, unknown or ill-typed field, a
// byte range outside the data buffer, a byte range whose length does not
// match the shape and dtype, or tensors whose byte ranges overlap. Byte
// ranges need not cover the whole buffer. Every error names the file and,
// where there is one, the tensor.
func Read(r io.ReaderAt, size int64, name string) (zoo.Weights, map[string]string, error) {
	if size < 8 {
		return nil, nil, fmt.Errorf("read %s: file is %d bytes, too short to hold the header length", name, size)
	}
	var lenBuf [8]byte
	if err := readFull(r, lenBuf[:], 0); err != nil {
		return nil, nil, fmt.Errorf("read %s: header length: %w", name, err)
	}
	hlen := binary.LittleEndian.Uint64(lenBuf[:])
	switch {
	case hlen > MaxHeaderSize:
		return nil, nil, fmt.Errorf("read %s: header length %d exceeds the limit of %d bytes", name, hlen, MaxHeaderSize)
	case hlen > uint64(size-8):
		return nil, nil, fmt.Errorf("read %s: header length %d exceeds the %d bytes after the length", name, hlen, size-8)
	}
	// The size is the caller's claim; make sure r holds that many bytes
	// before allocating anything in proportion to it.
	if err := readFull(r, lenBuf[:1], size-1); err != nil {
		return nil, nil, fmt.Errorf("read %s: file shorter than its stated size %d: %w", name, size, err)
	}
	hdr := make([]byte, hlen)
	if err := readFull(r, hdr, 8); err != nil {
		return nil, nil, fmt.Errorf("read %s: header: %w", name, err)
	}
	dataStart := 8 + int64(hlen)
	entries, meta, err := parseHeader(hdr, uint64(size-dataStart))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}

	ws := make(zoo.Weights, len(entries))
	var buf []byte
	for _, e := range entries {
		t := &zoo.Tensor{Shape: e.shape, Data: make([]float32, e.n), Int64: e.dtype == "I64"}
		nbytes := e.end - e.begin
		if buf == nil && nbytes > 0 {
			buf = make([]byte, chunkSize) // a multiple of every element size
		}
		for done := uint64(0); done < nbytes; {
			k := min(nbytes-done, uint64(len(buf)))
			if err := readFull(r, buf[:k], dataStart+int64(e.begin+done)); err != nil {
				return nil, nil, fmt.Errorf("read %s: tensor %q: data: %w", name, e.name, err)
			}
			if t.Int64 {
				if err := decodeInt64(t.Data[done/uint64(e.elemSize):], buf[:k]); err != nil {
					return nil, nil, fmt.Errorf("read %s: tensor %q: %w", name, e.name, err)
				}
			} else {
				decode(t.Data[done/uint64(e.elemSize):], buf[:k], e.dtype)
			}
			done += k
		}
		ws[e.name] = t
	}
	return ws, meta, nil
}

// readFull reads len(p) bytes at off, turning a short read into
// io.ErrUnexpectedEOF.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// decode converts the little-endian elements of dtype in src into dst.
func decode(dst []float32, src []byte, dtype string) {
	switch dtype {
	case "F32":
		for i := range len(src) / 4 {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case "F64":
		for i := range len(src) / 8 {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	case "F16":
		for i := range len(src) / 2 {
			dst[i] = half.Float32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case "BF16":
		for i := range len(src) / 2 {
			dst[i] = half.BFloat16(binary.LittleEndian.Uint16(src[2*i:]))
		}
	}
}

// decodeInt64 converts little-endian int64 elements into dst, failing on a
// value a float32 does not hold exactly.
func decodeInt64(dst []float32, src []byte) error {
	for i := range len(src) / 8 {
		v := int64(binary.LittleEndian.Uint64(src[8*i:]))
		if v > zoo.MaxExactInt || v < -zoo.MaxExactInt {
			return fmt.Errorf("I64 value %d is beyond ±2^24, which zoo holds exactly", v)
		}
		dst[i] = float32(v)
	}
	return nil
}

// parseHeader parses and validates the JSON header hdr for a data buffer
// of dataLen bytes. The entries come back ordered by their byte ranges.
func parseHeader(hdr []byte, dataLen uint64) ([]entry, map[string]string, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, nil, errors.New("header does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	var (
		entries []entry
		meta    map[string]string
	)
	err := object(dec, func(key string) error {
		if key == metadataKey {
			m, err := parseMetadata(dec)
			if err != nil {
				return fmt.Errorf("%s: %w", metadataKey, err)
			}
			meta = m
			return nil
		}
		if key == "" {
			return errors.New("tensor with an empty name")
		}
		e, err := parseEntry(dec, key, dataLen)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", key, err)
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("header: data after the JSON object (only trailing spaces are allowed)")
	}

	slices.SortFunc(entries, func(a, b entry) int {
		if a.begin != b.begin {
			return cmpUint(a.begin, b.begin)
		}
		return cmpUint(a.end, b.end)
	})
	for i := 1; i < len(entries); i++ {
		if p, e := entries[i-1], entries[i]; e.begin < p.end {
			return nil, nil, fmt.Errorf("tensor %q: bytes [%d, %d) overlap those of tensor %q [%d, %d)",
				e.name, e.begin, e.end, p.name, p.begin, p.end)
		}
	}
	return entries, meta, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// object reads a JSON object from dec, calling value for each key to read
// the key's value. It rejects repeated keys.
func object(dec *json.Decoder, value func(key string) error) error {
	if err := delim(dec, '{', "an object"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("want a key, got %v", tok)
		}
		if seen[key] {
			return fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		if err := value(key); err != nil {
			return err
		}
	}
	return delim(dec, '}', "the end of an object")
}

// delim reads the delimiter d from dec; what describes it in errors.
func delim(dec *json.Decoder, d json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %s, got %s", what, describe(tok))
	}
	return nil
}

// describe formats a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Delim:
		return "'" + v.String() + "'"
	}
	return fmt.Sprint(tok)
}

// parseMetadata reads the value of "__metadata__": an object of strings,
// or null.
func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("want an object of strings, got %s", describe(tok))
	}
	meta := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("want a key, got %v", tok)
		}
		if _, dup := meta[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("value of %q is %s, not a string", key, describe(tok))
		}
		meta[key] = v
	}
	if err := delim(dec, '}', "the end of an object"); err != nil {
		return nil, err
	}
	return meta, nil
}

// parseEntry reads and validates the header entry of the tensor name.
func parseEntry(dec *json.Decoder, name string, dataLen uint64) (entry, error) {
	e := entry{name: name}
	var dims, offsets []uint64
	var haveDtype bool
	err := object(dec, func(key string) error {
		switch key {
		case "dtype":
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			s, ok := tok.(string)
			if !ok {
				return fmt.Errorf("dtype is %s, not a string", describe(tok))
			}
			e.dtype, haveDtype = s, true
		case "shape":
			d, err := uints(dec)
			if err != nil {
				return fmt.Errorf("shape: %w", err)
			}
			dims = d
		case "data_offsets":
			o, err := uints(dec)
			if err != nil {
				return fmt.Errorf("data_offsets: %w", err)
			}
			if len(o) != 2 {
				return fmt.Errorf("data_offsets has %d values, want 2", len(o))
			}
			offsets = o
		default:
			return fmt.Errorf("unknown field %q", key)
		}
		return nil
	})
	if err != nil {
		return e, err
	}
	switch {
	case !haveDtype:
		return e, errors.New("no dtype")
	case dims == nil:
		return e, errors.New("no shape")
	case offsets == nil:
		return e, errors.New("no data_offsets")
	}
	size, ok := dtypeSize(e.dtype)
	if !ok {
		return e, fmt.Errorf("dtype %q is not supported (want F32, F64, F16, BF16 or I64)", e.dtype)
	}
	e.elemSize = size
	e.begin, e.end = offsets[0], offsets[1]
	if e.begin > e.end {
		return e, fmt.Errorf("data_offsets [%d, %d] begin after they end", e.begin, e.end)
	}
	if e.end > dataLen {
		return e, fmt.Errorf("data_offsets [%d, %d] run past the end of the %d-byte data buffer", e.begin, e.end, dataLen)
	}
	// The element count, checked for overflow; a zero dimension makes the
	// count zero however large the others are.
	n := uint64(1)
	if !slices.Contains(dims, 0) {
		for _, d := range dims {
			if n > math.MaxUint64/d {
				return e, fmt.Errorf("shape %v has too many elements", dims)
			}
			n *= d
		}
	} else {
		n = 0
	}
	if n > math.MaxUint64/uint64(size) || n*uint64(size) != e.end-e.begin {
		return e, fmt.Errorf("shape %v of %s needs %s bytes, data_offsets [%d, %d] hold %d",
			dims, e.dtype, byteCount(n, size), e.begin, e.end, e.end-e.begin)
	}
	// n*size fits in the buffer, so n and every dimension of a non-empty
	// tensor fit in an int64, but not necessarily in an int or in memory
	// on a 32-bit machine; dimensions of an empty tensor may be anything.
	if n > math.MaxInt/4 {
		return e, fmt.Errorf("shape %v has too many elements for this machine", dims)
	}
	e.shape = make([]int, len(dims))
	for i, d := range dims {
		if d > math.MaxInt {
			return e, fmt.Errorf("shape %v: dimension %d is too large", dims, d)
		}
		e.shape[i] = int(d)
	}
	e.n = int(n)
	return e, nil
}

// byteCount formats n*size, or "more than 2^64" when that overflows.
func byteCount(n uint64, size int) string {
	if n > math.MaxUint64/uint64(size) {
		return "more than 2^64"
	}
	return strconv.FormatUint(n*uint64(size), 10)
}

// uints reads a JSON array of non-negative integers.
func uints(dec *json.Decoder) ([]uint64, error) {
	if err := delim(dec, '[', "an array"); err != nil {
		return nil, err
	}
	vs := []uint64{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("want a non-negative integer, got %s", describe(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want a non-negative integer below 2^64, got %s", num)
		}
		vs = append(vs, v)
	}
	return vs, delim(dec, ']', "the end of an array")
}
