package dataset

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTable reads items of a Table at random positions, for each form of
// data (raw in place, gzip and CIFAR-10 copied, after a Range too): they
// are the items a Reader reads in order, and a copy leaves no file in its
// folder.
func TestTable(t *testing.T) {
	const n = 37
	u8 := make([]float64, n*6)
	f64 := make([]float64, n*6)
	for i := range u8 {
		u8[i] = float64(i * 7 % 256)
		f64[i] = float64(i)/3 - 20
	}
	dir := t.TempDir()
	forms := map[string]string{
		"u8 raw":  filepath.Join(dir, "u8.idx"),
		"u8 gzip": filepath.Join(dir, "u8.idx.gz"),
		"f64 raw": filepath.Join(dir, "f64.idx"),
		"f32 gz":  filepath.Join(dir, "f32.idx.gz"),
		"cifar":   writeCIFARDir(t, t.TempDir(), []int{3, 2, 4, 1, 2, 5}),
	}
	mustWrite := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(forms["u8 raw"], encode(U8, []uint32{n, 2, 3}, u8))
	mustWrite(forms["u8 gzip"], gzipBytes(t, encode(U8, []uint32{n, 2, 3}, u8)))
	mustWrite(forms["f64 raw"], encode(F64, []uint32{n, 6}, f64))
	mustWrite(forms["f32 gz"], gzipBytes(t, encode(F32, []uint32{n, 6}, f64)))
	open := func(name string) *Reader {
		t.Helper()
		var r *Reader
		var err error
		if name == "cifar" {
			r, err = OpenCIFAR(forms[name], TrainImages)
		} else {
			r, err = OpenIDX(forms[name])
		}
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for name := range forms {
		for _, skip := range []int{0, 3} {
			t.Run(name+"/skip "+string(rune('0'+skip)), func(t *testing.T) {
				r := open(name)
				want, err := readAllItems(r, 4)
				r.Close()
				if err != nil {
					t.Fatal(err)
				}
				r = open(name)
				total := r.Remaining()
				if err := r.Range(skip, total); err != nil {
					t.Fatal(err)
				}
				copies := t.TempDir()
				tb, err := NewTable(r, 0, copies)
				if err != nil {
					t.Fatal(err)
				}
				defer tb.Close()
				il := tb.ItemLen()
				if tb.Len() != total-skip || il*total != len(want) || tb.InPlace() != strings.HasSuffix(name, "raw") {
					t.Fatalf("%d items of %d values, in place %v", tb.Len(), il, tb.InPlace())
				}
				if left, _ := os.ReadDir(copies); len(left) != 0 {
					t.Errorf("the copy is visible: %v", left)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				for range 50 {
					lo := rng.IntN(tb.Len())
					k := 1 + rng.IntN(tb.Len()-lo)
					got := make([]float32, k*il)
					if m, err := tb.ReadFloat32(got, lo); err != nil || m != k {
						t.Fatalf("ReadFloat32(%d items at %d) = %d, %v", k, lo, m, err)
					}
					if w := want[(skip+lo)*il : (skip+lo+k)*il]; !slices.Equal(got, w) {
						t.Fatalf("items %d to %d differ", lo, lo+k-1)
					}
				}
				if _, err := tb.ReadFloat32(make([]float32, il), tb.Len()); err == nil {
					t.Error("read past the end")
				}
			})
		}
	}
}

// TestTableLimit: a Table of the first n items reads no further.
func TestTableLimit(t *testing.T) {
	p := writeTemp(t, "x.idx.gz", gzipBytes(t, encode(U8, []uint32{10, 2}, make([]float64, 20))))
	r, err := OpenIDX(p)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := NewTable(r, 4, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if tb.Len() != 4 {
		t.Errorf("%d items, want 4", tb.Len())
	}
}

// TestTableNonFinite: a Table checks every float item before it returns,
// in place or copied, and names the example in the file.
func TestTableNonFinite(t *testing.T) {
	x := make([]float64, 12*2)
	x[9*2+1] = math.NaN()
	for _, name := range []string{"x.idx", "x.idx.gz"} {
		b := encode(F32, []uint32{12, 2}, x)
		if strings.HasSuffix(name, ".gz") {
			b = gzipBytes(t, b)
		}
		p := writeTemp(t, name, b)
		r, err := OpenIDX(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Range(2, 12); err != nil {
			t.Fatal(err)
		}
		_, err = NewTable(r, 0, "")
		var nf *NonFiniteError
		if !errors.As(err, &nf) || nf.Index != 9 || nf.Value != 1 || nf.File != p {
			t.Errorf("%s: got %v, want example 9 value 1", name, err)
		}
	}
}

// TestDigestItems: the digest of the first n items is that of the raw
// file's first bytes, the same for the gzip-compressed file, and reads no
// further (a file cut after them digests the same).
func TestDigestItems(t *testing.T) {
	vals := make([]float64, 10*6)
	for i := range vals {
		vals[i] = float64(i)
	}
	raw := encode(F32, []uint32{10, 6}, vals)
	for _, n := range []int{0, 3, 10} {
		want := sha256Hex(raw[:12+n*6*4])
		if n == 10 {
			want = sha256Hex(raw)
		}
		for name, data := range map[string][]byte{"raw": raw, "gzip": gzipBytes(t, raw)} {
			r, err := NewReader(strings.NewReader(string(data)), name)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := r.DigestItems(n); err != nil || got != want {
				t.Errorf("%s, %d items: %s, %v; want %s", name, n, got, err, want)
			}
		}
		if n < 10 {
			cut := slices.Clone(raw[:12+n*6*4+5]) // a stream cut after them
			r, err := NewReader(strings.NewReader(string(cut)), "cut")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := r.DigestItems(n); err != nil || got != want {
				t.Errorf("cut after %d items: %s, %v", n, got, err)
			}
		}
	}
	r, _ := NewReader(strings.NewReader(string(raw[:40])), "short")
	if _, err := r.DigestItems(5); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("a short stream: %v", err)
	}
}
