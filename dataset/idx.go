package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/internal/fileguard"
	"github.com/zoo-ml/zoo/internal/vec"
)

// ElemType is the element type of an IDX file, the third byte of its magic
// number.
type ElemType byte

// The IDX element types.
const (
	U8  ElemType = 0x08 // unsigned byte
	I8  ElemType = 0x09 // signed byte
	I16 ElemType = 0x0B // big-endian int16
	I32 ElemType = 0x0C // big-endian int32
	F32 ElemType = 0x0D // big-endian IEEE 754 float32
	F64 ElemType = 0x0E // big-endian IEEE 754 float64
)

// MaxDims is the largest number of dimensions an IDX header may declare.
const MaxDims = 8

// Size returns the size of one element in bytes, or 0 for an unknown type.
func (t ElemType) Size() int {
	switch t {
	case U8, I8:
		return 1
	case I16:
		return 2
	case I32, F32:
		return 4
	case F64:
		return 8
	}
	return 0
}

// String returns the short name of t: "u8", "i8", "i16", "i32", "f32" or
// "f64", or "ElemType(0xNN)" for an unknown type.
func (t ElemType) String() string {
	switch t {
	case U8:
		return "u8"
	case I8:
		return "i8"
	case I16:
		return "i16"
	case I32:
		return "i32"
	case F32:
		return "f32"
	case F64:
		return "f64"
	}
	return fmt.Sprintf("ElemType(%#02x)", byte(t))
}

// Header is the decoded header of an IDX file.
type Header struct {
	Type ElemType
	// Dims are the dimensions, outermost first. Dims[0] is the number of
	// items; the remaining dimensions give the shape of one item.
	Dims []int
}

// Count returns the number of items, Dims[0], or 0 if Dims is empty.
func (h Header) Count() int {
	if len(h.Dims) == 0 {
		return 0
	}
	return h.Dims[0]
}

// ItemLen returns the number of elements in one item: the product of
// Dims[1:], or 1 for a one-dimensional file.
func (h Header) ItemLen() int {
	n := 1
	for _, d := range h.Dims[min(1, len(h.Dims)):] {
		n *= d
	}
	return n
}

