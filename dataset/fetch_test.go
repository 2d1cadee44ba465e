package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fetchServer serves good data under /good/ (with HTTP ranges), the same
// ignoring ranges under /norange/, wrong bytes under /corrupt/, 404 under
// /missing/, half of the data, then a closed connection, under /cut/ (every
// time, ranges ignored), and under /flaky/ each range cut after a third of
// the file. It counts requests and records the Range headers.
type fetchServer struct {
	*httptest.Server
	data   []byte
	hits   atomic.Int32
	mu     sync.Mutex
	ranges []string
}

func newFetchServer(t *testing.T, data []byte) *fetchServer {
	s := &fetchServer{data: data}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/good/"):
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(s.data))
		case strings.HasPrefix(r.URL.Path, "/norange/"):
			if _, err := w.Write(s.data); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(r.URL.Path, "/corrupt/"):
			bad := append([]byte(nil), s.data...)
			bad[len(bad)/2] ^= 0xff
			if _, err := w.Write(bad); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(r.URL.Path, "/cut/"):
			w.Header().Set("Content-Length", strconv.Itoa(len(s.data)))
			if _, err := w.Write(s.data[:len(s.data)/2]); err != nil {
				t.Fatal(err)
			}
			// Returning with fewer bytes than declared makes the server
			// close the connection.
		case strings.HasPrefix(r.URL.Path, "/flaky/"):
			http.ServeContent(&cutWriter{ResponseWriter: w, left: len(s.data)/3 + 1}, r, "", time.Time{}, bytes.NewReader(s.data))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// cutWriter passes on left bytes of a response body, then drops the rest,
// so that the connection closes short of its Content-Length.
type cutWriter struct {
	http.ResponseWriter
	left int
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if len(b) > c.left {
		if _, err := c.ResponseWriter.Write(b[:c.left]); err != nil {
			return 0, err
		}
		c.left = 0
		return 0, io.ErrShortWrite
	}
	c.left -= len(b)
	return c.ResponseWriter.Write(b)
}

// testDataset returns a one-file Dataset whose file is downloaded from the
// given paths of s.
func (s *fetchServer) dataset(paths ...string) Dataset {
	sum := sha256.Sum256(s.data)
	f := File{
		Role:   TestLabels,
		Name:   "t10k-labels-idx1-ubyte.gz",
		Size:   int64(len(s.data)),
		SHA256: hex.EncodeToString(sum[:]),
	}
	for _, p := range paths {
		f.URLs = append(f.URLs, s.URL+p+f.Name)
	}
	return Dataset{Name: "test", Files: []File{f}}
}

