package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// Fetch downloads the files of d into dir, creating it if needed, and
// returns their paths. A file already in dir under its canonical name that
// passes Verify is kept, unless opt.Force is set.
//
// Each file is downloaded from its URLs in turn into a temporary file in dir
// (".NAME.part-*"), checked against the recorded size and digests and only
// then renamed into place, so no partial or corrupt file is ever left under
// the final name. A failed URL (network error, HTTP status other than 200,
// short body, wrong size or digest) is reported in the error if no later
// mirror succeeds. A file for which the catalogue records no digest is
// accepted when its size matches the recorded size, or when no size is
// recorded either.
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
		var errs []string
		ok := false
		for _, u := range f.URLs {
			if err := ctx.Err(); err != nil {
				return paths, fmt.Errorf("fetch %s %s: %w", d.Name, f.Name, err)
			}
			err := fetchOne(ctx, client, u, dir, final, f, opt.Progress)
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
			return paths, fmt.Errorf("fetch %s %s: all %d URLs failed: %s", d.Name, f.Name, len(f.URLs), strings.Join(errs, "; "))
		}
		paths = append(paths, final)
	}
	return paths, nil
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

// fetchOne downloads url into a temporary file in dir, checks it against f
// and renames it to final.
func fetchOne(ctx context.Context, client *http.Client, url, dir, final string, f File, progress func(string, int64, int64)) (err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err // *url.Error names the URL
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP status %s", url, resp.Status)
	}
	total := resp.ContentLength
	if total < 0 {
		total = f.Size
		if total == 0 {
			total = -1
		}
	}
	if f.Size > 0 && resp.ContentLength >= 0 && resp.ContentLength != f.Size && f.RawSHA256 == "" {
		return fmt.Errorf("%s: served %d bytes, want %d", url, resp.ContentLength, f.Size)
	}

	tmp, err := os.CreateTemp(dir, "."+f.Name+".part-*")
	if err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var dst io.Writer = tmp
	if progress != nil {
		dst = &progressWriter{w: tmp, name: f.Name, total: total, fn: progress}
	}
	n, err := io.Copy(dst, resp.Body)
	if err != nil {
		return fmt.Errorf("%s: download interrupted after %d bytes: %w", url, n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fmt.Errorf("%s: download ended after %d of %d bytes", url, n, resp.ContentLength)
	}
	// CreateTemp makes the file private; downloads are ordinary files.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	sizeOK := f.Size <= 0 || n == f.Size
	if verr := check(tmp.Name(), f); verr != nil {
		if !errors.Is(verr, ErrNoChecksum) {
			msg := verr.Error()
			if !sizeOK {
				msg = fmt.Sprintf("served %d bytes, want %d; %s", n, f.Size, msg)
			}
			return fmt.Errorf("%s: bad data: %s", url, msg)
		}
		if !sizeOK {
			return fmt.Errorf("%s: served %d bytes, want %d", url, n, f.Size)
		}
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("fetch %s: %w", f.Name, err)
	}
	return nil
}

// progressWriter reports the bytes written through it.
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
	p.fn(p.name, p.done, p.total)
	return n, err
}