// String formats h as the dimensions and the type, like "10000x28x28 u8".
func (h Header) String() string {
	var b strings.Builder
	for i, d := range h.Dims {
		if i > 0 {
			b.WriteByte('x')
		}
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteByte(' ')
	b.WriteString(h.Type.String())
	return b.String()
}

// headerLen returns the size in bytes of the encoded header.
func (h Header) headerLen() int64 { return 4 + 4*int64(len(h.Dims)) }

// dataLen returns the number of data bytes h describes. It must only be
// called on a validated header.
func (h Header) dataLen() int64 {
	return int64(h.Count()) * int64(h.ItemLen()) * int64(h.Type.Size())
}

// validate checks the dimensions and the element type of h and that the data
// size fits in an int64; it does not look at any data.
func (h Header) validate() error {
	if h.Type.Size() == 0 {
		return fmt.Errorf("unknown element type %#02x", byte(h.Type))
	}
	if len(h.Dims) == 0 {
		return errors.New("header declares 0 dimensions")
	}
	if len(h.Dims) > MaxDims {
		return fmt.Errorf("header declares %d dimensions, at most %d are supported", len(h.Dims), MaxDims)
	}
	total := int64(h.Type.Size())
	for i, d := range h.Dims {
		if d < 0 || int64(d) > math.MaxUint32 {
			return fmt.Errorf("dimension %d is %d, out of range", i, d)
		}
		if d == 0 && i > 0 {
			return fmt.Errorf("dimension %d of %v is zero (only the item count may be zero)", i, h.Dims)
		}
	}
	// Check the item length and the whole size separately, so that a zero
	// item count cannot hide an overflowing item shape.
	for _, d := range h.Dims[1:] {
		if total > math.MaxInt64/int64(d) {
			return fmt.Errorf("dimensions %v overflow int64", h.Dims)
		}
		total *= int64(d)
	}
	if total > math.MaxInt/2 {
		return fmt.Errorf("dimensions %v: items too large", h.Dims)
	}
	if d := int64(h.Dims[0]); d != 0 && total > math.MaxInt64/d {
		return fmt.Errorf("dimensions %v overflow int64", h.Dims)
	}
	return nil
}

// FormatError reports malformed or truncated IDX data.
type FormatError struct {
	Name string // file name, or the name given to NewReader
	Msg  string // what is wrong
}

// Error returns "read NAME: MSG".
func (e *FormatError) Error() string { return "read " + e.Name + ": " + e.Msg }

func formatErr(name, format string, args ...any) error {
	return &FormatError{Name: name, Msg: fmt.Sprintf(format, args...)}
}

// gzipMagic is the first two bytes of every gzip stream.
var gzipMagic = [2]byte{0x1f, 0x8b}

// scratchSize is the size of the buffer used to decode elements. It is a
// multiple of every element size.
const scratchSize = 64 << 10

// Reader streams the items of an IDX file. It is not safe for concurrent
// use.
type Reader struct {
	name string
	hdr  Header
	br   *bufio.Reader
	gz   *gzip.Reader // nil for raw data
	file *os.File     // nil for NewReader
	src  io.Closer    // the CIFAR-10 adapter, closed with the Reader
	read int          // items consumed so far
	stop int          // items after which reading ends (Range); 0: the header's count
	err  error        // sticky error
	buf  []byte       // decoding scratch, allocated on first use
	// nonFinite lets float data hold NaN and ±Inf (AllowNonFinite).
	nonFinite bool
}

// OpenIDX opens the IDX file at path, raw or gzip-compressed (recognised by
// its first bytes, 1F 8B, whatever the file is called), and reads its
// header.
//
// Before it reads any data or allocates anything whose size depends on the
// header, OpenIDX checks the magic number, the number of dimensions (1 to
// MaxDims), that only the first dimension is zero, that the data size does
// not overflow, and that the size of the data agrees with the size of the
// file: exactly, for a raw file, and against the length recorded in the gzip
// trailer (modulo 2^32) for a compressed one. Truncation is detected again
// while streaming. A gzip file of several concatenated members (as `cat
// a.gz b.gz` makes) records only its last member's length: when the trailer
// disagrees, OpenIDX decompresses the file once, keeping nothing, and
// accepts it when its whole content is what the header declares.
//
// A path that is not a regular file (a named pipe, a device) is refused
// before it is opened, so that it cannot block the caller.
func OpenIDX(path string) (*Reader, error) {
	if _, err := fileguard.Regular(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err // already "open PATH: ..."
	}
	r, err := openFile(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func openFile(f *os.File, path string) (*Reader, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, formatErr(path, "not a regular file")
	}
	size := fi.Size()
	if size == 0 {
		return nil, formatErr(path, "empty file")
	}
	var magic [2]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil && size >= 2 {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	compressed := size >= 2 && magic == gzipMagic
	var isize uint32
	if compressed {
		// A gzip member is at least 18 bytes: 10 of header, 8 of trailer.
		if size < 18 {
			return nil, formatErr(path, "truncated gzip file (%d bytes)", size)
		}
		var tr [4]byte
		if _, err := f.ReadAt(tr[:], size-4); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		isize = binary.LittleEndian.Uint32(tr[:])
	}
	r, err := newReader(f, path)
	if err != nil {
		return nil, err
	}
	want := r.hdr.headerLen() + r.hdr.dataLen()
	if compressed {
		// Deflate expands data at most 1032 times, so no gzip file of this
		// size holds more; a larger claim is an error before anything is
		// allocated for it (the trailer's length is only modulo 2^32).
		if limit := maxInflate(size); want > limit {
			r.Close()
			return nil, formatErr(path, "header claims %v = %d data bytes, more than the %d a %d-byte gzip file can hold (corrupt file?)",
				r.hdr, r.hdr.dataLen(), limit, size)
		}
		if uint32(want) != isize {
			if msg, whole := gzipShortfall(path, r.hdr); !whole {
				r.Close()
				return nil, formatErr(path, "%s", msg)
			}
		}
	} else if size != want {
		r.Close()
		have := size - r.hdr.headerLen()
		what := fmt.Sprintf("%d bytes missing: the file is truncated, probably an interrupted download; %s", want-size, refetch)
		if size > want {
			what = fmt.Sprintf("%d bytes more than declared", size-want)
		}
		return nil, formatErr(path, "header claims %v = %d data bytes but file has %d after the %d-byte header (%s)",
			r.hdr, r.hdr.dataLen(), have, r.hdr.headerLen(), what)
	}
	r.file = f
	return r, nil
}

// NewReader returns a Reader for the IDX data read from r, raw or
// gzip-compressed, and reads its header. The name is used in error
// messages. Since the total length of r is unknown, truncation is only
// detected while streaming. Closing the Reader does not close r.
func NewReader(r io.Reader, name string) (*Reader, error) {
	return newReader(r, name)
}

func newReader(src io.Reader, name string) (*Reader, error) {
	r := &Reader{name: name, br: bufio.NewReaderSize(src, scratchSize)}
	magic, err := r.br.Peek(2)
	if len(magic) == 0 && err == io.EOF {
		return nil, formatErr(name, "empty file")
	}
	if len(magic) == 2 && magic[0] == gzipMagic[0] && magic[1] == gzipMagic[1] {
		gz, err := gzip.NewReader(r.br)
		if err != nil {
			return nil, formatErr(name, "bad gzip stream: %v (the file starts like gzip data but is not; %s)", err, refetch)
		}
		r.gz = gz
		r.br = bufio.NewReaderSize(gz, scratchSize)
	}
	// Peek before reading, to say what a file that is not IDX data is.
	head, _ := r.br.Peek(sniffLen)
	var h [4]byte
	if n, err := io.ReadFull(r.br, h[:]); err != nil {
		if r.cutGzip() {
			return nil, formatErr(name, "truncated gzip file: the compressed stream ends after %d bytes of content, inside the IDX header; probably an interrupted download; %s", n, refetch)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, formatErr(name, "too short for an IDX header (%d bytes)", n)
		}
		return nil, r.streamErr(err)
	}
	if h[0] != 0 || h[1] != 0 || ElemType(h[2]).Size() == 0 {
		if what := describeContent(head, r.gz != nil); what != "" {
			return nil, formatErr(name, "not an IDX file (magic is %02x%02x%02x%02x): %s", h[0], h[1], h[2], h[3], what)
		}
		return nil, formatErr(name, "not an IDX file: magic is %02x%02x%02x%02x, want 0000TTNN (TT an element type, NN the number of dimensions)",
			h[0], h[1], h[2], h[3])
	}
	nd := int(h[3])
	if nd == 0 || nd > MaxDims {
		return nil, formatErr(name, "header declares %d dimensions, want 1 to %d", nd, MaxDims)
	}
	var db [4 * MaxDims]byte
	if n, err := io.ReadFull(r.br, db[:4*nd]); err != nil {
		if r.cutGzip() {
			return nil, formatErr(name, "truncated gzip file: the compressed stream ends after %d bytes of content, inside the IDX header; probably an interrupted download; %s", 4+n, refetch)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, formatErr(name, "truncated header: want %d dimensions", nd)
		}
		return nil, r.streamErr(err)
	}
	r.hdr = Header{Type: ElemType(h[2]), Dims: make([]int, nd)}
	for i := range nd {
		r.hdr.Dims[i] = int(binary.BigEndian.Uint32(db[4*i:]))
	}
	if err := r.hdr.validate(); err != nil {
		return nil, formatErr(name, "%v", err)
	}
	return r, nil
}

// cutGzip reports, after a read came short, whether the data is gzip
// whose compressed stream was cut, rather than a complete stream of too
// little content: the gzip reader's error is sticky.
func (r *Reader) cutGzip() bool {
	if r.gz == nil {
		return false
	}
	var b [1]byte
	_, err := r.gz.Read(b[:])
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// streamErr wraps a non-EOF read error.
func (r *Reader) streamErr(err error) error {
	return fmt.Errorf("read %s: %w", r.name, err)
}

// Header returns the header of the file. The Dims slice is a copy.
func (r *Reader) Header() Header {
	return Header{Type: r.hdr.Type, Dims: slices.Clone(r.hdr.Dims)}
}

// Name returns the file name or the name given to NewReader.
func (r *Reader) Name() string { return r.name }

// Remaining returns the number of items not yet read or skipped (before
// the end of the Range, if one was set).
func (r *Reader) Remaining() int { return r.end() - r.read }

func (r *Reader) end() int {
	if r.stop > 0 {
		return r.stop
	}
	return r.hdr.Count()
}

// Range limits the reader to the items [lo, hi) of the file: it skips to
// item lo and ends after item hi-1, as if the file held those items only
// (the end of the file is then not checked). It must be called before
// anything is read; Header still describes the whole file.
func (r *Reader) Range(lo, hi int) error {
	if r.read != 0 || r.stop != 0 {
		return fmt.Errorf("read %s: Range after reading", r.name)
	}
	if lo < 0 || hi < lo || hi > r.hdr.Count() {
		return fmt.Errorf("read %s: items [%d, %d) are not within its %d items", r.name, lo, hi, r.hdr.Count())
	}
	if err := r.Skip(lo); err != nil {
		return err
	}
	if hi < r.hdr.Count() {
		r.stop = hi
		if hi == lo {
			r.err = io.EOF
		}
	}
	return nil
}

// DigestItems returns the hex SHA-256 of the IDX content of r: its header,
// as the file has it, then its first n items as stored (decompressed),
// reading no further. It must be called before anything is read, and
// consumes r. A run trained on the first n items of a file records it
// instead of the digest of the whole file, which it does not read.
func (r *Reader) DigestItems(n int) (string, error) {
	if r.read != 0 || r.stop != 0 {
		return "", fmt.Errorf("read %s: DigestItems after reading", r.name)
	}
	if n < 0 || n > r.hdr.Count() {
		return "", fmt.Errorf("read %s: %d items are not within its %d items", r.name, n, r.hdr.Count())
	}
	h := sha256.New()
	head := []byte{0, 0, byte(r.hdr.Type), byte(len(r.hdr.Dims))}
	for _, d := range r.hdr.Dims {
		head = binary.BigEndian.AppendUint32(head, uint32(d))
	}
	h.Write(head)
	size := int64(n) * int64(r.hdr.ItemLen()) * int64(r.hdr.Type.Size())
	if m, err := io.CopyN(h, r.br, size); err != nil {
		_, err = r.fail(int(m/int64(r.hdr.Type.Size())), err)
		return "", err
	}
	r.read = n
	return hex.EncodeToString(h.Sum(nil)), nil
}

// begin checks the state before a read of whole items into a slice of
// length n and returns how many items to read.
func (r *Reader) begin(n int) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	rem := r.Remaining()
	if rem == 0 {
		return 0, r.finish()
	}
	items := min(n/r.hdr.ItemLen(), rem)
	if items == 0 {
		return 0, fmt.Errorf("read %s: buffer of %d elements is shorter than one item (%d elements): %w",
			r.name, n, r.hdr.ItemLen(), io.ErrShortBuffer)
	}
	return items, nil
}

// finish is called once all items are consumed. It checks that the stream
// ends there, which for gzip data also verifies the CRC, and returns io.EOF
// or the error found.
func (r *Reader) finish() error {
	if r.stop > 0 && r.stop < r.hdr.Count() {
		r.err = io.EOF // a Range ends before the file does
		return r.err
	}
	_, err := r.br.ReadByte()
	switch {
	case err == nil:
		r.err = formatErr(r.name, "unexpected data after the %d items of %v", r.hdr.Count(), r.hdr)
	case errors.Is(err, io.EOF):
		r.err = io.EOF
	default:
		r.err = fmt.Errorf("read %s: after the last item: %w", r.name, err)
	}
	return r.err
}

// fail records the error of a read that ended after elems elements of a
// request for items whole items, and returns the number of whole items
// completed and the error to report.
func (r *Reader) fail(elems int, err error) (int, error) {
	done := elems / r.hdr.ItemLen()
	r.read += done
	var fe *FormatError
	switch {
	case errors.As(err, &fe):
		// The source found the data malformed and says where.
		r.err = err
	case (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) && r.cutGzip():
		r.err = formatErr(r.name, "truncated: expected %d items, got %d: the gzip stream is cut, probably an interrupted download", r.hdr.Count(), r.read)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		r.err = formatErr(r.name, "truncated: expected %d items, got %d", r.hdr.Count(), r.read)
	default:
		r.err = fmt.Errorf("read %s: item %d of %d: %w", r.name, r.read+1, r.hdr.Count(), err)
	}
	return done, r.err
}

// failNonFinite records that element elem of the current request is the
// non-finite value x, and returns the whole items before it with a
// *NonFiniteError.
func (r *Reader) failNonFinite(elem int, x float32) (int, error) {
	il := r.hdr.ItemLen()
	done := elem / il
	r.read += done
	r.err = &NonFiniteError{File: r.name, Index: r.read, Value: elem % il, X: x}
	return done, r.err
}

// done accounts for items read successfully and, when they were the last
// ones, checks the end of the stream.
func (r *Reader) done(items int) (int, error) {
	r.read += items
	if r.Remaining() == 0 {
		if err := r.finish(); !errors.Is(err, io.EOF) {
			return items, err
		}
		// Report io.EOF on the next call, not with these items.
	}
	return items, nil
}

// ReadFloat32 reads up to len(dst)/ItemLen whole items into dst and returns
// the number of items read. Elements are converted to float32: u8 values v
// become v/255, so that images lie in [0, 1]; other integers keep their
// values; f64 values are narrowed. After the last item it returns 0, io.EOF.
// Like io.Reader, it may return n > 0 together with an error, for instance
// when the file is truncated in the middle of the request; the error then
// names the file and the number of complete items. Float data holding NaN
// or ±Inf stops at the first such value with a *NonFiniteError naming the
// example, unless AllowNonFinite was called.
func (r *Reader) ReadFloat32(dst []float32) (n int, err error) {
	items, err := r.begin(len(dst))
	if err != nil {
		return 0, err
	}
	if r.buf == nil {
		r.buf = make([]byte, scratchSize)
	}
	t := r.hdr.Type
	size := t.Size()
	elems := items * r.hdr.ItemLen()
	for off := 0; off < elems; {
		k := min(elems-off, len(r.buf)/size)
		b := r.buf[:k*size]
		m, err := io.ReadFull(r.br, b)
		k = m / size
		decode(dst[off:off+k], b[:k*size], t)
		if (t == F32 || t == F64) && !r.nonFinite {
			if i := firstNonFinite(dst[off : off+k]); i >= 0 {
				return r.failNonFinite(off+i, dst[off+i])
			}
		}
		off += k
		if err != nil {
			return r.fail(off, err)
		}
	}
	return r.done(items)
}

// decode converts the big-endian elements of type t in src to dst.
func decode(dst []float32, src []byte, t ElemType) {
	switch t {
	case U8:
		vec.Div255(dst, src) // v/255, rounded as Go rounds it
	case I8:
		src = src[:len(dst)]
		for i, v := range src {
			dst[i] = float32(int8(v))
		}
	case I16:
		src = src[:2*len(dst)]
		for i := range dst {
			dst[i] = float32(int16(binary.BigEndian.Uint16(src[2*i:])))
		}
	case I32:
		src = src[:4*len(dst)]
		for i := range dst {
			dst[i] = float32(int32(binary.BigEndian.Uint32(src[4*i:])))
		}
	case F32:
		src = src[:4*len(dst)]
		for i := range dst {
			dst[i] = math.Float32frombits(binary.BigEndian.Uint32(src[4*i:]))
		}
	case F64:
		src = src[:8*len(dst)]
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(src[8*i:])))
		}
	}
}

