package dataset

import (
	"archive/tar"
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
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/internal/fileguard"
)

// CIFARClasses are the names of the CIFAR-10 classes, indexed by label, as
// listed in batches.meta.txt.
var CIFARClasses = []string{"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck"}

// CIFARName is the catalogue name of CIFAR-10, the data set of every
// CIFAR-10 file (see HoldsLabels).
const CIFARName = "cifar-10"

// The CIFAR-10 binary layout: each record is one label byte followed by the
// 32x32 image as three planes (red, green, blue) of 1024 bytes in row-major
// order.
const (
	cifarSide      = 32
	cifarChannels  = 3
	cifarImageLen  = cifarChannels * cifarSide * cifarSide
	cifarRecordLen = 1 + cifarImageLen
	cifarClasses   = 10

	// cifarArchive is the name of the official archive, cifarDir the
	// folder it unpacks to.
	cifarArchive = "cifar-10-binary.tar.gz"
	cifarDir     = "cifar-10-batches-bin"
	cifarTest    = "test_batch.bin"
)

// cifarTrain are the training batches in the order they are concatenated.
var cifarTrain = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
	"data_batch_4.bin", "data_batch_5.bin"}

// cifarRole returns the batch files that make up role and whether the role
// is a labels role.
func cifarRole(role string) (batches []string, labels bool, err error) {
	switch role {
	case TrainImages, TrainLabels:
		batches = cifarTrain
	case TestImages, TestLabels:
		batches = []string{cifarTest}
	default:
		return nil, false, fmt.Errorf("unknown role %q (want %s)", role, strings.Join(Roles(), ", "))
	}
	return batches, role == TrainLabels || role == TestLabels, nil
}

// OpenCIFAR opens the CIFAR-10 images or labels of the given role, one of
// TrainImages, TrainLabels, TestImages and TestLabels, and returns them as a
// Reader of IDX data: images are u8 [N, 3, 32, 32] (channel planes, rows,
// columns; ReadFloat32 scales them to [0, 1]), labels are u8 [N].
//
// The path may be
//
//   - a single batch file such as data_batch_1.bin, of which only the images
//     or labels part of the role counts;
//   - the extracted folder cifar-10-batches-bin, or a folder holding it or
//     the archive;
//   - the official archive cifar-10-binary.tar.gz, or the same tar archive
//     uncompressed, which is read as a stream without extracting anything.
//
// The training set is data_batch_1.bin to data_batch_5.bin, in that order;
// the test set is test_batch.bin. Forms are recognised by content, not by
// name. Before it returns, OpenCIFAR checks that every batch it needs is
// present and is a whole number of 3073-byte records (for an archive this
// reads the whole archive once, which also verifies its gzip checksum);
// labels are checked to be 0 to 9 as the records stream.
func OpenCIFAR(path, role string) (*Reader, error) {
	batches, labels, err := cifarRole(role)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	k, err := sniff(path)
	if err != nil {
		return nil, err
	}
	switch k {
	case kindDir:
		return openCIFARDir(path, role, batches, labels)
	case kindTar, kindTarGz:
		return openCIFARArchive(path, path+" ("+role+")", batches, labels)
	case kindGzip:
		return nil, formatErr(path, "gzip data that is not a tar archive; CIFAR-10 is read from raw batch files, their folder or %s", cifarArchive)
	case kindIDX:
		return nil, formatErr(path, "an IDX file, not CIFAR-10 data; open it with OpenIDX or OpenImages")
	}
	return openCIFARFile(path, labels)
}

// OpenImages opens the images at path, in any of the forms this package
// reads: an IDX file, raw or gzip-compressed (see OpenIDX), or CIFAR-10 data
// (see OpenCIFAR). The form is recognised by content. A CIFAR-10 folder or
// archive holds two sets; OpenImages returns its test images; use OpenCIFAR
// for the training images.
func OpenImages(path string) (*Reader, error) {
	k, err := sniff(path)
	if err != nil {
		return nil, err
	}
	switch k {
	case kindDir, kindTar, kindTarGz, kindCIFAR:
		return OpenCIFAR(path, TestImages)
	}
	r, err := OpenIDX(path)
	if err != nil {
		return nil, err
	}
	return expect(r, ContentImages)
}

