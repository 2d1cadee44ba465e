package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// FetchOptions configures Fetch.
type FetchOptions struct {
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// Progress, if not nil, is called as each file downloads with the file
	// name, the bytes received so far and the expected total (the
	// Content-Length, else the catalogue size, else -1). A file already
	// present and valid is reported once with done == total.
	Progress func(file string, done, total int64)
	// Force downloads files even when a valid copy is present.
	Force bool
}

// ProgressLine returns a FetchOptions.Progress that shows the download of
// each file on one line of w, rewritten in place ("\r") at most every half
// second: the kilobytes received, of the total with a percentage when the
// total is known; the line ends when the file is complete.
func ProgressLine(w io.Writer) func(file string, done, total int64) {
	var last time.Time
	return func(file string, done, total int64) {
		if done != total && time.Since(last) < 500*time.Millisecond {
			return
		}
		last = time.Now()
		if total > 0 {
			fmt.Fprintf(w, "\r%s: %d/%d kB (%.0f%%)", file, done>>10, total>>10, 100*float64(done)/float64(total))
		} else {
			fmt.Fprintf(w, "\r%s: %d kB", file, done>>10)
		}
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// Fetch downloads the files of d into dir, creating it if needed, and
// returns their paths. A file already in dir under its canonical name that
// passes Verify is kept, unless opt.Force is set.
//
// Each file is downloaded from its URLs in turn into a partial file in dir,
// ".NAME.part", checked against the recorded size and digests and only then
// renamed into place, so no partial or corrupt file is ever left under the
// final name. A dropped connection is resumed where it stopped, with an
// HTTP Range request (or restarted from the beginning when the server does
// not honour ranges), as long as each attempt makes progress; a partial
// file left by an interrupted Fetch is resumed the same way by the next
// one. Data that fails the digest check is deleted, and the error names
// the URL that served it; data resumed from an earlier partial file is
// first downloaded once more from the start. A failed URL (network error,
// HTTP status other than 200 or 206, short body, wrong size or digest) is
// reported in the error if no later mirror succeeds. A file for which the
// catalogue records no digest is accepted when its size matches the
// recorded size, or when no size is recorded either.
//
// Two Fetch calls must not download the same file into the same folder at
// the same time.
//
// On error, Fetch returns the paths of the files completed before the
// failure.
func Fetch(ctx context.Context, d Dataset, dir string, opt FetchOptions) ([]string, error) {
	if d.Embedded {
		return nil, fmt.Errorf("fetch %s: dataset is embedded, there is nothing to download", d.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", d.Name, err)
	}
	client := opt.Client
	if client == nil {
		client = http.DefaultClient
	}
	var paths []string
	for _, f := range d.Files {
		final := filepath.Join(dir, f.Name)
		if !opt.Force {
			if present(final, f) {
				if opt.Progress != nil {
					fi, _ := os.Stat(final)
					opt.Progress(f.Name, fi.Size(), fi.Size())
				}
				paths = append(paths, final)
				continue
			}
		}
		if len(f.URLs) == 0 {
			return paths, fmt.Errorf("fetch %s %s: no download URL recorded", d.Name, f.Name)
		}
		dl := &download{ctx: ctx, client: client, f: f, part: PartPath(dir, f.Name), final: final, progress: opt.Progress}
		var errs []string
		ok := false
		for _, u := range f.URLs {
			if err := ctx.Err(); err != nil {
				return paths, fmt.Errorf("fetch %s %s: %w", d.Name, f.Name, err)
			}
			err := dl.from(u)
			if err == nil {
				ok = true
				break
			}
			if ctx.Err() != nil {
				return paths, fmt.Errorf("fetch %s %s: %w", d.Name, f.Name, err)
			}
			errs = append(errs, err.Error())
		}
		if !ok {
			msg := fmt.Sprintf("fetch %s %s: all %d URLs failed: %s", d.Name, f.Name, len(f.URLs), strings.Join(errs, "; "))
			if fi, err := os.Stat(dl.part); err == nil && fi.Size() > 0 {
				msg += fmt.Sprintf(" (the %d bytes received are kept in %s; fetching again resumes there)", fi.Size(), dl.part)
			}
			return paths, errors.New(msg)
		}
		paths = append(paths, final)
	}
	return paths, nil
}

// PartPath returns the partial file in dir that Fetch downloads the file
// called name into before it verifies and renames it.
func PartPath(dir, name string) string {
	return filepath.Join(dir, "."+name+".part")
}

// present reports whether the file at path is a valid copy of f: it
// verifies, or, when no digest is recorded, has the recorded size.
func present(path string, f File) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	err = Verify(path, f)
	return err == nil || errors.Is(err, ErrNoChecksum) && f.Size > 0 && fi.Size() == f.Size
}

// maxStalls is the number of consecutive attempts on one URL that may end
// without adding a byte to the partial file before Fetch gives up on it.
const maxStalls = 3

// A download fetches one file into its partial file.
type download struct {
	ctx         context.Context
	client      *http.Client
	f           File
	part, final string
	progress    func(string, int64, int64)
	// sources are the URLs that served the bytes now in the partial
	// file, in order; "" stands for a partial file left by an earlier
	// Fetch.
	sources []string
}

// interruptedError marks a transfer that stopped early and can be resumed.
type interruptedError struct{ err error }

func (e *interruptedError) Error() string { return e.err.Error() }
func (e *interruptedError) Unwrap() error { return e.err }

// interrupted formats an interruptedError.
func interrupted(format string, args ...any) error {
	return &interruptedError{fmt.Errorf(format, args...)}
}

// from downloads the file from url, resuming the partial file as long as
// attempts make progress, checks it and renames it into place.
func (dl *download) from(url string) error {
	if fi, err := os.Stat(dl.part); err == nil && fi.Size() > 0 && len(dl.sources) == 0 {
		dl.sources = []string{""}
	}
	retried := false
	for {
		if err := dl.transfer(url); err != nil {
			return err
		}
		verr := dl.check(url)
		if verr == nil {
			break
		}
		os.Remove(dl.part)
		resumed := len(dl.sources) > 1 || len(dl.sources) == 1 && dl.sources[0] != url
		dl.sources = nil
		if !resumed || retried {
			return verr
		}
		// The bytes came from several places (an old partial file, a
		// mirror): get the whole file from this URL before blaming it.
		retried = true
	}
	if err := os.Rename(dl.part, dl.final); err != nil {
		return fmt.Errorf("fetch %s: %w", dl.f.Name, err)
	}
	dl.sources = nil
	return nil
}

// transfer brings the partial file to its full length from url, resuming
// after dropped connections while each attempt adds bytes.
func (dl *download) transfer(url string) error {
	stalls := 0
	for {
		before := partSize(dl.part)
		err := dl.attempt(url)
		if err == nil {
			return nil
		}
		var ie *interruptedError
		if !errors.As(err, &ie) || dl.ctx.Err() != nil {
			return err
		}
		if partSize(dl.part) > before {
			stalls = 0
		} else if stalls++; stalls >= maxStalls {
			return err
		}
	}
}

// partSize returns the size of the file at p, 0 if there is none.
func partSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// attempt makes one request for the rest of the partial file. It returns
// an interruptedError when the transfer stopped early.
func (dl *download) attempt(url string) (err error) {
	f := dl.f
	off := partSize(dl.part)
	if f.Size > 0 && off > f.Size {
		// Longer than the file: not a partial copy of it.
		os.Remove(dl.part)
		dl.sources, off = nil, 0
	}
	if f.Size > 0 && off == f.Size {
		return nil // complete; the digests decide
	}
	req, err := http.NewRequestWithContext(dl.ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	if off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", off))
	}
	resp, err := dl.client.Do(req)
	if err != nil {
		return interrupted("%w", err) // *url.Error names the URL
	}
	defer resp.Body.Close()
	total := resp.ContentLength
	switch {
	case resp.StatusCode == http.StatusOK:
		if off > 0 {
			off = 0 // the server sends the whole file again
			dl.sources = nil
		}
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		start, size, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			os.Remove(dl.part)
			dl.sources = nil
			return interrupted("%s: asked for bytes from %d, got Content-Range %q; starting again", url, off, resp.Header.Get("Content-Range"))
		}
		total = size
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && off > 0:
		// The partial file is as long as the file or longer: start again.
		os.Remove(dl.part)
		dl.sources = nil
		return interrupted("%s: HTTP status %s for bytes from %d; starting again", url, resp.Status, off)
	default:
		return fmt.Errorf("%s: HTTP status %s", url, resp.Status)
	}
	if f.Size > 0 && total >= 0 && total != f.Size && f.RawSHA256 == "" {
		return fmt.Errorf("%s: served %d bytes, want %d%s", url, total, f.Size, describeBody(resp.Body))
	}
	if total < 0 && f.Size > 0 {
		total = f.Size
	}

	flag := os.O_WRONLY | os.O_CREATE
	if off == 0 {
		flag |= os.O_TRUNC
	}
	w, err := os.OpenFile(dl.part, flag, 0o644)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	defer func() {
		if cerr := w.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("fetch %s: %w", f.Name, cerr)
		}
	}()
	if _, err := w.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	if len(dl.sources) == 0 || dl.sources[len(dl.sources)-1] != url {
		dl.sources = append(dl.sources, url)
	}
	if total < 0 {
		total = -1
	}
	dst := &progressWriter{w: w, name: f.Name, done: off, total: total, fn: dl.progress}
	n, err := io.Copy(dst, resp.Body)
	if err != nil {
		// A local write error is not something a retry fixes.
		var we *writeError
		if errors.As(err, &we) {
			return fmt.Errorf("fetch %s: %w", f.Name, we.err)
		}
		return interrupted("%s: download interrupted after %d bytes: %w", url, off+n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return interrupted("%s: download ended after %d of %d bytes", url, off+n, off+resp.ContentLength)
	}
	if err := w.Sync(); err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	return nil
}

// check checks the complete partial file against the catalogue; the error
// names url, which served it (from checks whole downloads only).
func (dl *download) check(url string) error {
	f := dl.f
	n := partSize(dl.part)
	sizeOK := f.Size <= 0 || n == f.Size
	from := url
	if verr := check(dl.part, f); verr != nil {
		if !errors.Is(verr, ErrNoChecksum) {
			// The data is deleted here: advice to delete it does not apply.
			msg := strings.ReplaceAll(verr.Error(), "; "+refetch, "")
			if !sizeOK {
				msg = fmt.Sprintf("served %d bytes, want %d; %s", n, f.Size, msg)
			}
			return fmt.Errorf("%s: bad data, deleted: %s", from, msg)
		}
		if !sizeOK {
			return fmt.Errorf("%s: served %d bytes, want %d", from, n, f.Size)
		}
	}
	return nil
}

// describeBody says what the start of a response body is, when it is
// recognisably not data, as "; it is ...", or returns "".
func describeBody(body io.Reader) string {
	head := make([]byte, sniffLen)
	n, _ := io.ReadFull(body, head)
	if what := describeContent(head[:n], false); what != "" && !isGzip(head[:n]) {
		return "; it is " + what
	}
	return ""
}

// contentRange parses a Content-Range header "bytes START-END/SIZE" and
// returns START and SIZE (-1 when the size is "*").
func contentRange(h string) (start, size int64, ok bool) {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, 0, false
	}
	rng, sz, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, false
	}
	first, last, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(first, 10, 64)
	end, err2 := strconv.ParseInt(last, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false
	}
	size = -1
	if sz != "*" {
		v, err := strconv.ParseInt(sz, 10, 64)
		if err != nil || v <= end {
			return 0, 0, false
		}
		size = v
	}
	return start, size, true
}

// writeError marks an error of the local file, as opposed to the network.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// progressWriter reports the bytes written through it to fn, if not nil,
// and marks the errors of the file it writes as writeErrors.
type progressWriter struct {
	w     io.Writer
	name  string
	done  int64
	total int64
	fn    func(string, int64, int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.fn != nil {
		p.fn(p.name, p.done, p.total)
	}
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}
