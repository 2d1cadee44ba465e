package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")

	f, err := Create(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("destination visible before commit: %v", err)
	}
	f.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("abort left %d files", len(ents))
	}

	if err := WriteFile(p, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), false); !errors.Is(err, ErrExists) {
		t.Fatalf("overwrite without force: got %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Fatalf("file changed to %q without force", b)
	}
	if err := WriteFile(p, []byte("two"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two" {
		t.Fatalf("forced write gave %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files left, want 1", len(ents))
	}
}

func TestCommitRechecksDestination(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x")
	f, err := Create(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("someone else"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); !errors.Is(err, ErrExists) {
		t.Fatalf("commit over a file made meanwhile: got %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "someone else" {
		t.Fatalf("file replaced: %q", b)
	}
}

// TestWriteAll checks that WriteAll writes every file, and that an
// existing one stops it before any is renamed into place.
func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"a": []byte("A"), "b": []byte("B"), "c": []byte("C")}
	if err := WriteAll(dir, files, false); !errors.Is(err, ErrExists) {
		t.Fatalf("over an existing file: got %v, want ErrExists", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("a failed WriteAll left %d files, want the 1 there before", len(ents))
	}
	if err := WriteAll(dir, files, true); err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != string(want) {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Errorf("%d files left, want 3", len(ents))
	}
}

// TestRemovePending: the temporary files not yet committed or aborted are
// tracked, and RemovePending removes them (and tracked folders), leaving
// the committed file and the destinations as they were.
func TestRemovePending(t *testing.T) {
	dir := t.TempDir()
	done, err := Create(filepath.Join(dir, "done.txt"), false)
	if err != nil {
		t.Fatal(err)
	}
	open, err := Create(filepath.Join(dir, "open.txt"), false)
	if err != nil {
		t.Fatal(err)
	}
	aborted, err := Create(filepath.Join(dir, "aborted.txt"), false)
	if err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(dir, "scratch")
	if err := os.MkdirAll(filepath.Join(scratch, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	Track(scratch)
	if err := done.Commit(); err != nil {
		t.Fatal(err)
	}
	aborted.Abort()
	want := []string{open.Name(), scratch}
	slices.Sort(want)
	if got := Pending(); !slices.Equal(got, want) {
		t.Fatalf("pending %v, want %v", got, want)
	}
	RemovePending()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "done.txt" || len(Pending()) != 0 {
		t.Errorf("left %v, pending %v; want done.txt only", ents, Pending())
	}
	open.Abort() // after RemovePending: nothing to do, no panic
}
