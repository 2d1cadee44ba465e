package dataset

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	miniImages = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	miniLabels = "../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
)

func readFixture(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWildFiles checks the messages for data files met in the wild, each
// generated here: what the file really is and what to do. An empty want
// means the file must open.
func TestWildFiles(t *testing.T) {
	imagesGz := readFixture(t, miniImages)
	labelsGz := readFixture(t, miniLabels)
	html := []byte("<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body>try later</body></html>\n")
	rawImages := append(idxHeader(U8, 3, 28, 28), make([]byte, 3*784)...)
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	w, _ := zw.Create("t10k-images-idx3-ubyte")
	if _, err := w.Write(rawImages); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	if err := tw.WriteHeader(&tar.Header{Name: "t10k-images-idx3-ubyte", Mode: 0o644, Size: int64(len(rawImages))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(rawImages); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	// A tiny gzip file whose header claims 2^32+16 bytes: the trailer's
	// length, modulo 2^32, agrees with the header.
	forged := gzipBytes(t, idxHeader(U8, 1<<16, 1<<16))
	binary.LittleEndian.PutUint32(forged[len(forged)-4:], 16)

	// gzip as the gzip tool writes it, with the original name in the
	// header: magic 1f 8b 08 08. Renamed to the uncompressed name, it is
	// still recognised by content.
	var named bytes.Buffer
	zw8, _ := gzip.NewWriterLevel(&named, gzip.BestSpeed)
	zw8.Name = "t10k-images-idx3-ubyte"
	if _, err := zw8.Write(rawImages); err != nil {
		t.Fatal(err)
	}
	zw8.Close()
	if !bytes.HasPrefix(named.Bytes(), []byte{0x1f, 0x8b, 0x08, 0x08}) {
		t.Fatalf("gzip with a name starts % x", named.Bytes()[:4])
	}

	tests := []struct {
		name string // file name: extensions must not matter
		data []byte
		role string // OpenFile role; "" for OpenIDX
		want []string
	}{
		{"renamed-gzip/t10k-images-idx3-ubyte", imagesGz, TestImages, nil},
		{"renamed-gzip/t10k-labels-idx1-ubyte", labelsGz, TestLabels, nil},
		{"raw-named-gz/t10k-images-idx3-ubyte.gz", rawImages, TestImages, nil},
		{"gzip-1f8b0808-renamed/t10k-images-idx3-ubyte", named.Bytes(), TestImages, nil},
		{"gzip-1f8b0808-cut/t10k-images-idx3-ubyte", named.Bytes()[:named.Len()-20], "", []string{"truncated gzip file: the compressed stream ends after", "inside the IDX header", "interrupted download"}},
		{"html/t10k-images-idx3-ubyte.gz", html, "", []string{"magic is 3c21444f", "an HTML page, not data", "download it again"}},
		{"html-bom-space/train.gz", append([]byte("\xef\xbb\xbf\n  <html>"), html...), "", []string{"an HTML page"}},
		{"html-gzipped/t10k-images-idx3-ubyte.gz", gzipBytes(t, html), "", []string{"a gzip-compressed HTML page"}},
		{"twice/t10k-images-idx3-ubyte.gz", gzipBytes(t, imagesGz), "", []string{"compressed twice", "gunzip"}},
		{"zip/t10k-images-idx3-ubyte.gz", zipBuf.Bytes(), "", []string{"a zip archive: unzip it first"}},
		{"tar/t10k-images.tar", tarBuf.Bytes(), "", []string{"a tar archive"}},
		{"bz2/t10k-images-idx3-ubyte.bz2", []byte("BZh91AY&SY\x00\x01\x02"), "", []string{"bzip2-compressed data"}},
		{"xz/t10k-images-idx3-ubyte.xz", []byte("\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46"), "", []string{"xz-compressed data"}},
		{"text/t10k-images-idx3-ubyte", []byte("Access denied. Please log in.\n"), "", []string{"a text file, not data (it starts \"Access denied. Please log in.\")"}},
		{"cut-half/t10k-images-idx3-ubyte.gz", imagesGz[:len(imagesGz)/2], "", []string{
			"truncated gzip file: header claims 512x28x28 u8 = 401408 data bytes but the compressed stream ends after", "bytes missing", "interrupted download"}},
		{"cut-trailer/t10k-images-idx3-ubyte.gz", imagesGz[:len(imagesGz)-5], "", []string{"truncated gzip file", "bytes missing"}},
		{"cut-raw/t10k-images-idx3-ubyte", rawImages[:len(rawImages)-100], "", []string{
			"header claims 3x28x28 u8 = 2352 data bytes but file has 2252 after the 16-byte header (100 bytes missing: the file is truncated"}},
		{"long-raw/t10k-images-idx3-ubyte", append(rawImages, 1, 2), "", []string{"(2 bytes more than declared)"}},
		{"labels-as-images/t10k-images-idx3-ubyte.gz", labelsGz, TestImages, []string{
			"want images, but it holds 512 u8: one byte per item, as a labels file does; give the images file"}},
		{"images-as-labels/t10k-labels-idx1-ubyte.gz", imagesGz, TrainLabels, []string{
			"want labels, a 1-D u8 file, but it holds 512x28x28 u8: images or other data, not labels"}},
		{"forged-trailer/huge.gz", forged, "", []string{"header claims 65536x65536 u8 = 4294967296 data bytes, more than the"}},
		{"corrupt-gzip-header/x.gz", []byte("\x1f\x8b\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "",
			[]string{"bad gzip stream", "starts like gzip data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var r *Reader
			var err error
			if tt.role == "" {
				r, err = OpenIDX(p)
			} else {
				r, err = OpenFile(p, tt.role)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				defer r.Close()
				if _, err := readAllItems(r, 64); err != nil {
					t.Fatalf("read: %v", err)
				}
				return
			}
			if err == nil {
				r.Close()
				t.Fatalf("opened, want an error with %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "read "+p+": ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q does not start with the file name or spans lines", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\nlacks %q", msg, w)
				}
			}
		})
	}
}

// TestHugeHeaderAllocs checks that a tiny file whose header claims a huge
// amount of data is rejected before anything is allocated for it.
func TestHugeHeaderAllocs(t *testing.T) {
	forged := gzipBytes(t, idxHeader(F64, 1<<20, 1<<20))
	binary.LittleEndian.PutUint32(forged[len(forged)-4:], 12) // 2^43+12 mod 2^32
	files := map[string][]byte{
		"raw-2^40.idx":      append(idxHeader(U8, 1<<20, 1<<20), 1, 2, 3),
		"raw-2^40-f64.idx":  idxHeader(F64, 1<<10, 1<<10, 1<<10, 1<<10),
		"raw-max.idx":       idxHeader(U8, math.MaxUint32, math.MaxUint32),
		"gzip-2^43.idx.gz":  forged,
		"gzip-plain.idx.gz": gzipBytes(t, idxHeader(F32, 1<<30, 4)),
	}
	for name, b := range files {
		p := writeTemp(t, name, b)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r, err := OpenIDX(p)
		runtime.ReadMemStats(&after)
		if err == nil {
			r.Close()
			t.Errorf("%s: opened", name)
			continue
		}
		// The bufio and gzip buffers, and the bytes read to say what is
		// wrong, are all; nothing in proportion to the claim.
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("%s: %d bytes allocated to reject it (%v)", name, got, err)
		}
		for _, f := range []func(string) error{
			func(p string) error { _, err := ReadLabels(p); return err },
			func(p string) error { _, _, err := ReadAllFloat32(p); return err },
			func(p string) error { r, err := OpenImages(p); closeIf(r); return err },
		} {
			runtime.ReadMemStats(&before)
			err := f(p)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Errorf("%s: read", name)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
				t.Errorf("%s: %d bytes allocated to reject it (%v)", name, got, err)
			}
		}
	}
}

func closeIf(r *Reader) {
	if r != nil {
		r.Close()
	}
}

func TestDescribeContent(t *testing.T) {
	tests := []struct {
		head []byte
		gz   bool
		want string // prefix; "" for unrecognised
	}{
		{[]byte("<!doctype HTML><p>"), false, "an HTML page"},
		{[]byte("<?xml version=\"1.0\"?><Error>AccessDenied</Error>"), true, "a gzip-compressed HTML page"},
		{[]byte("\x1f\x8b\x08\x00"), true, "gzip data inside the gzip file"},
		{[]byte("\x00\x00\x08\x03"), false, ""},
		{[]byte("\x01\x02\x03\x04"), false, ""},
		{[]byte("ab"), false, ""},
		{[]byte("héllo wörld, \xc3"), false, "a text file"}, // a rune cut by the peek
		{[]byte("text\x00with a NUL"), false, ""},
		{[]byte("\x93NUMPY\x01\x00"), false, "a NumPy .npy file"},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0}, false, "zstd-compressed"},
	}
	for _, tt := range tests {
		got := describeContent(tt.head, tt.gz)
		if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
			t.Errorf("describeContent(%q, %v) = %q, want %q...", tt.head, tt.gz, got, tt.want)
		}
	}
}