// inputKind is the form of a data file or folder, as sniff recognises it.
type inputKind int

const (
	kindUnknown inputKind = iota // none of the others
	kindIDX                      // IDX, raw or gzip-compressed
	kindGzip                     // other gzip data
	kindDir                      // a folder
	kindTar                      // an uncompressed tar archive
	kindTarGz                    // a gzip-compressed tar archive
	kindCIFAR                    // a raw CIFAR-10 batch file
)

// sniff recognises the form of the data at path from its content: a raw
// file is IDX if it starts with an IDX header that agrees with its size,
// else CIFAR-10 if its size is a multiple of the record size or its name
// ends in ".bin"; gzip data is IDX if it starts with an IDX magic number.
//
// A path that is neither a regular file nor a folder (a named pipe, a
// device) is an error, before anything is opened.
func sniff(p string) (inputKind, error) {
	fi, err := fileguard.RegularOrDir(p)
	if err != nil {
		return 0, err // "stat PATH: ..." or "PATH is a named pipe (FIFO), ..."
	}
	if fi.IsDir() {
		return kindDir, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(tarBlock)
	if isGzip(head) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return kindGzip, nil
		}
		var b [tarBlock]byte
		n, _ := io.ReadFull(gz, b[:])
		switch {
		case isTarHeader(b[:n]) || n == tarBlock && b == [tarBlock]byte{}:
			// A zero block ends a tar archive: this one is empty.
			return kindTarGz, nil
		case idxMagic(b[:n]):
			return kindIDX, nil
		}
		return kindGzip, nil
	}
	if isTarHeader(head) {
		return kindTar, nil
	}
	size := fi.Size()
	if idxSize(head) == size {
		return kindIDX, nil
	}
	if size > 0 && size%cifarRecordLen == 0 ||
		!idxMagic(head) && strings.HasSuffix(strings.ToLower(p), ".bin") {
		return kindCIFAR, nil
	}
	return kindUnknown, nil
}

// idxMagic reports whether b starts like an IDX file: two zero bytes, a
// known element type and 1 to MaxDims dimensions.
func idxMagic(b []byte) bool {
	return len(b) >= 4 && b[0] == 0 && b[1] == 0 && ElemType(b[2]).Size() > 0 && b[3] >= 1 && b[3] <= MaxDims
}

// idxSize returns the file size that the IDX header at the start of b
// declares, or -1 if b does not start with a complete, valid IDX header.
func idxSize(b []byte) int64 {
	if !idxMagic(b) || len(b) < 4+4*int(b[3]) {
		return -1
	}
	h := Header{Type: ElemType(b[2]), Dims: make([]int, b[3])}
	for i := range h.Dims {
		h.Dims[i] = int(binary.BigEndian.Uint32(b[4+4*i:]))
	}
	if h.validate() != nil {
		return -1
	}
	return h.headerLen() + h.dataLen()
}

// tarBlock is the size of a tar header.
const tarBlock = 512

// isTarHeader reports whether b starts with a POSIX or GNU tar header: the
// "ustar" magic and a correct header checksum.
func isTarHeader(b []byte) bool {
	if len(b) < tarBlock || !bytes.Equal(b[257:262], []byte("ustar")) {
		return false
	}
	field := strings.Trim(string(b[148:156]), " \x00")
	want, err := strconv.ParseInt(field, 8, 64)
	if err != nil {
		return false
	}
	var sum int64
	for i, c := range b[:tarBlock] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want
}

// cifarPart is one batch of the data a cifarStream presents.
type cifarPart struct {
	file    string // the file named in errors: the batch or the archive
	member  string // the member name in an archive, "" for a file
	index   int    // the position of the member in the archive
	records int64
}

