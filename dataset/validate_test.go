package dataset

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheckContent(t *testing.T) {
	h := func(typ ElemType, dims ...int) Header { return Header{Type: typ, Dims: dims} }
	for _, tc := range []struct {
		name string
		h    Header
		c    Content
		want string // "" for no error
	}{
		{"u8 images", h(U8, 2, 28, 28), ContentImages, ""},
		{"f32 images", h(F32, 2, 784), ContentImages, ""},
		{"f64 images", h(F64, 2, 3, 32, 32), ContentImages, ""},
		{"i8 images", h(I8, 2, 28, 28), ContentImages, "d.idx holds i8 values; images are u8 (0 to 255, scaled to [0, 1]), f32 or f64"},
		{"i16 images", h(I16, 2, 28, 28), ContentImages, "d.idx holds i16 values"},
		{"i32 images", h(I32, 2, 28, 28), ContentImages, "d.idx holds i32 values"},
		{"f32 codes", h(F32, 4, 2), ContentCodes, ""},
		{"f64 codes", h(F64, 4), ContentCodes, ""},
		{"u8 codes", h(U8, 4, 2), ContentCodes, "d.idx holds u8 values; codes are f32 or f64"},
		{"i32 codes", h(I32, 4, 2), ContentCodes, "d.idx holds i32 values; codes are f32 or f64"},
		{"u8 labels", h(U8, 10), ContentLabels, ""},
		{"i8 labels", h(I8, 10), ContentLabels, "d.idx holds 10 i8; labels are a one-dimensional u8 file"},
		{"2-D labels", h(U8, 10, 1), ContentLabels, "d.idx holds 10x1 u8; labels are a one-dimensional u8 file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckContent("d.idx", tc.h, tc.c)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var ce *ContentError
			if tc.want != "" && !errors.As(err, &ce) {
				t.Errorf("%T is not a *ContentError", err)
			}
			if got := tc.c.Accepts(tc.h.Type); got != slices.Contains(tc.c.Types(), tc.h.Type) {
				t.Errorf("Accepts(%v) = %v, disagrees with Types %v", tc.h.Type, got, tc.c.Types())
			}
		})
	}
}

// TestOpenRefusesTypes opens images of types the rule refuses, and a u8
// file whose type byte was flipped to i8, through every way a command opens
// images: each refuses them naming the file; OpenIDX, which reads any IDX
// file, opens them.
func TestOpenRefusesTypes(t *testing.T) {
	zooData, _ := isolate(t)
	good := encode(U8, []uint32{2, 28, 28}, make([]float64, 2*784))
	flipped := slices.Clone(good)
	flipped[2] = byte(I8)
	files := map[string][]byte{
		"flipped.idx": flipped,
		"i16.idx":     encode(I16, []uint32{2, 28, 28}, make([]float64, 2*784)),
		"i32.idx.gz":  gzipBytes(t, encode(I32, []uint32{2, 28, 28}, make([]float64, 2*784))),
	}
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A data set whose test images were replaced by the flipped file.
	mkdirWrite(t, filepath.Join(zooData, "kmnist", "t10k-images-idx3-ubyte"), flipped)
	refRead := func(p string) (*Reader, error) {
		ref, err := Resolve(p, TestImages)
		if err != nil {
			return nil, err
		}
		return ref.Open()
	}
	opens := map[string]func(string) (*Reader, error){
		"Ref.Open":   refRead,
		"OpenImages": OpenImages,
		"OpenFile":   func(p string) (*Reader, error) { return OpenFile(p, TrainImages) },
		"Ref.ReadLabelled": func(p string) (*Reader, error) {
			ref, err := Resolve(p, TestImages)
			if err != nil {
				return nil, err
			}
			_, err = ref.ReadLabelled("", 0, nil)
			return nil, err
		},
	}
	for name := range files {
		p := filepath.Join(dir, name)
		typ := ElemType(files[name][2])
		if strings.HasSuffix(name, ".gz") {
			typ = I32
		}
		for how, open := range opens {
			t.Run(how+"/"+name, func(t *testing.T) {
				r, err := open(p)
				var ce *ContentError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), p+" holds "+typ.String()+" values") {
					t.Fatalf("got %v, want a *ContentError naming %s", err, p)
				}
				if r != nil {
					t.Error("a Reader came with the error")
				}
			})
		}
		r, err := OpenIDX(p)
		if err != nil {
			t.Errorf("OpenIDX(%s): %v", name, err)
		} else {
			r.Close()
		}
	}
	for _, open := range []func(string, string) (*Reader, Source, error){Open, OpenOrMini} {
		if _, _, err := open("kmnist", TestImages); err == nil || !strings.Contains(err.Error(), "t10k-images-idx3-ubyte holds i8 values") {
			t.Errorf("a data set's flipped file: %v", err)
		}
	}
}