// ReadUint8 reads up to len(dst)/ItemLen whole items of a u8 file into dst,
// unconverted, and returns the number of items read; it is meant for
// labels. It returns 0, io.EOF after the last item, and an error for files
// of any other type.
func (r *Reader) ReadUint8(dst []byte) (int, error) {
	if r.hdr.Type != U8 {
		return 0, formatErr(r.name, "ReadUint8 needs a u8 file, this one is %v", r.hdr)
	}
	items, err := r.begin(len(dst))
	if err != nil {
		return 0, err
	}
	elems := items * r.hdr.ItemLen()
	if m, err := io.ReadFull(r.br, dst[:elems]); err != nil {
		return r.fail(m, err)
	}
	return r.done(items)
}

// Skip discards the next items items. Skipping past the last item is an
// error.
func (r *Reader) Skip(items int) error {
	if r.err != nil && !errors.Is(r.err, io.EOF) {
		return r.err
	}
	if items < 0 || items > r.Remaining() {
		return fmt.Errorf("read %s: cannot skip %d items, %d of %d remain", r.name, items, r.Remaining(), r.hdr.Count())
	}
	if items == 0 {
		return nil
	}
	n := int64(items) * int64(r.hdr.ItemLen()) * int64(r.hdr.Type.Size())
	for n > 0 {
		k := int(min(n, math.MaxInt32))
		m, err := r.br.Discard(k)
		n -= int64(m)
		if err != nil {
			elems := int64(items)*int64(r.hdr.ItemLen()) - n/int64(r.hdr.Type.Size())
			_, err = r.fail(int(elems), err)
			return err
		}
	}
	_, err := r.done(items)
	return err
}