// where returns the prefix that names the member in an error message.
func (p *cifarPart) where() string {
	if p.member == "" {
		return ""
	}
	return "member " + p.member + ": "
}

// checkSize checks that a batch of size bytes is a whole, non-zero number of
// records and returns the number.
func checkSize(file, member string, size int64) (int64, error) {
	m := ""
	if member != "" {
		m = "member " + member + ": "
	}
	if size == 0 {
		return 0, formatErr(file, "%sempty CIFAR-10 batch", m)
	}
	if size%cifarRecordLen != 0 {
		return 0, formatErr(file, "%ssize %d is not a multiple of %d, the size of a CIFAR-10 record (1 label byte and %d pixel bytes)",
			m, size, cifarRecordLen, cifarImageLen)
	}
	return size / cifarRecordLen, nil
}

// cifarStream presents the records of its parts as an IDX file: the header
// of a u8 [N, 3, 32, 32] image file, then each record without its label
// byte; or, for labels, the header of a u8 [N] file, then the label bytes.
// Labels greater than 9 are an error.
type cifarStream struct {
	hdr    []byte // the unread part of the synthetic IDX header
	parts  []cifarPart
	labels bool
	// open returns a reader positioned at the start of part i; the stream
	// opens the parts in order.
	open  func(i int) (io.Reader, error)
	close func() error

	i       int       // the current part
	cur     io.Reader // nil until part i is open
	rec     int64     // records of part i read so far
	buf     [cifarRecordLen]byte
	pending []byte // unread output of the current record
	err     error
}

// newCIFARStream returns a stream of the records of parts.
func newCIFARStream(name string, parts []cifarPart, labels bool, open func(int) (io.Reader, error), closeAll func() error) (*cifarStream, error) {
	var n int64
	for _, p := range parts {
		n += p.records
	}
	if n > math.MaxUint32 {
		return nil, formatErr(name, "%d records, more than an IDX header can count", n)
	}
	dims := []uint32{uint32(n)}
	if !labels {
		dims = append(dims, cifarChannels, cifarSide, cifarSide)
	}
	hdr := []byte{0, 0, byte(U8), byte(len(dims))}
	for _, d := range dims {
		hdr = binary.BigEndian.AppendUint32(hdr, d)
	}
	return &cifarStream{hdr: hdr, parts: parts, labels: labels, open: open, close: closeAll}, nil
}

// Read implements io.Reader.
func (s *cifarStream) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		switch {
		case len(s.hdr) > 0:
			k := copy(b[n:], s.hdr)
			s.hdr = s.hdr[k:]
			n += k
		case len(s.pending) > 0:
			k := copy(b[n:], s.pending)
			s.pending = s.pending[k:]
			n += k
		case s.err != nil:
			if n > 0 {
				return n, nil
			}
			return 0, s.err
		default:
			s.err = s.next()
		}
	}
	return n, nil
}

// next reads the next record into s.pending, or returns io.EOF after the
// last one.
func (s *cifarStream) next() error {
	for s.i < len(s.parts) {
		p := &s.parts[s.i]
		if s.rec == p.records {
			s.i++
			s.cur, s.rec = nil, 0
			continue
		}
		if s.cur == nil {
			r, err := s.open(s.i)
			if err != nil {
				return err
			}
			s.cur = r
		}
		if _, err := io.ReadFull(s.cur, s.buf[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return formatErr(p.file, "%struncated: ends after %d of %d records", p.where(), s.rec, p.records)
			}
			return fmt.Errorf("read %s: %s%w", p.file, p.where(), err)
		}
		s.rec++
		if l := s.buf[0]; l >= cifarClasses {
			return formatErr(p.file, "%srecord %d of %d has label %d, want 0 to %d",
				p.where(), s.rec, p.records, l, cifarClasses-1)
		}
		if s.labels {
			s.pending = s.buf[:1]
		} else {
			s.pending = s.buf[1:]
		}
		return nil
	}
	return io.EOF
}

