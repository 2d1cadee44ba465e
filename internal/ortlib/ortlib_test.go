package ortlib_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zoo-ml/zoo/internal/ortlib"
	"github.com/zoo-ml/zoo/internal/testenv"
)

// TestCheck reads the installed onnxruntime library, and damaged copies of
// it: each damage is a *DamagedError naming the file and what is wrong,
// found without loading it.
func TestCheck(t *testing.T) {
	testenv.NeedORT(t)
	lib, err := ortlib.Path()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ortlib.Check(lib); err != nil || v != ortlib.Version {
		t.Fatalf("Check(%s) = %q, %v; want version %s", lib, v, err, ortlib.Version)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	renamed := bytesReplace(b, []byte("OrtGetApiBase"), []byte("OrtGetApiBasX"))
	older := bytesReplace(b, []byte("VERS_1.24.1"), []byte("VERS_1.16.1"))
	fifo := filepath.Join(dir, "fifo.so")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"truncated to half", write("half.so", b[:len(b)/2]), "a truncated or corrupt file"},
		{"last byte missing", write("cut.so", b[:len(b)-1]), "truncated or corrupt"},
		{"truncated to the header", write("head.so", b[:64]), "truncated or corrupt"},
		{"empty", write("empty.so", nil), "not an ELF file"},
		{"text", write("text.so", []byte("<html>not found</html>")), `not an ELF file (it starts "<htm")`},
		{"no OrtGetApiBase", write("renamed.so", renamed), "it does not export OrtGetApiBase"},
		{"older release", write("older.so", older), "release 1.16.1, older than the 1.24.1"},
		{"a named pipe", fifo, "a named pipe (FIFO), not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ortlib.Check(tc.path)
			var de *ortlib.DamagedError
			if !errors.As(err, &de) || de.Path != tc.path || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a *DamagedError saying %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "onnxruntime library "+tc.path+" is damaged or not onnxruntime") {
				t.Errorf("message %q", err)
			}
		})
	}
}

// bytesReplace returns b with every from replaced by to (of the same
// length).
func bytesReplace(b, from, to []byte) []byte {
	return []byte(strings.ReplaceAll(string(b), string(from), string(to)))
}