// Close releases the file; it does not close the io.Reader given to
// NewReader.
func (r *Reader) Close() error {
	var err error
	if r.gz != nil {
		err = r.gz.Close()
	}
	if r.file != nil {
		if cerr := r.file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", r.name, cerr)
		}
		r.file = nil
	}
	if r.src != nil {
		if cerr := r.src.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", r.name, cerr)
		}
		r.src = nil
	}
	return err
}

// ReadLabels reads a whole file of labels: a one-dimensional u8 IDX file,
// such as train-labels-idx1-ubyte.gz, or the labels of CIFAR-10 data (a
// batch file, or the test labels of a folder or archive; see OpenCIFAR).
// The form is recognised by content.
func ReadLabels(path string) ([]uint8, error) {
	r, err := OpenLabelFile(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAllLabels(r, path)
}

// OpenLabelFile opens a file of labels, as ReadLabels reads it, to read
// them as a stream; the file must hold labels (one-dimensional u8).
func OpenLabelFile(path string) (*Reader, error) {
	k, err := sniff(path)
	if err != nil {
		return nil, err
	}
	var r *Reader
	switch k {
	case kindDir, kindTar, kindTarGz, kindCIFAR:
		r, err = OpenCIFAR(path, TestLabels)
	default:
		r, err = OpenIDX(path)
	}
	if err != nil {
		return nil, err
	}
	if err := labelsHeader(r.hdr, path); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// ReadAllFloat32 reads a whole IDX file into memory as float32 values,
// converted as by ReadFloat32. It is meant for small files; stream large ones
// with OpenIDX.
func ReadAllFloat32(path string) (Header, []float32, error) {
	r, err := OpenIDX(path)
	if err != nil {
		return Header{}, nil, err
	}
	defer r.Close()
	il := r.hdr.ItemLen()
	chunk := max(1, scratchSize/il) * il
	out := make([]float32, 0, min(r.hdr.Count()*il, chunk))
	for {
		out = slices.Grow(out, chunk)
		n, err := r.ReadFloat32(out[len(out) : len(out)+chunk])
		out = out[:len(out)+n*il]
		if errors.Is(err, io.EOF) {
			return r.Header(), out, nil
		}
		if err != nil {
			return Header{}, nil, err
		}
	}
}

// maxInflate returns the largest number of bytes a gzip file of size bytes
// can decompress to: deflate's best ratio is 1032:1.
func maxInflate(size int64) int64 {
	const ratio = 1032
	if size > math.MaxInt64/ratio {
		return math.MaxInt64
	}
	return ratio * size
}

// isGzip reports whether b starts with the gzip magic number.
func isGzip(b []byte) bool { return bytes.HasPrefix(b, gzipMagic[:]) }
