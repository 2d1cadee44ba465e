package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifySets checks zoo data verify's checks and text: files that
// fail, files missing from a named data set, an embedded set, an unknown
// name, and the summary lines.
func TestVerifySets(t *testing.T) {
	zooData, _ := isolate(t)
	dir := filepath.Join(zooData, "kmnist")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not kmnist"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v, err := VerifySets(MiniName, "kmnist")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := v.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	images, labels := filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")
	want := "mnist-mini: embedded, nothing to verify\n" +
		"MISSING kmnist train-images-idx3-ubyte.gz\n" +
		"MISSING kmnist train-labels-idx1-ubyte.gz\n" +
		"FAIL    " + images + ": " + Verify(images, v.Files[3].File).Error() + "\n" +
		"FAIL    " + labels + ": " + Verify(labels, v.Files[4].File).Error() + "\n" +
		"delete the failed files and download them again: zoo data fetch kmnist\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant\n%s", b.String(), want)
	}
	if err := v.Err(); err == nil || err.Error() != "4 of 4 data files failed verification" {
		t.Errorf("Err() = %v", err)
	}

	// An unknown name stops the checks; those made before are written
	// without a summary.
	v, err = VerifySets("kmnist", "nope")
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("VerifySets(nope) error %v", err)
	}
	b.Reset()
	if err := v.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n != 4 || strings.Contains(b.String(), "delete the failed files") {
		t.Errorf("text after an error:\n%s", b.String())
	}
}

// TestVerificationText pins the lines of files that pass and the summary
// when nothing was found.
func TestVerificationText(t *testing.T) {
	for _, tc := range []struct {
		v    Verification
		want string
		err  string
	}{
		{Verification{}, "no data set found on the search path; run zoo data fetch NAME\n", ""},
		{Verification{Named: true}, "", ""},
		{Verification{Files: []FileCheck{{Set: "mnist", Path: "/d/mnist/a.gz"}, {Set: "mnist", Path: "/d/mnist/b.gz", Err: errors.New("bad")}}},
			"OK      /d/mnist/a.gz\nFAIL    /d/mnist/b.gz: bad\ndelete the failed files and download them again: zoo data fetch mnist\n",
			"1 of 2 data files failed verification"},
		{Verification{Named: true, Files: []FileCheck{{Set: "mnist", Path: "/d/mnist/a.gz"}, {Set: "mnist", File: File{Name: "b.gz"}}}},
			"OK      /d/mnist/a.gz\nMISSING mnist b.gz\n", "1 of 2 data files failed verification"},
	} {
		var b strings.Builder
		if err := tc.v.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%+v: text %q, want %q", tc.v, b.String(), tc.want)
		}
		if err := tc.v.Err(); (err == nil && tc.err != "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("%+v: Err() = %v, want %q", tc.v, err, tc.err)
		}
	}
}

// TestWriteCatalogue checks zoo data list's table: where each data set is
// found, or how to fetch it.
func TestWriteCatalogue(t *testing.T) {
	zooData, _ := isolate(t)
	dir := filepath.Join(zooData, "kmnist")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCatalogue(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) != len(Catalogue())+2 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasSuffix(lines[0], "  DESCRIPTION") {
		t.Fatalf("table:\n%s", b.String())
	}
	for _, want := range []string{
		"kmnist         10       4      " + dir + " ",
		"mnist-mini     10       2      embedded ",
		"cifar-10       10       1      not found (zoo data fetch cifar-10) ",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