// TestNonFinite reads float files holding NaN or ±Inf: the Reader stops at
// the first with a *NonFiniteError naming the file, the example (counted in
// the file, after a Range too) and the value within it; AllowNonFinite
// reads every value. (These were the cases of infer's CheckFinite, which
// the Reader's check replaces.)
func TestNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name         string
		x            []float64 // examples of 3 values
		first        int       // Range start, in examples
		index, value int       // index -1: no error
		f64Only      bool
	}{
		{"finite", []float64{0, 1, -1, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}, 0, -1, 0, false},
		{"nan", []float64{0, 1, 2, 3, nan, 5}, 0, 1, 1, false},
		{"+inf", []float64{inf, 1, 2, 3, 4, 5}, 0, 0, 0, false},
		{"-inf after a range start", append(make([]float64, 30), 0, 1, 2, 3, 4, -inf), 10, 11, 2, false},
		{"first of several", []float64{0, nan, 2, inf, 4, 5}, 0, 0, 1, false},
		{"f64 beyond float32", []float64{1, 2, 3, 4, 1e300, 6}, 0, 1, 1, true},
	} {
		for _, typ := range []ElemType{F32, F64} {
			if tc.f64Only && typ == F32 {
				continue // 1e300 is +Inf in an f32 file, the case +inf
			}
			for _, gz := range []bool{false, true} {
				b := encode(typ, []uint32{uint32(len(tc.x) / 3), 3}, tc.x)
				name := "x.idx"
				if gz {
					b, name = gzipBytes(t, b), "x.idx.gz"
				}
				p := writeTemp(t, name, b)
				t.Run(tc.name+"/"+typ.String()+"/"+name, func(t *testing.T) {
					for _, allow := range []bool{false, true} {
						r, err := OpenIDX(p)
						if err != nil {
							t.Fatal(err)
						}
						if allow {
							r.AllowNonFinite()
						}
						if err := r.Range(tc.first, r.Header().Count()); err != nil {
							t.Fatal(err)
						}
						got, err := readAllItems(r, 1)
						r.Close()
						var nf *NonFiniteError
						switch {
						case allow || tc.index < 0:
							if err != nil || len(got) != len(tc.x)-3*tc.first {
								t.Fatalf("allow %v: %d values, %v", allow, len(got), err)
							}
						case !errors.As(err, &nf):
							t.Fatalf("got %v, want a *NonFiniteError", err)
						case nf.File != p || nf.Index != tc.index || nf.Value != tc.value:
							t.Fatalf("got %+v, want example %d value %d of %s", nf, tc.index, tc.value, p)
						case !strings.Contains(err.Error(), p+": example ") || !strings.Contains(err.Error(), "(value "):
							t.Errorf("message %q", err)
						case len(got) != 3*(tc.index-tc.first):
							t.Errorf("%d values before the error, want the %d examples before it", len(got), tc.index-tc.first)
						}
					}
				})
			}
		}
	}
}