// TestVerifySaysWhat checks that a file failing its digest check is
// described: an error page, a truncated or corrupt download.
func TestVerifySaysWhat(t *testing.T) {
	labels := readFixture(t, miniLabels)
	f := File{Name: "t10k-labels-idx1-ubyte.gz", SHA256: sha256Hex(labels)}
	corrupt := bytes.Clone(labels)
	corrupt[len(corrupt)/2] ^= 0xff
	tests := []struct {
		name string
		data []byte
		want string // "" for no description
	}{
		{"html", []byte("<html><body>404</body></html>"), "; the file is an HTML page, not data"},
		{"html-gz", gzipBytes(t, []byte("<!DOCTYPE html>")), "; the file is a gzip-compressed HTML page"},
		{"cut", labels[:len(labels)-10], "; the file is a truncated gzip file, probably an interrupted download"},
		{"corrupt", corrupt, "; the file is corrupt gzip data: "},
		{"twice", gzipBytes(t, labels), "; the file is gzip data inside the gzip file"},
		{"other idx", readFixture(t, miniImages), ""},
	}
	for _, tt := range tests {
		p := writeTemp(t, f.Name, tt.data)
		err := Verify(p, f)
		if err == nil {
			t.Errorf("%s: verified", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "sha256 mismatch") || tt.want != "" && !strings.Contains(msg, tt.want) ||
			tt.want == "" && strings.Contains(msg, "the file is") {
			t.Errorf("%s: Verify = %q, want %q", tt.name, msg, tt.want)
		}
	}
}