// leftovers returns the names in dir other than keep.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if !slices.Contains(keep, e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestFetch(t *testing.T) {
	data, err := os.ReadFile("../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	const name = "t10k-labels-idx1-ubyte.gz"
	tests := []struct {
		name  string
		paths []string
		want  string // error substring, "" for success
		hits  int32
	}{
		{"good", []string{"/good/"}, "", 1},
		{"404 then mirror", []string{"/missing/", "/good/"}, "", 2},
		{"corrupt then mirror", []string{"/corrupt/", "/good/"}, "", 2},
		// The first request gets half, then 3 stalled attempts; the
		// mirror resumes the half with a range.
		{"cut then mirror", []string{"/cut/", "/good/"}, "", 5},
		{"cut then mirror without ranges", []string{"/cut/", "/norange/"}, "", 5},
		{"flaky resumes", []string{"/flaky/"}, "", 3},
		{"404 only", []string{"/missing/"}, "/missing/" + name + ": HTTP status 404 Not Found", 1},
		{"corrupt only", []string{"/corrupt/"}, "/corrupt/" + name + ": bad data, deleted: sha256 mismatch: want ", 1},
		{"cut only", []string{"/cut/"}, "/cut/" + name + ": download interrupted after", 4},
		{"all fail", []string{"/missing/", "/corrupt/"}, "all 2 URLs failed", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFetchServer(t, data)
			dir := filepath.Join(t.TempDir(), "sub")
			var last [2]int64
			paths, err := Fetch(context.Background(), s.dataset(tt.paths...), dir, FetchOptions{
				Progress: func(file string, done, total int64) {
					if file != name {
						t.Errorf("progress for %q", file)
					}
					last = [2]int64{done, total}
				},
			})
			if got := s.hits.Load(); got != tt.hits {
				t.Errorf("%d requests, want %d", got, tt.hits)
			}
			final := filepath.Join(dir, name)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), name) {
					t.Errorf("Fetch error = %v, want %q", err, tt.want)
				}
				if len(paths) != 0 {
					t.Errorf("paths = %v, want none", paths)
				}
				if _, err := os.Stat(final); err == nil {
					t.Errorf("%s exists after a failed fetch", final)
				}
			} else {
				if err != nil || len(paths) != 1 || paths[0] != final {
					t.Fatalf("Fetch = %v, %v", paths, err)
				}
				got, _ := os.ReadFile(final)
				if string(got) != string(data) {
					t.Errorf("fetched file differs")
				}
				if last[0] != int64(len(data)) || last[1] != int64(len(data)) {
					t.Errorf("last progress = %v, want %d of %d", last, len(data), len(data))
				}
			}
			keep := []string{name}
			if strings.HasSuffix(tt.want, "interrupted after") || strings.HasSuffix(tt.want, "ended after") {
				// A dropped download keeps its bytes for the next fetch.
				part := PartPath(dir, name)
				if fi, err2 := os.Stat(part); err2 != nil || !strings.Contains(err.Error(), fmt.Sprintf("the %d bytes received are kept in %s", fi.Size(), part)) {
					t.Errorf("partial file %v, error %v", err2, err)
				}
				keep = append(keep, filepath.Base(part))
			}
			if l := leftovers(t, dir, keep...); len(l) != 0 {
				t.Errorf("left behind: %v", l)
			}
		})
	}
}