// TestMultiMemberGzip reads IDX data compressed as several gzip members,
// as `cat a.gz b.gz` makes: whole, cut inside the header or inside an item,
// it reads as the single-member file does; several members whose content
// is short or long are refused as a single member is.
func TestMultiMemberGzip(t *testing.T) {
	vals := make([]float64, 5*4*4)
	for i := range vals {
		vals[i] = float64(i % 256)
	}
	raw := encode(U8, []uint32{5, 4, 4}, vals)
	want, err := readAllItems(mustReader(t, raw), 2)
	if err != nil {
		t.Fatal(err)
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, gzipBytes(t, p)...)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		data []byte
		err  string // "" to read as the single member does
	}{
		{"one member", cat(raw), ""},
		{"cut in the header", cat(raw[:6], raw[6:]), ""},
		{"cut in an item", cat(raw[:16+37], raw[16+37:]), ""},
		{"three members", cat(raw[:16], raw[16:40], raw[40:]), ""},
		{"an empty member", cat(raw[:30], nil, raw[30:]), ""},
		{"content short", cat(raw[:30], raw[30:len(raw)-16]), "bytes missing"},
		{"content long", cat(raw[:30], raw[30:], []byte{1, 2, 3}), "holds more"},
		{"second member cut", cat(raw[:30], raw[30:])[:len(cat(raw[:30], raw[30:]))-9], "truncated gzip file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, "x.idx.gz", tc.data)
			r, err := OpenIDX(p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAllItems(r, 2)
			r.Close()
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("read %d values, %v; want the %d of the single member", len(got), err, len(want))
			}
		})
	}
}

// mustReader returns a Reader of the IDX bytes b.
func mustReader(t *testing.T, b []byte) *Reader {
	t.Helper()
	r, err := NewReader(strings.NewReader(string(b)), "mem")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNotRegular gives a named pipe, a device and a socket-like special
// file as data to every reader: each refuses it at once, naming it, instead
// of waiting for a writer that never comes.
func TestNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.idx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(string) error{
		"OpenIDX":    func(p string) error { _, err := OpenIDX(p); return err },
		"OpenImages": func(p string) error { _, err := OpenImages(p); return err },
		"OpenFile":   func(p string) error { _, err := OpenFile(p, TestLabels); return err },
		"OpenCIFAR":  func(p string) error { _, err := OpenCIFAR(p, TestImages); return err },
		"ReadLabels": func(p string) error { _, err := ReadLabels(p); return err },
		"FileSHA256": func(p string) error { _, err := FileSHA256(p); return err },
		"Verify":     func(p string) error { return Verify(p, File{Name: "x", SHA256: "00"}) },
		"ReadAll":    func(p string) error { _, _, err := ReadAllFloat32(p); return err },
		"Ref.Open": func(p string) error {
			ref, err := Resolve(p, TestImages)
			if err == nil {
				_, err = ref.Open()
			}
			return err
		},
		"Ref.OpenLab": func(p string) error { ref, _ := Resolve(p, TestImages); _, err := ref.OpenLabels(p, nil); return err },
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		for name, call := range calls {
			t.Run(name+"/"+filepath.Base(p), func(t *testing.T) {
				done := make(chan error, 1)
				go func() { done <- call(p) }()
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), p+" is a ") || !strings.Contains(err.Error(), "not a regular file") {
						t.Fatalf("got %v, want a refusal naming %s", err, p)
					}
				case <-time.After(10 * time.Second):
					// Unblock the reader so that the test can end.
					if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
						f.Close()
					}
					t.Fatal("blocked on the file")
				}
			})
		}
	}
}

