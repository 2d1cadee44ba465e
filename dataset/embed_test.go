package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// checkMNISTHead checks images and labels that hold the first n MNIST test
// items: their shapes, the value range, the label histogram and the first
// labels of the test set (7, 2, 1, 0, 4).
func checkMNISTHead(t *testing.T, images, labels *Reader, n int) {
	t.Helper()
	if h := images.Header(); h.Type != U8 || h.String() != strconv.Itoa(n)+"x28x28 u8" {
		t.Fatalf("%s: header %v", images.Name(), h)
	}
	if h := labels.Header(); h.Type != U8 || h.String() != strconv.Itoa(n)+" u8" {
		t.Fatalf("%s: header %v", labels.Name(), h)
	}
	buf := make([]float32, 100*784)
	count, dark := 0, 0
	for {
		k, err := images.ReadFloat32(buf)
		for _, v := range buf[:k*784] {
			if v < 0 || v > 1 {
				t.Fatalf("%s: pixel %v outside [0, 1]", images.Name(), v)
			}
			if v == 0 {
				dark++
			}
		}
		count += k
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if count != n {
		t.Errorf("%s: %d images, want %d", images.Name(), count, n)
	}
	// MNIST digits are white strokes on black: most pixels are 0.
	if frac := float64(dark) / float64(n*784); frac < 0.7 || frac > 0.9 {
		t.Errorf("%s: %.2f of pixels are 0, want about 0.8", images.Name(), frac)
	}
	lab := make([]byte, n+10)
	k, err := labels.ReadUint8(lab)
	if err != nil || k != n {
		t.Fatalf("%s: read %d labels, %v", labels.Name(), k, err)
	}
	if k, err := labels.ReadUint8(lab); k != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("%s: after the end: %d, %v", labels.Name(), k, err)
	}
	var hist [10]int
	for _, l := range lab[:n] {
		if l > 9 {
			t.Fatalf("%s: label %d", labels.Name(), l)
		}
		hist[l]++
	}
	sum := 0
	for d, c := range hist {
		if c == 0 {
			t.Errorf("%s: no label %d", labels.Name(), d)
		}
		sum += c
	}
	if sum != n {
		t.Errorf("%s: histogram sums to %d, want %d", labels.Name(), sum, n)
	}
	if got := lab[:5]; string(got) != "\x07\x02\x01\x00\x04" {
		t.Errorf("%s: first labels %v, want [7 2 1 0 4]", labels.Name(), got)
	}
}

func TestFixtureMNIST512(t *testing.T) {
	const dir = "../fixtures/mnist-512"
	images, err := OpenIDX(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer images.Close()
	labels, err := OpenIDX(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer labels.Close()
	checkMNISTHead(t, images, labels, 512)

	l, err := ReadLabels(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil || len(l) != 512 || l[0] != 7 {
		t.Errorf("ReadLabels: %d labels, %v", len(l), err)
	}
	h, px, err := ReadAllFloat32(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil || h.Count() != 512 || len(px) != 512*784 {
		t.Errorf("ReadAllFloat32: %v, %d values, %v", h, len(px), err)
	}
}

func TestMini(t *testing.T) {
	images, src, err := Open(MiniName, TestImages)
	if err != nil {
		t.Fatal(err)
	}
	defer images.Close()
	if want := "embedded:mnist-mini/t10k-images-idx3-ubyte.gz"; src.Path != want || !src.Embedded || images.Name() != want {
		t.Errorf("Source = %+v, name %q, want %q", src, images.Name(), want)
	}
	labels, _, err := Open(MiniName, TestLabels)
	if err != nil {
		t.Fatal(err)
	}
	defer labels.Close()
	checkMNISTHead(t, images, labels, 2000)

	if _, _, err := Open(MiniName, TrainImages); err == nil || !strings.Contains(err.Error(), "no \"train-images\" file") {
		t.Errorf("Open(mini, train-images) = %v", err)
	}
}

// TestMiniDigests checks the embedded files against the catalogue's
// RawSHA256, by writing them out and using Verify.
func TestMiniDigests(t *testing.T) {
	d, _ := Lookup(MiniName)
	for _, f := range d.Files {
		b, err := mini.ReadFile("mini/" + f.Name)
		if err != nil {
			t.Fatal(err)
		}
		p := writeTemp(t, f.Name, b)
		if err := Verify(p, f); err != nil {
			t.Error(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) == f.RawSHA256 {
			t.Errorf("%s: RawSHA256 is the digest of the .gz", f.Name)
		}
	}
}

func TestOpen(t *testing.T) {
	zooData, _ := isolate(t)
	dir := filepath.Join(zooData, "kmnist")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A real file on the search path, under its gunzipped name.
	b, err := os.ReadFile("../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, open := range []func(string, string) (*Reader, Source, error){Open, OpenOrMini} {
		r, src, err := open("kmnist", TestLabels)
		if err != nil || src.Path != p || src.Embedded || r.Header().Count() != 512 {
			t.Errorf("open(kmnist, test-labels) = %+v, %v", src, err)
		} else {
			r.Close()
		}
	}

	// Missing test images: Open fails, OpenOrMini falls back.
	if _, _, err := Open("kmnist", TestImages); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(missing) = %v, want ErrNotFound", err)
	}
	r, src, err := OpenOrMini("kmnist", TestImages)
	if err != nil || !src.Embedded || !strings.HasPrefix(src.Path, "embedded:mnist-mini/") || r.Header().Count() != 2000 {
		t.Errorf("OpenOrMini(kmnist, test-images) = %+v, %v", src, err)
	} else {
		r.Close()
	}

	// No fallback for train roles, nor for malformed files, nor for
	// unknown data sets.
	if err := os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), []byte("<html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, role, want string }{
		{"kmnist", TrainImages, "the embedded mnist-mini set has no train-images"},
		{"kmnist", TrainLabels, "magic is 3c68746d"},
		{"cifar", TestImages, "unknown dataset"},
	}
	for _, tt := range tests {
		if _, _, err := OpenOrMini(tt.name, tt.role); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenOrMini(%s, %s) = %v, want %q", tt.name, tt.role, err, tt.want)
		}
	}
}