// Close releases the files the stream has open.
func (s *cifarStream) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// cifarReader wraps a stream in a Reader.
func cifarReader(name string, s *cifarStream) (*Reader, error) {
	r, err := newReader(s, name)
	if err != nil {
		s.Close()
		return nil, err
	}
	r.src = s
	return r, nil
}

// fileParts opens batch files one after the other.
type fileParts struct {
	parts []cifarPart
	f     *os.File
}

func (fp *fileParts) open(i int) (io.Reader, error) {
	if err := fp.Close(); err != nil {
		return nil, err
	}
	f, err := os.Open(fp.parts[i].file)
	if err != nil {
		return nil, err
	}
	fp.f = f
	return bufio.NewReaderSize(f, scratchSize), nil
}

func (fp *fileParts) Close() error {
	if fp.f == nil {
		return nil
	}
	err := fp.f.Close()
	fp.f = nil
	return err
}

// openCIFARFiles returns a Reader of the records of the given batch files.
func openCIFARFiles(name string, files []string, labels bool) (*Reader, error) {
	parts := make([]cifarPart, len(files))
	for i, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, formatErr(f, "not a regular file")
		}
		n, err := checkSize(f, "", fi.Size())
		if err != nil {
			return nil, err
		}
		parts[i] = cifarPart{file: f, records: n}
	}
	fp := &fileParts{parts: parts}
	s, err := newCIFARStream(name, parts, labels, fp.open, fp.Close)
	if err != nil {
		return nil, err
	}
	return cifarReader(name, s)
}

// openCIFARFile opens a single batch file.
func openCIFARFile(path string, labels bool) (*Reader, error) {
	return openCIFARFiles(path, []string{path}, labels)
}

// isFile reports whether p is a regular file, isDir whether it is a folder.
func isFile(p string) bool { fi, err := os.Stat(p); return err == nil && fi.Mode().IsRegular() }
func isDir(p string) bool  { fi, err := os.Stat(p); return err == nil && fi.IsDir() }

// resolveCIFARDir finds the CIFAR-10 data in the folder dir: the folder
// itself when it holds batch files, else its subfolder cifar-10-batches-bin,
// else the archive in it. Exactly one of batches and archive is set.
func resolveCIFARDir(dir string) (batches, archive string, err error) {
	if slices.ContainsFunc(append([]string{cifarTest}, cifarTrain...), func(b string) bool {
		return isFile(filepath.Join(dir, b))
	}) {
		return dir, "", nil
	}
	if sub := filepath.Join(dir, cifarDir); isDir(sub) {
		return sub, "", nil
	}
	for _, a := range []string{cifarArchive, strings.TrimSuffix(cifarArchive, ".gz")} {
		if p := filepath.Join(dir, a); isFile(p) {
			return "", p, nil
		}
	}
	return "", "", formatErr(dir, "no CIFAR-10 data: want the batch files (data_batch_1.bin ... %s), a %s folder or %s",
		cifarTest, cifarDir, cifarArchive)
}

// openCIFARDir opens the batches of a role from a folder.
func openCIFARDir(dir, role string, batches []string, labels bool) (*Reader, error) {
	bdir, archive, err := resolveCIFARDir(dir)
	if err != nil {
		return nil, err
	}
	if archive != "" {
		return openCIFARArchive(archive, archive+" ("+role+")", batches, labels)
	}
	files := make([]string, len(batches))
	for i, b := range batches {
		files[i] = filepath.Join(bdir, b)
		if !isFile(files[i]) {
			return nil, formatErr(bdir, "no %s, needed for the CIFAR-10 %s", b, role)
		}
	}
	return openCIFARFiles(bdir+" ("+role+")", files, labels)
}