// TestIsPath: a name of the catalogue is the data set, even with a file or
// folder of that name in the working directory (./NAME is the file); other
// names are files when they exist or hold a separator.
func TestIsPath(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, p := range []string{"fashion-mnist", "mnist:test", "train.idx"} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		arg  string
		path bool
	}{
		{"fashion-mnist", false},
		{"fashion-mnist:train", false},
		{"mnist:test", false},
		{"./fashion-mnist", true},
		{"train.idx", true},
		{"missing.idx", false},
		{"sub/missing.idx", true},
		{"unknown-set", false},
	} {
		if got := IsPath(tc.arg); got != tc.path {
			t.Errorf("IsPath(%q) = %v, want %v", tc.arg, got, tc.path)
		}
	}
	ref, err := Resolve("fashion-mnist", TestImages)
	if err != nil || ref.IsFile() || ref.Set != "fashion-mnist" {
		t.Errorf("Resolve(fashion-mnist) with ./fashion-mnist/ present = %+v, %v; want the data set", ref, err)
	}
	if ref, err := Resolve("./fashion-mnist", TestImages); err != nil || !ref.IsFile() {
		t.Errorf("Resolve(./fashion-mnist) = %+v, %v; want the folder", ref, err)
	}
}

// TestLocateLabels: a data set's labels come from the folder of its
// images. Labels found only in another folder of the search path are taken
// when both files are the catalogue's, and refused otherwise, as in the
// case of test images in ZOO_DATA (reordered) whose labels were found in
// the cache: scored against them, they gave 10% accuracy.
func TestLocateLabels(t *testing.T) {
	zooData, cache := isolate(t)
	images := encode(U8, []uint32{3, 2, 2}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	reordered := encode(U8, []uint32{3, 2, 2}, []float64{9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8})
	labels := encode(U8, []uint32{3}, []float64{0, 1, 2})
	d := Dataset{Name: "pairs", Files: []File{
		{Role: TestImages, Name: "t10k-images-idx3-ubyte", SHA256: sha256Hex(images)},
		{Role: TestLabels, Name: "t10k-labels-idx1-ubyte", SHA256: sha256Hex(labels)},
	}}
	at := func(dir, name string) string { return filepath.Join(dir, "pairs", name) }
	for _, tc := range []struct {
		name   string
		files  map[string][]byte // path -> content
		images string
		labels string // "" for an error
		err    string
	}{
		{"one folder", map[string][]byte{at(zooData, "t10k-images-idx3-ubyte"): reordered, at(zooData, "t10k-labels-idx1-ubyte"): labels},
			at(zooData, "t10k-images-idx3-ubyte"), at(zooData, "t10k-labels-idx1-ubyte"), ""},
		{"labels beside the images, not the first found", map[string][]byte{
			at(zooData, "t10k-labels-idx1-ubyte"): labels,
			at(cache, "t10k-images-idx3-ubyte"):   images, at(cache, "t10k-labels-idx1-ubyte"): labels},
			at(cache, "t10k-images-idx3-ubyte"), at(cache, "t10k-labels-idx1-ubyte"), ""},
		{"the published pair in two folders", map[string][]byte{at(zooData, "t10k-images-idx3-ubyte"): images, at(cache, "t10k-labels-idx1-ubyte"): labels},
			at(zooData, "t10k-images-idx3-ubyte"), at(cache, "t10k-labels-idx1-ubyte"), ""},
		{"reordered images, labels elsewhere", map[string][]byte{at(zooData, "t10k-images-idx3-ubyte"): reordered, at(cache, "t10k-labels-idx1-ubyte"): labels},
			"", "", "are in different folders of the search path, and they are not both the catalogue's files"},
		{"labels nowhere", map[string][]byte{at(zooData, "t10k-images-idx3-ubyte"): images}, "", "", "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, dir := range []string{zooData, cache} {
				os.RemoveAll(filepath.Join(dir, "pairs"))
			}
			for p, b := range tc.files {
				mkdirWrite(t, p, b)
			}
			im, lb, err := locateLabels(d, TestImages)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %q, %q, %v; want %q", im, lb, err, tc.err)
				}
				return
			}
			if err != nil || im != tc.images || lb != tc.labels {
				t.Fatalf("got %q, %q, %v; want %q, %q", im, lb, err, tc.images, tc.labels)
			}
		})
	}
}
