package dataset

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Synthetic CIFAR-10 data: batch b is 0 to 4 for data_batch_1.bin to
// data_batch_5.bin and 5 for test_batch.bin. Every pixel and label is a
// function of the batch, the record, and the channel, row and column, so
// that any mix-up of order shows.

var cifarNames = append(slices.Clone(cifarTrain), cifarTest)

func cifarPixel(b, i, c, y, x int) byte { return byte(b*41 + i*13 + c*89 + y*7 + x*3) }
func cifarLabel(b, i int) byte          { return byte((b*3 + i) % 10) }

// cifarBatch returns n records of batch b.
func cifarBatch(b, n int) []byte {
	out := make([]byte, 0, n*cifarRecordLen)
	for i := range n {
		out = append(out, cifarLabel(b, i))
		for c := range 3 {
			for y := range 32 {
				for x := range 32 {
					out = append(out, cifarPixel(b, i, c, y, x))
				}
			}
		}
	}
	return out
}

// defaultCounts are the records per batch of the synthetic sets: different
// for each batch, so that the order of concatenation shows in the counts.
var defaultCounts = []int{3, 4, 5, 6, 7, 9}

// tarMember is one member of a synthetic archive.
type tarMember struct {
	name string
	data []byte
	dir  bool
	size int64 // the size in the header, if not len(data)
}

// cifarMembers returns the members of an official-looking archive, batches
// in the given order (indexes into cifarNames), with counts records.
func cifarMembers(counts []int, order ...int) []tarMember {
	if order == nil {
		order = []int{0, 1, 2, 3, 4, 5}
	}
	m := []tarMember{
		{name: cifarDir + "/", dir: true},
		{name: cifarDir + "/batches.meta.txt", data: []byte(strings.Join(CIFARClasses, "\n") + "\n\n")},
	}
	for _, b := range order {
		m = append(m, tarMember{name: cifarDir + "/" + cifarNames[b], data: cifarBatch(b, counts[b])})
	}
	return append(m, tarMember{name: cifarDir + "/readme.html", data: []byte("<html></html>")})
}