// archiveStream reads the members of a tar archive, gzip-compressed or not,
// from the start, reopening the file to go back.
type archiveStream struct {
	path string
	f    *os.File
	gz   *gzip.Reader // nil for an uncompressed archive
	tr   *tar.Reader
	pos  int // index of the member tr is at, -1 before the first
}

// rewind (re)opens the archive at its start.
func (a *archiveStream) rewind() error {
	if err := a.Close(); err != nil {
		return err
	}
	f, err := os.Open(a.path)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(f, scratchSize)
	var src io.Reader = br
	if head, _ := br.Peek(2); isGzip(head) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return formatErr(a.path, "bad gzip stream: %v", err)
		}
		a.gz, src = gz, gz
	}
	a.f, a.tr, a.pos = f, tar.NewReader(src), -1
	return nil
}

// Close closes the archive file.
func (a *archiveStream) Close() error {
	a.gz, a.tr = nil, nil
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	a.f = nil
	return err
}

// member returns a reader of member p.index, which must be called p.member.
func (a *archiveStream) member(p cifarPart) (io.Reader, error) {
	if a.tr == nil || p.index <= a.pos {
		if err := a.rewind(); err != nil {
			return nil, err
		}
	}
	for a.pos < p.index {
		h, err := a.tr.Next()
		if err != nil {
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, formatErr(a.path, "archive changed while reading: %s no longer found", p.member)
			}
			return nil, fmt.Errorf("read %s: %w", a.path, err)
		}
		a.pos++
		if a.pos == p.index && h.Name != p.member {
			return nil, formatErr(a.path, "archive changed while reading: member %d is %s, want %s", a.pos, h.Name, p.member)
		}
	}
	return a.tr, nil
}

// scanArchive reads the whole archive at path once and returns the parts
// for the given batches, checking that each is present once, as a regular
// file, with a whole number of records, that no member is truncated and
// that the gzip checksum is right. Members are matched by base name, so the
// folder they are in does not matter.
func scanArchive(archive string, batches []string) ([]cifarPart, error) {
	a := &archiveStream{path: archive}
	if err := a.rewind(); err != nil {
		return nil, err
	}
	defer a.Close()
	parts := make([]cifarPart, len(batches))
	found := make([]bool, len(batches))
	last := ""
	for {
		h, err := a.tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				if last == "" {
					return nil, formatErr(archive, "truncated archive")
				}
				return nil, formatErr(archive, "truncated archive: member %s is cut short", last)
			}
			return nil, formatErr(archive, "bad tar archive: %v", err)
		}
		a.pos++
		last = h.Name
		i := slices.Index(batches, path.Base(h.Name))
		if i < 0 || h.Typeflag != tar.TypeReg {
			continue
		}
		if found[i] {
			return nil, formatErr(archive, "archive holds %s twice: %s and %s", batches[i], parts[i].member, h.Name)
		}
		n, err := checkSize(archive, h.Name, h.Size)
		if err != nil {
			return nil, err
		}
		found[i] = true
		parts[i] = cifarPart{file: archive, member: h.Name, index: a.pos, records: n}
	}
	// Read to the end of the compressed stream, which checks the gzip
	// checksum and length.
	if a.gz != nil {
		if _, err := io.Copy(io.Discard, a.gz); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, formatErr(archive, "truncated gzip stream")
			}
			return nil, formatErr(archive, "bad gzip stream: %v", err)
		}
	}
	var missing []string
	for i, ok := range found {
		if !ok {
			missing = append(missing, batches[i])
		}
	}
	if len(missing) > 0 {
		return nil, formatErr(archive, "archive has no member %s (want %s/%s)",
			strings.Join(missing, ", "), cifarDir, strings.Join(batches, ", "))
	}
	return parts, nil
}

