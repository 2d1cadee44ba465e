package fileguard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRegular(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	if err := os.WriteFile(p("file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p("fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p("fifo"), p("link-to-fifo")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p("file"), p("link-to-file")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		dirOK      bool
		want       string // "" for no error
	}{
		{"file", p("file"), false, ""},
		{"link to a file", p("link-to-file"), false, ""},
		{"fifo", p("fifo"), false, "fifo is a named pipe (FIFO), not a regular file"},
		{"link to a fifo", p("link-to-fifo"), true, "link-to-fifo is a named pipe (FIFO), not a regular file"},
		{"device", "/dev/null", false, "/dev/null is a device, not a regular file"},
		{"folder", dir, false, "is a folder, not a regular file"},
		{"folder allowed", dir, true, ""},
		{"missing", p("none"), false, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.dirOK {
				_, err = RegularOrDir(tc.path)
			} else {
				_, err = Regular(tc.path)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var nr *NotRegularError
			if strings.Contains(tc.want, "not a regular file") && !errors.As(err, &nr) {
				t.Errorf("%T is not a *NotRegularError", err)
			}
		})
	}
}

func TestDistinct(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, f := range []string{"in.idx", "other.idx"} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link("in.idx", "hard.idx"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("in.idx", "soft.idx"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("sub", 0o755); err != nil {
		t.Fatal(err)
	}
	in := []File{{"data", "in.idx"}, {"labels", ""}}
	for _, tc := range []struct {
		name string
		outs []File
		want string // "" for no error
	}{
		{"new files", []File{{"--out", "a.idx"}, {"--probs", "b.idx"}}, ""},
		{"existing other file", []File{{"--out", "other.idx"}}, ""},
		{"empty paths", []File{{"--out", ""}, {"--probs", ""}}, ""},
		{"the input", []File{{"--out", "in.idx"}}, "--out in.idx is the same file as data in.idx: an output must not replace an input"},
		{"the input by its absolute path", []File{{"--out", filepath.Join(dir, "in.idx")}}, "is the same file as data in.idx"},
		{"the input through a folder", []File{{"--out", "sub/../in.idx"}}, "is the same file as data in.idx"},
		{"a hard link to the input", []File{{"--out", "hard.idx"}}, "--out hard.idx is the same file as data in.idx"},
		{"a symbolic link to the input", []File{{"--out", "soft.idx"}}, "--out soft.idx is the same file as data in.idx"},
		{"two outputs, one new file", []File{{"--out", "a.idx"}, {"--json", "./a.idx"}}, "--out a.idx and --json ./a.idx are the same file"},
		{"two outputs, one new file through a folder", []File{{"--out", "sub/x"}, {"--probs", filepath.Join(dir, "sub", "x")}}, "are the same file"},
		{"two outputs, one existing file", []File{{"--out", "other.idx"}, {"--probs", "other.idx"}}, "are the same file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Distinct(tc.outs, in)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var se *SameFileError
			if tc.want != "" && !errors.As(err, &se) {
				t.Errorf("%T is not a *SameFileError", err)
			}
		})
	}
}
