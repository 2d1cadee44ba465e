package dataset

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// This file recognises the data files met in the wild that are not what
// their names say: an HTML error page saved as a .gz file, data compressed
// twice or with another compressor, a tar or zip archive, a truncated
// download. The descriptions end the error messages of OpenIDX and Verify,
// so that a user learns what the file really is and what to do.

// sniffLen is the number of leading bytes describeContent looks at.
const sniffLen = 512

// refetch is the advice for a file that must be downloaded again.
const refetch = "delete it and download it again (zoo data fetch NAME re-downloads a catalogued data set)"

// describeContent says what data starting with head is when it is not IDX
// data, or returns "" when it does not recognise it. gz tells whether head
// was decompressed from a gzip file.
func describeContent(head []byte, gz bool) string {
	a := func(noun string) string {
		switch {
		case gz:
			return "a gzip-compressed " + noun
		case strings.HasPrefix(noun, "HTML"):
			return "an " + noun
		}
		return "a " + noun
	}
	switch {
	case isGzip(head):
		if gz {
			return "gzip data inside the gzip file: it was compressed twice; decompress it once (gunzip -c FILE > OUT.gz) and use the result"
		}
		return "gzip data"
	case isHTML(head):
		return a("HTML page") + ", not data: probably an error or login page that a web server sent instead of the file; " + refetch
	case len(head) >= tarBlock && isTarHeader(head):
		return a("tar archive") + ": extract it first, or give CIFAR-10 archives to the commands that read them whole"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a zip archive: unzip it first; zoo reads IDX files raw or gzip-compressed"
	case bytes.HasPrefix(head, []byte("BZh")) && len(head) >= 4 && head[3] >= '1' && head[3] <= '9':
		return "bzip2-compressed data: decompress it first (bunzip2); zoo reads IDX files raw or gzip-compressed"
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		return "xz-compressed data: decompress it first (unxz); zoo reads IDX files raw or gzip-compressed"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd-compressed data: decompress it first (unzstd); zoo reads IDX files raw or gzip-compressed"
	case bytes.HasPrefix(head, []byte("\x93NUMPY")):
		return "a NumPy .npy file, not IDX data"
	case isText(head):
		return a("text file") + ", not data (" + quoteStart(head) + "); " + refetch
	}
	return ""
}

// isHTML reports whether b starts, after white space and a byte order mark,
// like an HTML or XML document.
func isHTML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	lower := bytes.ToLower(b[:min(len(b), 64)])
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<?xml", "<!--"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			return true
		}
	}
	return false
}

// isText reports whether b is a non-empty run of printable UTF-8 text.
func isText(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	// A cut multi-byte rune at the end does not make it binary.
	for i := 1; i < utf8.UTFMax && !utf8.Valid(b) && len(b) > 1; i++ {
		b = b[:len(b)-1]
	}
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < ' ' && r != '\n' && r != '\r' && r != '\t' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// quoteStart quotes the first line of text b, shortened.
func quoteStart(b []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	if len(line) > 40 {
		line = append(bytes.Clone(line[:40]), "..."...)
	}
	return fmt.Sprintf("it starts %q", line)
}

// gzipShortfall decompresses the gzip file at path to its end, keeping
// nothing, to explain why its content is not the header and data that its
// IDX header h declares, and returns the message for OpenIDX. whole
// reports instead that the content is exactly what h declares: a file of
// several gzip members, whose trailer records the last member's length
// only.
func gzipShortfall(path string, h Header) (msg string, whole bool) {
	claim := fmt.Sprintf("header claims %v = %d data bytes", h, h.dataLen())
	f, err := os.Open(path)
	if err != nil {
		return claim + ": " + err.Error(), false
	}
	defer f.Close()
	gz, err := gzip.NewReader(f) // reads every member, as gzip -d does
	if err != nil {
		return fmt.Sprintf("%s; bad gzip stream: %v", claim, err), false
	}
	// Count no further than one byte past what the header declares: a
	// decompression bomb costs no more time than a correct file.
	want := h.headerLen() + h.dataLen()
	n, err := io.Copy(io.Discard, io.LimitReader(gz, want+1))
	data := max(0, n-h.headerLen())
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("truncated gzip file: %s but the compressed stream ends after %d of them (%d bytes missing), probably an interrupted download; %s",
			claim, data, want-n, refetch), false
	case err != nil:
		return fmt.Sprintf("%s but the gzip data is corrupt after %d of them: %v; %s", claim, data, err, refetch), false
	case n > want:
		return fmt.Sprintf("%s but the gzip content holds more after the %d-byte header", claim, h.headerLen()), false
	case n == want:
		return "", true
	}
	return fmt.Sprintf("%s but the gzip content has %d after the %d-byte header (%d bytes missing; the file was compressed from incomplete data)",
		claim, data, h.headerLen(), want-n), false
}

// describeFile says what the file at path is, for a file that failed its
// digest check, or returns "" when it looks like data. rawSum is the
// content digest that digests returned, which for broken gzip data says
// why it is unavailable.
func describeFile(path, rawSum string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if !isGzip(head) {
		return describeContent(head, false)
	}
	if strings.HasPrefix(rawSum, "unavailable (") {
		if strings.Contains(rawSum, io.ErrUnexpectedEOF.Error()) {
			return "a truncated gzip file, probably an interrupted download; " + refetch
		}
		return "corrupt gzip data: " + strings.TrimSuffix(strings.TrimPrefix(rawSum, "unavailable ("), ")") + "; " + refetch
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		return ""
	}
	n, _ = io.ReadFull(gz, head[:cap(head)])
	return describeContent(head[:n], true)
}
