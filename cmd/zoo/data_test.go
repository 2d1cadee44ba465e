package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataFileMessages checks what zoo data verify and zoo data fetch say
// about data files that are not what they should be.
func TestDataFileMessages(t *testing.T) {
	html := "<!DOCTYPE html>\n<html><body>Too many requests</body></html>\n"
	labels, err := os.ReadFile("../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	env := []string{"ZOO_DATA=" + data, "HOME=" + t.TempDir()}
	dir := filepath.Join(data, "mnist")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"train-images-idx3-ubyte.gz": html,
		"t10k-labels-idx1-ubyte.gz":  string(labels[:len(labels)/2]),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := run(t, env, "data", "verify", "mnist")
	for _, want := range []string{
		"FAIL    " + filepath.Join(dir, "train-images-idx3-ubyte.gz") + ": verify ",
		"the file is an HTML page, not data",
		"FAIL    " + filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"),
		"the file is a truncated gzip file, probably an interrupted download",
		"MISSING mnist train-labels-idx1-ubyte.gz",
		"download them again: zoo data fetch mnist",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("data verify: stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code == 0 || !strings.Contains(r.stderr, "4 of 4 data files failed verification") {
		t.Errorf("data verify: exit %d, stderr %q", r.code, r.stderr)
	}

	// A mirror that answers with an error page: nothing is kept and the
	// error names the URL and says what it sent.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := w.Write([]byte(html)); err != nil {
			t.Fatal(err)
		}
	}))
	defer srv.Close()
	out := t.TempDir()
	r = run(t, env, "data", "fetch", "--dir", out, "--mirror", srv.URL+"/mnist/", "mnist")
	for _, want := range []string{
		srv.URL + "/mnist/train-images-idx3-ubyte.gz: ",
		"bad data, deleted: served 60 bytes, want 9912422; sha256 mismatch: ",
		"; the file is an HTML page, not data: probably an error or login page that a web server sent instead of the file",
	} {
		if r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("data fetch: exit %d, stderr lacks %q: %s", r.code, want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "delete it") {
		t.Errorf("data fetch deleted the data but tells to delete it: %s", r.stderr)
	}
	if ents, _ := os.ReadDir(filepath.Join(out, "mnist")); len(ents) != 0 {
		t.Errorf("data fetch left %v", ents)
	}
}
