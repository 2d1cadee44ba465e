// Command mkbad writes the malformed IDX files of fixtures/bad, which the
// dataset tests use to check the error messages:
//
//	go run ./dataset/internal/mkbad -out fixtures/bad
//
// The files are synthetic (a deterministic 28x28 pattern, no real data) and
// the gzip ones have no name and no modification time in their header, so
// the output is the same on every run with a given Go release.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: mkbad -out DIR")
		os.Exit(2)
	}
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mkbad:", err)
		os.Exit(1)
	}
}

// header encodes an IDX header.
func header(t byte, dims ...uint32) []byte {
	b := []byte{0, 0, t, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

// images returns n 28x28 u8 images of a smooth deterministic pattern, which
// deflate compresses with Huffman-coded blocks.
func images(n int) []byte {
	b := make([]byte, n*28*28)
	for i := range b {
		img, y, x := i/784, i/28%28, i%28
		v := math.Sin(float64(x+img)/4) * math.Cos(float64(y)/5)
		if v > 0.2 {
			b[i] = byte(255 * v)
		}
	}
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(b); err != nil { // a bytes.Buffer does not fail
		panic(err)
	}
	w.Close()
	return buf.Bytes()
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func run(out string) error {
	full := cat(header(0x08, 10, 28, 28), images(10))
	corrupt := gz(full)
	// Flip bits in the middle of the deflate data, well after the IDX
	// header and before the 8-byte trailer, which stays intact.
	for i := len(corrupt) / 2; i < len(corrupt)/2+8; i++ {
		corrupt[i] ^= 0x5a
	}
	f32 := header(0x0D, 5)
	for _, v := range []float32{0, 0.5, 1, -1, 3.25} {
		f32 = binary.BigEndian.AppendUint32(f32, math.Float32bits(v))
	}
	html := []byte("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n" +
		"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n")
	files := []struct {
		name string
		data []byte
	}{
		// Raw: header says 10 images, 1234 data bytes follow instead of 7840.
		{"truncated.idx", cat(header(0x08, 10, 28, 28), images(10)[:1234])},
		// A valid gzip file of 10 images cut to half its length.
		{"truncated.idx.gz", gz(full)[:len(gz(full))/2]},
		// A complete gzip stream whose content stops after 1234 data bytes.
		{"short-content.idx.gz", gz(cat(header(0x08, 10, 28, 28), images(10)[:1234]))},
		// Magic number 01 02 03 04.
		{"wrong-magic.idx", cat([]byte{1, 2, 3, 4}, images(1))},
		// Header claims 60000 images, one follows.
		{"dims-exceed.idx", cat(header(0x08, 60000, 28, 28), images(1))},
		// Eight dimensions of 2^32-1: the element count overflows int64.
		{"overflow.idx", header(0x08, math.MaxUint32, math.MaxUint32, math.MaxUint32, math.MaxUint32,
			math.MaxUint32, math.MaxUint32, math.MaxUint32, math.MaxUint32)},
		// 10 images, gzip with 8 bytes of the compressed body flipped.
		{"corrupt-body.idx.gz", corrupt},
		{"empty.idx", nil},
		// A valid 1-D f32 file of 5 values; not labels.
		{"float1d.idx", f32},
		// An HTML error page saved under a .gz name.
		{"html.gz", html},
		// A valid IDX file gzip-compressed twice.
		{"gzip-in-gzip.idx.gz", gz(gz(full))},
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(out, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