func TestFetchExisting(t *testing.T) {
	data, err := os.ReadFile("../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	s := newFetchServer(t, data)
	d := s.dataset("/good/")
	dir := t.TempDir()
	final := filepath.Join(dir, d.Files[0].Name)

	// A valid file is kept without a request.
	if err := os.WriteFile(final, data, 0o644); err != nil {
		t.Fatal(err)
	}
	reported := false
	paths, err := Fetch(context.Background(), d, dir, FetchOptions{Progress: func(string, int64, int64) { reported = true }})
	if err != nil || len(paths) != 1 || s.hits.Load() != 0 || !reported {
		t.Errorf("valid file: %v, %v, %d requests, reported %v", paths, err, s.hits.Load(), reported)
	}
	// Force downloads it again.
	if _, err := Fetch(context.Background(), d, dir, FetchOptions{Force: true}); err != nil || s.hits.Load() != 1 {
		t.Errorf("Force: %v, %d requests", err, s.hits.Load())
	}
	// An invalid file is replaced.
	if err := os.WriteFile(final, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(context.Background(), d, dir, FetchOptions{}); err != nil || s.hits.Load() != 2 {
		t.Errorf("invalid file: %v, %d requests", err, s.hits.Load())
	}
	if got, _ := os.ReadFile(final); string(got) != string(data) {
		t.Error("invalid file was not replaced")
	}
	// But a failed download leaves it alone rather than half-replaced.
	if err := os.WriteFile(final, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(context.Background(), s.dataset("/cut/"), dir, FetchOptions{}); err == nil {
		t.Error("cut download succeeded")
	}
	if got, _ := os.ReadFile(final); string(got) != "junk" {
		t.Error("failed download touched the existing file")
	}
}

func TestFetchMisc(t *testing.T) {
	data := []byte("some data")
	s := newFetchServer(t, data)

	// No digest: the size decides.
	d := s.dataset("/good/")
	d.Files[0].SHA256 = ""
	dir := t.TempDir()
	if _, err := Fetch(context.Background(), d, dir, FetchOptions{}); err != nil {
		t.Errorf("no digest, right size: %v", err)
	}
	hits := s.hits.Load()
	if _, err := Fetch(context.Background(), d, dir, FetchOptions{}); err != nil || s.hits.Load() != hits {
		t.Errorf("no digest, present: %v, %d requests", err, s.hits.Load()-hits)
	}
	if fi, err := os.Stat(filepath.Join(dir, d.Files[0].Name)); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("fetched file: %v, %v", fi.Mode(), err)
	}
	d.Files[0].Size = 3
	if _, err := Fetch(context.Background(), d, t.TempDir(), FetchOptions{}); err == nil || !strings.Contains(err.Error(), "served 9 bytes, want 3") {
		t.Errorf("no digest, wrong size: %v", err)
	}

	mini, _ := Lookup(MiniName)
	if _, err := Fetch(context.Background(), mini, t.TempDir(), FetchOptions{}); err == nil || !strings.Contains(err.Error(), "embedded") {
		t.Errorf("Fetch(mnist-mini) = %v", err)
	}

	d = s.dataset()
	if _, err := Fetch(context.Background(), d, t.TempDir(), FetchOptions{}); err == nil || !strings.Contains(err.Error(), "no download URL") {
		t.Errorf("no URLs: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fetch(ctx, s.dataset("/good/"), t.TempDir(), FetchOptions{}); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("canceled: %v", err)
	}

	// WithMirrors points a catalogue entry at a test server.
	m, _ := Lookup("mnist")
	m = m.WithMirrors(s.URL + "/missing/")
	if _, err := Fetch(context.Background(), m, t.TempDir(), FetchOptions{}); err == nil || !strings.Contains(err.Error(), s.URL+"/missing/train-images-idx3-ubyte.gz: HTTP status 404") {
		t.Errorf("mirror: %v", err)
	}
}

// TestFetchResume checks what Fetch does with a partial file left by an
// earlier, interrupted fetch.
func TestFetchResume(t *testing.T) {
	data, err := os.ReadFile("../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	half := len(data) / 2
	junk := bytes.Repeat([]byte("x"), half)
	tests := []struct {
		name    string
		part    []byte // the partial file before the fetch
		path    string
		ranges  []string // Range headers of the requests
		want    string   // error substring, "" for success
		firstAt int64    // first progress report
	}{
		{"resume", data[:half], "/good/", []string{fmt.Sprintf("bytes=%d-", half)}, "", int64(len(data))},
		// The resumed file fails its digest and is downloaded whole.
		{"stale part", junk, "/good/", []string{fmt.Sprintf("bytes=%d-", half), ""}, "", int64(len(data))},
		// The server sends the whole file, which alone fails.
		{"stale part, corrupt server", junk, "/corrupt/", []string{fmt.Sprintf("bytes=%d-", half)}, "/corrupt/t10k-labels-idx1-ubyte.gz: bad data, deleted: sha256 mismatch", 0},
		{"server ignores ranges", data[:half], "/norange/", []string{fmt.Sprintf("bytes=%d-", half)}, "", 0},
		{"part too long", append(slices.Clone(data), 1), "/good/", []string{""}, "", 0},
		{"part complete", data, "/good/", nil, "", 0},
		{"flaky", nil, "/flaky/", []string{"", fmt.Sprintf("bytes=%d-", len(data)/3+1), fmt.Sprintf("bytes=%d-", 2*(len(data)/3+1))}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFetchServer(t, data)
			dir := t.TempDir()
			d := s.dataset(tt.path)
			name := d.Files[0].Name
			if tt.part != nil {
				if err := os.WriteFile(PartPath(dir, name), tt.part, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var first []int64
			_, err := Fetch(context.Background(), d, dir, FetchOptions{Progress: func(_ string, done, total int64) {
				if first == nil {
					first = []int64{done, total}
				}
			}})
			if !slices.Equal(s.ranges, tt.ranges) {
				t.Errorf("Range headers %q, want %q", s.ranges, tt.ranges)
			}
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Fetch = %v, want %q", err, tt.want)
				}
				if l := leftovers(t, dir); len(l) != 0 {
					t.Errorf("left behind: %v", l)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, data) {
				t.Error("fetched file differs")
			}
			if l := leftovers(t, dir, name); len(l) != 0 {
				t.Errorf("left behind: %v", l)
			}
			if tt.firstAt > 0 && (first == nil || first[0] != tt.firstAt || first[1] != int64(len(data))) {
				t.Errorf("first progress %v, want %d of %d", first, tt.firstAt, len(data))
			}
		})
	}
}

func TestContentRange(t *testing.T) {
	tests := []struct {
		h           string
		start, size int64
		ok          bool
	}{
		{"bytes 10-19/20", 10, 20, true},
		{"bytes 0-0/*", 0, -1, true},
		{"bytes 10-19/19", 0, 0, false},
		{"bytes 10-9/20", 0, 0, false},
		{"bytes -1-9/20", 0, 0, false},
		{"items 0-1/2", 0, 0, false},
		{"bytes 0-1", 0, 0, false},
		{"bytes */20", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		start, size, ok := contentRange(tt.h)
		if ok != tt.ok || ok && (start != tt.start || size != tt.size) {
			t.Errorf("contentRange(%q) = %d, %d, %v", tt.h, start, size, ok)
		}
	}
}

// TestFetchCancelResume interrupts a download (as Ctrl-C does) after half
// the file, then fetches again: the second fetch asks only for the rest.
func TestFetchCancelResume(t *testing.T) {
	data, err := os.ReadFile("../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	half := len(data) / 2
	sent := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	s := newFetchServer(t, data)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.mu.Unlock()
		if r.Header.Get("Range") != "" {
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		if _, err := w.Write(data[:half]); err != nil {
			t.Fatal(err)
		}
		w.(http.Flusher).Flush()
		once.Do(func() { close(sent) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	d := s.dataset("/any/")
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := Fetch(ctx, d, dir, FetchOptions{Progress: func(_ string, n, _ int64) {}})
		done <- err
	}()
	<-sent
	// Wait for the bytes to reach the partial file, then cancel.
	part := PartPath(dir, d.Files[0].Name)
	for deadline := time.Now().Add(10 * time.Second); partSize(part) < int64(half) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("canceled Fetch = %v", err)
	}
	if got := partSize(part); got != int64(half) {
		t.Fatalf("partial file holds %d bytes, want %d", got, half)
	}
	if _, err := os.Stat(filepath.Join(dir, d.Files[0].Name)); err == nil {
		t.Fatal("final file exists after a canceled fetch")
	}
	if _, err := Fetch(context.Background(), d, dir, FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"", fmt.Sprintf("bytes=%d-", half)}; !slices.Equal(s.ranges, want) {
		t.Errorf("Range headers %q, want %q", s.ranges, want)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, d.Files[0].Name)); !bytes.Equal(got, data) {
		t.Error("resumed file differs")
	}
	if l := leftovers(t, dir, d.Files[0].Name); len(l) != 0 {
		t.Errorf("left behind: %v", l)
	}
}

// TestProgressLine checks the progress line of zoo data fetch: rewritten
// in place, at most every half second until the file completes, with a
// percentage when the total is known.
func TestProgressLine(t *testing.T) {
	var b strings.Builder
	p := ProgressLine(&b)
	p("a.gz", 0, 4096)
	p("a.gz", 1024, 4096) // within half a second: not shown
	p("a.gz", 4096, 4096)
	p("b.gz", 3072, -1)
	want := "\ra.gz: 0/4 kB (0%)\ra.gz: 4/4 kB (100%)\n"
	if b.String() != want {
		t.Errorf("progress %q, want %q", b.String(), want)
	}
	time.Sleep(600 * time.Millisecond)
	p("b.gz", 3072, -1)
	if got := strings.TrimPrefix(b.String(), want); got != "\rb.gz: 3 kB" {
		t.Errorf("unknown total: %q", got)
	}
}