// openCIFARArchive opens the given batches of the archive at path.
func openCIFARArchive(path, name string, batches []string, labels bool) (*Reader, error) {
	parts, err := scanArchive(path, batches)
	if err != nil {
		return nil, err
	}
	a := &archiveStream{path: path}
	open := func(i int) (io.Reader, error) { return a.member(parts[i]) }
	s, err := newCIFARStream(name, parts, labels, open, a.Close)
	if err != nil {
		return nil, err
	}
	return cifarReader(name, s)
}

// labelsHeader checks that a file of header h, called path, holds labels:
// one-dimensional u8.
func labelsHeader(h Header, path string) error {
	if len(h.Dims) != 1 || h.Type != U8 {
		what := "not labels"
		if len(h.Dims) > 1 {
			what = "images or other data, not labels; give the labels file (such as t10k-labels-idx1-ubyte.gz)"
		}
		return formatErr(path, "want 1-D u8 labels, file holds %v: %s", h, what)
	}
	return nil
}

// readAllLabels reads the remaining items of a 1-D u8 Reader.
func readAllLabels(r *Reader, path string) ([]uint8, error) {
	if err := labelsHeader(r.hdr, path); err != nil {
		return nil, err
	}
	var out []uint8
	buf := make([]byte, min(r.hdr.Count(), scratchSize))
	for {
		n, err := r.ReadUint8(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// cifarDigest returns the hex SHA-256 of the concatenated batch files found
// in the CIFAR-10 folder dir, in the order data_batch_1.bin ...
// data_batch_5.bin, test_batch.bin.
func cifarDigest(dir string) (string, error) {
	bdir, archive, err := resolveCIFARDir(dir)
	if err != nil {
		return "", err
	}
	if archive != "" {
		return FileSHA256(archive)
	}
	h := sha256.New()
	n := 0
	for _, b := range append(slices.Clone(cifarTrain), cifarTest) {
		p := filepath.Join(bdir, b)
		if !isFile(p) {
			continue
		}
		if err := hashFile(h, p); err != nil {
			return "", err
		}
		n++
	}
	if n == 0 {
		return "", formatErr(bdir, "no CIFAR-10 batch files")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile writes the content of the file at p to h.
func hashFile(h io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	return nil
}

// OpenFile opens the data of the given role at path. An IDX file holds one
// set, which OpenFile returns for either split; its shape must fit the role:
// labels are one-dimensional, images are not, and a labels file given for
// images (or the reverse) is an error that says so. CIFAR-10 data holds
// images and labels together, and its folder and archive hold both the
// training and the test set, of which role picks one (see OpenCIFAR).
func OpenFile(path, role string) (*Reader, error) {
	if HoldsLabels(path) {
		return OpenCIFAR(path, role)
	}
	if _, _, err := cifarRole(role); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := OpenIDX(path)
	if err != nil {
		return nil, err
	}
	if err := checkRole(r.hdr, role); err != nil {
		r.Close()
		return nil, formatErr(path, "%v", err)
	}
	return expect(r, contentOf(role))
}

// checkRole checks that an IDX file of header h can hold the data of role.
func checkRole(h Header, role string) error {
	labels := role == TrainLabels || role == TestLabels
	switch {
	case labels && len(h.Dims) > 1:
		return fmt.Errorf("want labels, a 1-D u8 file, but it holds %v: images or other data, not labels; give the labels file (such as t10k-labels-idx1-ubyte.gz)", h)
	case !labels && len(h.Dims) == 1:
		what := "one value per item"
		if h.Type == U8 {
			what = "one byte per item, as a labels file does"
		}
		return fmt.Errorf("want images, but it holds %v: %s; give the images file (such as t10k-images-idx3-ubyte.gz)", h, what)
	}
	return nil
}

// HoldsLabels reports whether path is CIFAR-10 data (a batch file, its
// folder or the archive), which carries the labels with the images, so
// that a classifier needs no separate label file.
func HoldsLabels(path string) bool {
	k, err := sniff(path)
	if err != nil {
		return false
	}
	switch k {
	case kindDir, kindTar, kindTarGz, kindCIFAR:
		return true
	}
	return false
}
