// Command mkmini writes the first N items of the MNIST test images and labels
// as gzip-compressed IDX files. It makes the embedded mnist-mini set and the
// fixtures/mnist-512 test files:
//
//	cd dataset && go run ./internal/mkmini -src ../../shared/data/mnist -n 2000 -out mini
//	go run ./dataset/internal/mkmini -src ../shared/data/mnist -n 512 -out fixtures/mnist-512
//
// The output is deterministic for a given Go release: the gzip header has no
// name and no modification time. mkmini uses only the standard library, so
// that it builds even when the embedded files it makes are missing. It
// prints the SHA-256 digest of each file's decompressed content, which the
// catalogue records for mnist-mini.
package main

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	src := flag.String("src", "", "directory holding t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz")
	n := flag.Int("n", 2000, "number of items to keep")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *src == "" || *out == "" || *n <= 0 {
		fmt.Fprintln(os.Stderr, "usage: mkmini -src DIR -n N -out DIR")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mkmini:", err)
		os.Exit(1)
	}
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		sum, err := head(filepath.Join(*src, name), filepath.Join(*out, name), *n)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkmini:", err)
			os.Exit(1)
		}
		fmt.Printf("%s  content sha256 %x\n", filepath.Join(*out, name), sum)
	}
}

// head copies the first n items of the gzip IDX file src to a new gzip IDX
// file dst and returns the SHA-256 of the content written.
func head(src, dst string, n int) ([]byte, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	zr, err := gzip.NewReader(bufio.NewReader(in))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	var magic [4]byte
	if _, err := io.ReadFull(zr, magic[:]); err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	if magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] < 1 || magic[3] > 8 {
		return nil, fmt.Errorf("read %s: not a u8 IDX file (magic % x)", src, magic)
	}
	dims := make([]byte, 4*int(magic[3]))
	if _, err := io.ReadFull(zr, dims); err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	count := int(binary.BigEndian.Uint32(dims))
	if n > count {
		return nil, fmt.Errorf("read %s: has %d items, want %d", src, count, n)
	}
	itemLen := 1
	for i := 1; i < int(magic[3]); i++ {
		itemLen *= int(binary.BigEndian.Uint32(dims[4*i:]))
	}
	binary.BigEndian.PutUint32(dims, uint32(n))

	f, err := os.Create(dst)
	if err != nil {
		return nil, err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return nil, err
	}
	h := sha256.New()
	w := io.MultiWriter(zw, h)
	if _, err := w.Write(append(magic[:], dims...)); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if _, err := io.CopyN(w, zr, int64(n*itemLen)); err != nil {
		f.Close()
		return nil, fmt.Errorf("copy %s: %w", src, err)
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", dst, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", dst, err)
	}
	return h.Sum(nil), nil
}