// makeTar returns the tar archive of members, gzip-compressed if gz.
func makeTar(t testing.TB, members []tarMember, gz bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg, Format: tar.FormatGNU}
		if m.dir {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		if m.size != 0 {
			h.Size = m.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.data); err != nil && m.size == 0 {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil && !errors.Is(err, tar.ErrWriteTooLong) {
		// A member shorter than its header leaves the archive unclosed,
		// which is what the truncation tests want.
		if !strings.Contains(err.Error(), "missed writing") {
			t.Fatal(err)
		}
	}
	if gz {
		return gzipBytes(t, buf.Bytes())
	}
	return buf.Bytes()
}

// writeCIFARDir writes the six batches with counts records, batches.meta.txt
// and readme.html into dir/cifar-10-batches-bin and returns that folder.
func writeCIFARDir(t testing.TB, dir string, counts []int) string {
	t.Helper()
	bdir := filepath.Join(dir, cifarDir)
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, m := range cifarMembers(counts) {
		if m.dir {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, m.name), m.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return bdir
}

// roleBatches returns the batches of a role, as indexes into cifarNames.
func roleBatches(role string) []int {
	if role == TrainImages || role == TrainLabels {
		return []int{0, 1, 2, 3, 4}
	}
	return []int{5}
}

// checkCIFAR reads r to the end, in reads of up to batch items, and checks
// it against the synthetic records of batches with counts records.
func checkCIFAR(t *testing.T, r *Reader, labels bool, batches, counts []int, batch int) {
	t.Helper()
	n := 0
	for _, b := range batches {
		n += counts[b]
	}
	h := r.Header()
	want := Header{Type: U8, Dims: []int{n, 3, 32, 32}}
	if labels {
		want.Dims = []int{n}
	}
	if h.Type != want.Type || !slices.Equal(h.Dims, want.Dims) {
		t.Fatalf("%s: header %v, want %v", r.Name(), h, want)
	}
	il := h.ItemLen()
	var got []float32
	var gotLabels []byte
	lbuf := make([]byte, batch)
	buf := make([]float32, batch*il)
	for {
		if labels {
			k, err := r.ReadUint8(lbuf)
			gotLabels = append(gotLabels, lbuf[:k]...)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", r.Name(), err)
			}
			continue
		}
		k, err := r.ReadFloat32(buf)
		got = append(got, buf[:k*il]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", r.Name(), err)
		}
	}
	item := 0
	for _, b := range batches {
		for i := range counts[b] {
			if labels {
				if gotLabels[item] != cifarLabel(b, i) {
					t.Fatalf("%s: label %d = %d, want %d (batch %s record %d)", r.Name(), item, gotLabels[item], cifarLabel(b, i), cifarNames[b], i)
				}
				item++
				continue
			}
			img := got[item*il : (item+1)*il]
			for c := range 3 {
				for y := range 32 {
					for x := range 32 {
						w := float32(cifarPixel(b, i, c, y, x)) / 255
						if v := img[c*1024+y*32+x]; v != w {
							t.Fatalf("%s: item %d (batch %s record %d) [%d,%d,%d] = %v, want %v",
								r.Name(), item, cifarNames[b], i, c, y, x, v, w)
						}
					}
				}
			}
			item++
		}
	}
	if labels && len(gotLabels) != n || !labels && len(got) != n*il {
		t.Fatalf("%s: read %d labels, %d values, want %d items", r.Name(), len(gotLabels), len(got), n)
	}
}

func TestCIFARPixelOrder(t *testing.T) {
	// One hand-made record: label 7, red (0,0) = 255, green (0,1) = 51,
	// blue (5,7) = 102, everything else 0.
	rec := make([]byte, cifarRecordLen)
	rec[0] = 7
	rec[1+0] = 255
	rec[1+1024+1] = 51
	rec[1+2048+5*32+7] = 102
	p := writeTemp(t, "one.bin", rec)
	r, err := OpenCIFAR(p, TestImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	img := make([]float32, 3*32*32)
	if n, err := r.ReadFloat32(img); n != 1 || err != nil {
		t.Fatalf("ReadFloat32 = %d, %v", n, err)
	}
	for i, v := range img {
		want := float32(0)
		switch i {
		case 0:
			want = 1
		case 1024 + 1:
			want = 0.2
		case 2048 + 5*32 + 7:
			want = 0.4
		}
		if v != want {
			t.Errorf("img[%d] = %v, want %v", i, v, want)
		}
	}
	if n, err := r.ReadFloat32(img); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadFloat32 at end = %d, %v, want 0, EOF", n, err)
	}
	labels, err := ReadLabels(p)
	if err != nil || !slices.Equal(labels, []byte{7}) {
		t.Errorf("ReadLabels = %v, %v, want [7]", labels, err)
	}
}

// cifarForms writes the synthetic data set in every form OpenCIFAR reads
// and returns the paths by form name.
func cifarForms(t *testing.T) map[string]string {
	t.Helper()
	forms := map[string]string{}
	parent := t.TempDir()
	forms["folder"] = writeCIFARDir(t, parent, defaultCounts)
	forms["parent folder"] = parent
	forms["tar.gz"] = writeTemp(t, cifarArchive, makeTar(t, cifarMembers(defaultCounts), true))
	forms["tar"] = writeTemp(t, "cifar-10-binary.tar", makeTar(t, cifarMembers(defaultCounts), false))
	// Members out of order, as a repacked archive may have them, under a
	// name that says nothing.
	forms["shuffled tar.gz"] = writeTemp(t, "data", makeTar(t, cifarMembers(defaultCounts, 5, 2, 0, 4, 1, 3), true))
	archiveOnly := t.TempDir()
	if err := os.WriteFile(filepath.Join(archiveOnly, cifarArchive), makeTar(t, cifarMembers(defaultCounts), true), 0o644); err != nil {
		t.Fatal(err)
	}
	forms["folder with archive"] = archiveOnly
	return forms
}

func TestOpenCIFAR(t *testing.T) {
	forms := cifarForms(t)
	for form, p := range forms {
		for _, role := range Roles() {
			t.Run(form+"/"+role, func(t *testing.T) {
				r, err := OpenCIFAR(p, role)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if !strings.HasPrefix(r.Name(), p) || !strings.HasSuffix(r.Name(), "("+role+")") {
					t.Errorf("Name() = %q, want the path and the role", r.Name())
				}
				labels := role == TrainLabels || role == TestLabels
				checkCIFAR(t, r, labels, roleBatches(role), defaultCounts, 4)
				if err := r.Close(); err != nil {
					t.Errorf("Close = %v", err)
				}
			})
		}
	}
	// A single batch: only images or labels counts.
	for b, name := range cifarNames {
		p := filepath.Join(forms["folder"], name)
		for _, role := range Roles() {
			r, err := OpenCIFAR(p, role)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name() != p {
				t.Errorf("Name() = %q, want %q", r.Name(), p)
			}
			checkCIFAR(t, r, role == TrainLabels || role == TestLabels, []int{b}, defaultCounts, 1)
			r.Close()
		}
	}
}

// TestOpenCIFARLarge reads larger batches (1,000 records, 3 MB each) from
// an archive whose members are out of order, in large and odd-sized reads,
// and checks Skip.
func TestOpenCIFARLarge(t *testing.T) {
	counts := []int{1000, 1000, 1000, 1000, 1000, 1000}
	p := writeTemp(t, cifarArchive, makeTar(t, cifarMembers(counts, 1, 0, 3, 2, 5, 4), true))
	r, err := OpenCIFAR(p, TrainImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	checkCIFAR(t, r, false, roleBatches(TrainImages), counts, 777)

	r2, err := OpenCIFAR(p, TrainLabels)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if err := r2.Skip(2500); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 3)
	if n, err := r2.ReadUint8(got); n != 3 || err != nil || !slices.Equal(got, []byte{cifarLabel(2, 500), cifarLabel(2, 501), cifarLabel(2, 502)}) {
		t.Errorf("labels after Skip(2500) = %v, %d, %v", got, n, err)
	}
}

// BenchmarkOpenCIFARArchive reads the training images of a full-size
// synthetic archive (5 x 10,000 records), members out of order.
func BenchmarkOpenCIFARArchive(b *testing.B) {
	counts := []int{10000, 10000, 10000, 10000, 10000, 10000}
	p := writeTemp(b, cifarArchive, makeTar(b, cifarMembers(counts, 5, 4, 3, 2, 1, 0), true))
	buf := make([]float32, 128*cifarImageLen)
	b.SetBytes(5 * 10000 * cifarRecordLen)
	for b.Loop() {
		r, err := OpenCIFAR(p, TrainImages)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.ReadFloat32(buf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		r.Close()
	}
}

func TestOpenImagesDetect(t *testing.T) {
	forms := cifarForms(t)
	idxImages := append(idxHeader(U8, 2, 2, 2), 0, 51, 102, 255, 255, 102, 51, 0)
	idxLabels := append(idxHeader(U8, 3), 1, 2, 3)
	// A batch whose first bytes read as an IDX magic number (label 0,
	// pixels 0, 8, 3): 00 00 08 03, but the "header" does not fit the size.
	tricky := cifarBatch(0, 2)
	tricky[0], tricky[1], tricky[2], tricky[3] = 0, 0, 8, 3
	tests := []struct {
		name   string
		path   string
		images []int // the header dims OpenImages gives
		labels []byte
	}{
		{"idx", writeTemp(t, "img.idx", idxImages), []int{2, 2, 2}, nil},
		{"idx.gz named .bin", writeTemp(t, "img.bin", gzipBytes(t, idxImages)), []int{2, 2, 2}, nil},
		{"idx labels", writeTemp(t, "l.idx", idxLabels), []int{3}, []byte{1, 2, 3}},
		{"idx labels.gz", writeTemp(t, "l.gz", gzipBytes(t, idxLabels)), []int{3}, []byte{1, 2, 3}},
		{"batch", filepath.Join(forms["folder"], "data_batch_2.bin"), []int{4, 3, 32, 32}, labelsOf(1, 4)},
		{"batch named .idx", writeTemp(t, "x.idx", cifarBatch(3, 2)), []int{2, 3, 32, 32}, labelsOf(3, 2)},
		{"batch like idx", writeTemp(t, "x.dat", tricky), []int{2, 3, 32, 32}, []byte{0, cifarLabel(0, 1)}},
		{"folder", forms["folder"], []int{9, 3, 32, 32}, labelsOf(5, 9)},
		{"parent folder", forms["parent folder"], []int{9, 3, 32, 32}, labelsOf(5, 9)},
		{"tar.gz", forms["tar.gz"], []int{9, 3, 32, 32}, labelsOf(5, 9)},
		{"tar", forms["tar"], []int{9, 3, 32, 32}, labelsOf(5, 9)},
		{"tar.gz named .idx", writeTemp(t, "t10k-images-idx3-ubyte.gz", makeTar(t, cifarMembers(defaultCounts), true)),
			[]int{9, 3, 32, 32}, labelsOf(5, 9)},
		{"folder with archive", forms["folder with archive"], []int{9, 3, 32, 32}, labelsOf(5, 9)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := OpenImages(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if h := r.Header(); !slices.Equal(h.Dims, tt.images) || h.Type != U8 {
				t.Errorf("OpenImages header = %v, want %v u8", h, tt.images)
			}
			if _, err := readAllItems(r, 1); err != nil {
				t.Errorf("reading: %v", err)
			}
			if tt.labels == nil {
				return
			}
			got, err := ReadLabels(tt.path)
			if err != nil || !slices.Equal(got, tt.labels) {
				t.Errorf("ReadLabels = %v, %v, want %v", got, err, tt.labels)
			}
		})
	}
}

// labelsOf returns the labels of the first n records of batch b.
func labelsOf(b, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = cifarLabel(b, i)
	}
	return out
}

// openAndRead opens path with OpenCIFAR and reads it to the end, and returns
// the first error.
func openAndRead(path, role string) error {
	r, err := OpenCIFAR(path, role)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = readAllItems(r, 2)
	return err
}

func TestCIFARErrors(t *testing.T) {
	badLabel := cifarBatch(0, 3)
	badLabel[2*cifarRecordLen] = 10
	badLabelArchive := cifarMembers(defaultCounts)
	badLabelArchive[3].data = slices.Clone(badLabelArchive[3].data) // data_batch_2.bin
	badLabelArchive[3].data[cifarRecordLen] = 200
	badSize := cifarMembers(defaultCounts)
	badSize[4].data = badSize[4].data[:len(badSize[4].data)-5] // data_batch_3.bin
	noBatch4 := slices.DeleteFunc(cifarMembers(defaultCounts), func(m tarMember) bool {
		return strings.HasSuffix(m.name, "data_batch_4.bin")
	})
	dup := append(cifarMembers(defaultCounts), tarMember{name: "other/data_batch_1.bin", data: cifarBatch(0, 1)})
	full := makeTar(t, cifarMembers(defaultCounts), false)
	fullGz := makeTar(t, cifarMembers(defaultCounts), true)
	badCRC := slices.Clone(fullGz)
	badCRC[len(badCRC)-8] ^= 0xff
	// A member whose header claims far more data than the archive has.
	huge := []tarMember{{name: cifarDir + "/test_batch.bin", data: cifarBatch(5, 2), size: cifarRecordLen * 1_000_000_000}}

	emptyDir := t.TempDir()
	partial := writeCIFARDir(t, t.TempDir(), defaultCounts)
	if err := os.Remove(filepath.Join(partial, "data_batch_4.bin")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		path string // or
		data []byte // content of a temporary file called name
		role string
		want string
	}{
		{name: "short.bin", data: make([]byte, cifarRecordLen+1), want: "size 3074 is not a multiple of 3073"},
		{name: "odd.dat", data: cifarBatch(0, 3)[:3*cifarRecordLen-1], want: "size 9218 is not a multiple of 3073"},
		{name: "empty.bin", data: nil, want: "empty CIFAR-10 batch"},
		{name: "label.bin", data: badLabel, want: "record 3 of 3 has label 10, want 0 to 9"},
		{name: "label.bin", data: badLabel, role: TestLabels, want: "record 3 of 3 has label 10, want 0 to 9"},
		{name: "label.tar.gz", data: makeTar(t, badLabelArchive, true), role: TrainImages,
			want: "member cifar-10-batches-bin/data_batch_2.bin: record 2 of 4 has label 200, want 0 to 9"},
		{name: "label-test-ok.tar.gz", data: makeTar(t, badLabelArchive, true), role: TestImages, want: ""},
		{name: "size.tar.gz", data: makeTar(t, badSize, true), role: TrainLabels,
			want: "member cifar-10-batches-bin/data_batch_3.bin: size 15360 is not a multiple of 3073"},
		{name: "missing.tar.gz", data: makeTar(t, noBatch4, true), role: TrainImages,
			want: "archive has no member data_batch_4.bin (want cifar-10-batches-bin/data_batch_1.bin"},
		{name: "empty.tar.gz", data: makeTar(t, nil, true), role: TestImages, want: "archive has no member test_batch.bin"},
		{name: "dup.tar", data: makeTar(t, dup, false), role: TrainImages,
			want: "archive holds data_batch_1.bin twice: cifar-10-batches-bin/data_batch_1.bin and other/data_batch_1.bin"},
		{name: "cut.tar", data: full[:len(full)/2], role: TestImages, want: "truncated archive: member cifar-10-batches-bin/"},
		{name: "cut.tar.gz", data: fullGz[:len(fullGz)/2], role: TestImages, want: "truncated archive"},
		{name: "nolast.tar.gz", data: fullGz[:len(fullGz)-4], role: TestImages, want: "truncated gzip stream"},
		{name: "crc.tar.gz", data: badCRC, role: TestImages, want: "bad gzip stream: gzip: invalid checksum"},
		{name: "huge.tar", data: makeTar(t, huge, false), role: TestImages,
			want: "truncated archive: member cifar-10-batches-bin/test_batch.bin is cut short"},
		{name: "labels.idx", data: append(idxHeader(U8, 3), 1, 2, 3), want: "an IDX file, not CIFAR-10 data"},
		{name: "labels.bin", data: gzipBytes(t, append(idxHeader(U8, 3), 1, 2, 3)), want: "an IDX file, not CIFAR-10 data"},
		{name: "plain.gz", data: gzipBytes(t, []byte("hello, world")), want: "gzip data that is not a tar archive"},
		{name: "role.bin", data: cifarBatch(0, 1), role: "validation", want: `unknown role "validation"`},
		{name: "empty folder", path: emptyDir, want: "no CIFAR-10 data: want the batch files"},
		{name: "partial folder", path: partial, role: TrainImages, want: "no data_batch_4.bin, needed for the CIFAR-10 train-images"},
		{name: "partial folder test", path: partial, role: TestLabels, want: ""},
		{name: "missing", path: filepath.Join(emptyDir, "nope.tar.gz"), want: "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.path
			if p == "" {
				p = writeTemp(t, tt.name, tt.data)
			}
			role := tt.role
			if role == "" {
				role = TestImages
			}
			err := openAndRead(p, role)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("OpenCIFAR(%s, %s): %v", p, role, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("OpenCIFAR(%s, %s) succeeded, want %q", p, role, tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || !strings.Contains(msg, tt.want) {
				t.Errorf("OpenCIFAR(%s, %s) error = %q, want the path and %q", p, role, msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
		})
	}
}

// TestCIFARErrorSticky checks that a bad label stops the Reader for good,
// after the good items before it.
func TestCIFARErrorSticky(t *testing.T) {
	b := cifarBatch(0, 3)
	b[2*cifarRecordLen] = 10
	r, err := OpenCIFAR(writeTemp(t, "x.bin", b), TrainLabels)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make([]byte, 3)
	n, err := r.ReadUint8(got)
	if n != 2 || err == nil || !slices.Equal(got[:2], labelsOf(0, 2)) {
		t.Errorf("ReadUint8 = %d, %v, %v; want the 2 good labels and an error", n, got[:n], err)
	}
	if n, err2 := r.ReadUint8(got); n != 0 || err2 == nil || err2.Error() != err.Error() {
		t.Errorf("ReadUint8 again = %d, %v, want 0, %v", n, err2, err)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Errorf("error %v is not a *FormatError", err)
	}
}

// TestCIFARChangedFile checks that a batch that shrinks between opening and
// reading is reported as truncated.
func TestCIFARChangedFile(t *testing.T) {
	dir := writeCIFARDir(t, t.TempDir(), []int{3, 4, 5, 6, 60, 9})
	r, err := OpenCIFAR(dir, TrainImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := filepath.Join(dir, "data_batch_5.bin")
	if err := os.Truncate(p, 30*cifarRecordLen+100); err != nil {
		t.Fatal(err)
	}
	_, err = readAllItems(r, 1)
	if err == nil || !strings.Contains(err.Error(), p+": truncated: ends after 30 of 60 records") {
		t.Errorf("read after truncation = %v", err)
	}
}

// TestCIFARAllocs checks that a small archive whose member header claims a
// huge size is rejected without allocating anything near that size, and
// that streaming allocates little.
func TestCIFARAllocs(t *testing.T) {
	huge := []tarMember{{name: cifarDir + "/test_batch.bin", data: cifarBatch(5, 2), size: cifarRecordLen * 1_000_000_000}}
	p := writeTemp(t, "huge.tar.gz", makeTar(t, huge, true))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := OpenCIFAR(p, TestImages); err == nil {
		t.Fatal("OpenCIFAR succeeded")
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 4<<20 {
		t.Errorf("OpenCIFAR allocated %d bytes for a %d-byte file", d, len(huge[0].data))
	}

	dir := writeCIFARDir(t, t.TempDir(), []int{50, 50, 50, 50, 50, 50})
	r, err := OpenCIFAR(dir, TrainImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]float32, 3072)
	if _, err := r.ReadFloat32(buf); err != nil { // allocates the scratch buffers
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := r.ReadFloat32(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.1 { // one per batch file opened
		t.Errorf("ReadFloat32 allocates %v times per image", allocs)
	}
}

func TestOpenCIFARDataset(t *testing.T) {
	archive := makeTar(t, cifarMembers(defaultCounts), true)
	tests := []struct {
		name  string
		setup func(t *testing.T, zooData string) string // returns the path Locate should give
	}{
		{"archive in subfolder", func(t *testing.T, zooData string) string {
			p := filepath.Join(zooData, "cifar-10", cifarArchive)
			mkdirWrite(t, p, archive)
			return p
		}},
		{"archive directly", func(t *testing.T, zooData string) string {
			p := filepath.Join(zooData, cifarArchive)
			mkdirWrite(t, p, archive)
			return p
		}},
		{"folder in subfolder", func(t *testing.T, zooData string) string {
			return writeCIFARDir(t, filepath.Join(zooData, "cifar-10"), defaultCounts)
		}},
		{"folder directly", func(t *testing.T, zooData string) string {
			return writeCIFARDir(t, zooData, defaultCounts)
		}},
		{"archive before folder", func(t *testing.T, zooData string) string {
			writeCIFARDir(t, filepath.Join(zooData, "cifar-10"), defaultCounts)
			p := filepath.Join(zooData, "cifar-10", cifarArchive)
			mkdirWrite(t, p, archive)
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zooData, _ := isolate(t)
			want := tt.setup(t, zooData)
			for _, role := range append(Roles(), Archive) {
				if p, err := Locate("cifar-10", role); err != nil || p != want {
					t.Errorf("Locate(cifar-10, %s) = %q, %v, want %q", role, p, err, want)
				}
			}
			for _, role := range Roles() {
				for _, open := range []func(string, string) (*Reader, Source, error){Open, OpenOrMini} {
					r, src, err := open("cifar-10", role)
					if err != nil {
						t.Fatal(err)
					}
					if src.Path != want || src.Embedded {
						t.Errorf("Open(cifar-10, %s) source = %+v, want %s", role, src, want)
					}
					checkCIFAR(t, r, role == TrainLabels || role == TestLabels, roleBatches(role), defaultCounts, 5)
					r.Close()
				}
			}
			sum, err := FileSHA256(want)
			if err != nil || !isHexDigest(sum) {
				t.Errorf("FileSHA256(%s) = %q, %v", want, sum, err)
			}
			d, _ := Lookup("cifar-10")
			err = Verify(want, d.Files[0])
			switch {
			case strings.HasSuffix(want, cifarDir):
				if !errors.Is(err, ErrNoChecksum) || !strings.Contains(err.Error(), "only cifar-10-binary.tar.gz itself can be verified") {
					t.Errorf("Verify(folder) = %v, want ErrNoChecksum", err)
				}
			case err == nil || !strings.Contains(err.Error(), "sha256 mismatch"):
				t.Errorf("Verify(synthetic archive) = %v, want a mismatch", err)
			}
		})
	}

	// Nothing there: not found, and no fallback to mnist-mini, whose
	// images have another shape.
	isolate(t)
	if _, err := Locate("cifar-10", TestImages); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "cifar-10-binary.tar.gz") {
		t.Errorf("Locate(missing) = %v", err)
	}
	_, _, err := OpenOrMini("cifar-10", TestImages)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "mnist-mini set has [1 28 28] images, cifar-10 has [3 32 32]") {
		t.Errorf("OpenOrMini(missing cifar-10) = %v", err)
	}
}

func mkdirWrite(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFileSHA256CIFARFolder(t *testing.T) {
	parent := t.TempDir()
	dir := writeCIFARDir(t, parent, defaultCounts)
	var all []byte
	for b := range cifarNames {
		all = append(all, cifarBatch(b, defaultCounts[b])...)
	}
	want := sha256Hex(all)
	for _, p := range []string{dir, parent} {
		if got, err := FileSHA256(p); err != nil || got != want {
			t.Errorf("FileSHA256(%s) = %s, %v, want %s", p, got, err, want)
		}
	}
	if _, err := FileSHA256(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no CIFAR-10 data") {
		t.Errorf("FileSHA256(empty folder) = %v", err)
	}
}

func TestFetchCIFAR(t *testing.T) {
	archive := makeTar(t, cifarMembers(defaultCounts), true)
	s := newFetchServer(t, archive)
	d, err := Lookup("cifar-10")
	if err != nil {
		t.Fatal(err)
	}
	d.Files[0].Size = int64(len(archive))
	d.Files[0].SHA256 = sha256Hex(archive)
	zooData, _ := isolate(t)
	dir := filepath.Join(zooData, d.Name)

	// The corrupt mirror fails verification, the good one is used.
	var progress int
	paths, err := Fetch(t.Context(), d.WithMirrors(s.URL+"/corrupt/", s.URL+"/good/"), dir, FetchOptions{
		Progress: func(string, int64, int64) { progress++ },
	})
	want := filepath.Join(dir, cifarArchive)
	if err != nil || !slices.Equal(paths, []string{want}) || progress == 0 {
		t.Fatalf("Fetch = %v, %v (progress %d)", paths, err, progress)
	}
	if left := leftovers(t, dir, cifarArchive); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if err := Verify(want, d.Files[0]); err != nil {
		t.Error(err)
	}
	for _, role := range Roles() {
		r, src, err := Open("cifar-10", role)
		if err != nil || src.Path != want {
			t.Fatalf("Open(cifar-10, %s) = %+v, %v", role, src, err)
		}
		checkCIFAR(t, r, role == TrainLabels || role == TestLabels, roleBatches(role), defaultCounts, 3)
		r.Close()
	}

	// Present and valid: not downloaded again.
	hits := s.hits.Load()
	if _, err := Fetch(t.Context(), d.WithMirrors(s.URL+"/good/"), dir, FetchOptions{}); err != nil || s.hits.Load() != hits {
		t.Errorf("second Fetch = %v, %d requests", err, s.hits.Load()-hits)
	}

	// Only bad mirrors: the error names the file and each failure, and
	// the good copy stays.
	_, err = Fetch(t.Context(), d.WithMirrors(s.URL+"/cut/", s.URL+"/corrupt/", s.URL+"/missing/"), t.TempDir(), FetchOptions{})
	if err == nil || !strings.Contains(err.Error(), "fetch cifar-10 cifar-10-binary.tar.gz: all 3 URLs failed") ||
		!strings.Contains(err.Error(), "sha256 mismatch") || !strings.Contains(err.Error(), "404") {
		t.Errorf("Fetch from bad mirrors = %v", err)
	}
}

// sha256Hex returns the hex SHA-256 of b.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// FuzzCIFAR feeds arbitrary bytes to OpenCIFAR, OpenImages and ReadLabels
// as a file, or as every batch of a folder. mode picks the role (bits 0-1),
// the file name (bit 2: ".bin" or ".tar.gz", which must not matter) and the
// folder form (bit 3). Nothing may panic, opening may not allocate in
// proportion to what a header or archive claims; what opens must read to
// the end with the count its header gives, pixels in [0, 1] and labels 0
// to 9.
func FuzzCIFAR(f *testing.F) {
	f.Add(cifarBatch(0, 1), byte(0))
	f.Add(cifarBatch(5, 2), byte(3))
	f.Add(makeTar(f, cifarMembers([]int{1, 1, 1, 1, 1, 1}), true), byte(0))
	f.Add(makeTar(f, cifarMembers([]int{1, 1, 1, 1, 1, 1}), false), byte(5))
	f.Add(append(idxHeader(U8, 3), 1, 2, 3), byte(2))
	f.Add([]byte{}, byte(8))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		role := Roles()[mode&3]
		name := "data.bin"
		if mode&4 != 0 {
			name = "data.tar.gz"
		}
		p := filepath.Join(dir, name)
		if mode&8 != 0 {
			p = filepath.Join(dir, "folder")
			os.RemoveAll(p)
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, b := range cifarNames {
				if err := os.WriteFile(filepath.Join(p, b), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		} else if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(p)

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := OpenCIFAR(p, role)
		runtime.ReadMemStats(&after)
		// Buffers of fixed size (bufio, gzip, tar) and the batch list: no
		// allocation in proportion to what a header claims.
		if got := after.TotalAlloc - before.TotalAlloc; got > 2<<20+2*uint64(len(data)) {
			t.Fatalf("OpenCIFAR allocated %d bytes for %d bytes of data", got, len(data))
		}
		if err == nil {
			checkFuzzRead(t, r, true)
		}
		if r, err := OpenImages(p); err == nil {
			checkFuzzRead(t, r, false)
		}
		if labels, err := ReadLabels(p); err == nil && mode&8 != 0 {
			for i, l := range labels {
				if l > 9 {
					t.Fatalf("label %d is %d", i, l)
				}
			}
		}
	})
}

// checkFuzzRead reads r to the end and checks what it gives; cifar says
// that r came from OpenCIFAR.
func checkFuzzRead(t *testing.T, r *Reader, cifar bool) {
	t.Helper()
	defer r.Close()
	h := r.Header()
	il := h.ItemLen()
	if il > 1<<20 {
		return // an IDX file with huge items; OpenIDX has its own tests
	}
	buf := make([]float32, 7*il)
	n := 0
	for {
		k, err := r.ReadFloat32(buf)
		n += k
		for _, v := range buf[:k*il] {
			if cifar && (v < 0 || v > 1 || v != v) {
				t.Fatalf("%s: value %v outside [0, 1]", r.Name(), v)
			}
			if cifar && il == 1 && v*255 > 9.5 {
				t.Fatalf("%s: label %v", r.Name(), v*255)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return
		}
	}
	if n != h.Count() {
		t.Fatalf("%s: read %d items, header says %d", r.Name(), n, h.Count())
	}
}

func TestOpenFile(t *testing.T) {
	forms := cifarForms(t)
	for form, p := range forms {
		if !HoldsLabels(p) {
			t.Errorf("HoldsLabels(%s %s) = false", form, p)
		}
		r, err := OpenFile(p, TrainLabels)
		if err != nil {
			t.Fatal(err)
		}
		checkCIFAR(t, r, true, roleBatches(TrainLabels), defaultCounts, 4)
		r.Close()
	}
	const idx = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	if HoldsLabels(idx) || HoldsLabels(filepath.Join(t.TempDir(), "absent")) {
		t.Error("HoldsLabels true for an IDX file or a missing path")
	}
	r, err := OpenFile(idx, TrainImages) // an IDX file is what it is, whatever the split
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Remaining() != 512 || r.Header().ItemLen() != 784 {
		t.Errorf("IDX through OpenFile: %v", r.Header())
	}
}
