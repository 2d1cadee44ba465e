package dataset

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/zoo-ml/zoo/internal/fileguard"
)

// ErrNotFound is returned, wrapped, by Locate when no directory of the search
// path holds the file (see NotFoundError).
var ErrNotFound = errors.New("not found")

// A NotFoundError is the error of Locate, and so of Open, for a data set
// file that no directory of the search path holds. It wraps ErrNotFound.
// It says where it looked; how to get the file (such as a command that
// downloads it) is for the caller to add.
type NotFoundError struct {
	// Set is the data set, Role the role of the file and File its
	// canonical name.
	Set, Role, File string
	// Searched lists the directories looked in, in order.
	Searched []string
}

// Error names the data set, the file and the directories searched.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("dataset %s: %s (%s) %v in %s", e.Set, e.Role, e.File, ErrNotFound, strings.Join(e.Searched, ", "))
}

// Unwrap returns ErrNotFound.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// ErrNoChecksum is returned, wrapped, by Verify when the catalogue records
// no digest for the file.
var ErrNoChecksum = errors.New("no checksum recorded")

// SystemDir is the system-wide data directory, searched last.
const SystemDir = "/usr/share/datasets"

// SearchPath returns the directories searched for data sets, in order: the
// entries of $ZOO_DATA (separated by os.PathListSeparator), the cache
// directory (see CacheDir) and /usr/share/datasets. A data set's files are
// looked up in the subdirectory named after it.
func SearchPath() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv("ZOO_DATA")) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if c, err := CacheDir(); err == nil {
		dirs = append(dirs, c)
	}
	return append(dirs, SystemDir)
}

// CacheDir returns the per-user directory downloads go to by default:
// $XDG_CACHE_HOME/zoo/datasets, or ~/.cache/zoo/datasets when XDG_CACHE_HOME
// is unset or not absolute. It does not create the directory.
func CacheDir() (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "zoo", "datasets"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("dataset cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "zoo", "datasets"), nil
}

// candidates returns the names a file may have on disk: the canonical name,
// the name without ".gz" (a gunzipped copy) and the common variant with a
// dot before "idx", such as "t10k-images.idx3-ubyte".
func candidates(name string) []string {
	raw := strings.TrimSuffix(name, ".gz")
	out := []string{name}
	if raw != name {
		out = append(out, raw)
	}
	if i := strings.LastIndex(raw, "-idx"); i >= 0 {
		dotted := raw[:i] + "." + raw[i+1:]
		out = append(out, dotted, dotted+".gz")
	}
	return out
}

// Locate returns the path of the file with the given role of the data set
// called name: the first existing <dir>/<name>/<file> for dir in SearchPath,
// where <file> is the canonical file name, the same without ".gz" or the
// variant with a dot ("t10k-images.idx3-ubyte"). For a data set distributed
// as one archive, such as cifar-10, every role locates the archive, the same
// uncompressed (".tar") or the folder it unpacks to (cifar-10-batches-bin),
// and these distinctive names are also accepted directly in <dir>; open the
// result with Open or OpenCIFAR. The error for a missing file is a
// *NotFoundError, which lists the places searched.
func Locate(name, role string) (string, error) {
	d, err := Lookup(name)
	if err != nil {
		return "", err
	}
	return locate(d, role)
}

// locate is Locate for the data set d.
func locate(d Dataset, role string) (string, error) {
	name := d.Name
	f, err := d.File(role)
	if err != nil {
		return "", err
	}
	if d.Embedded {
		return "", fmt.Errorf("dataset %s is embedded and has no file on disk; use Open", name)
	}
	var searched []string
	for _, dir := range SearchPath() {
		dirs := []string{filepath.Join(dir, d.Name)}
		if f.Role == Archive {
			dirs = append(dirs, dir)
		}
		for _, sub := range dirs {
			searched = append(searched, sub)
			for _, c := range candidates(f.Name) {
				p := filepath.Join(sub, c)
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					return p, nil
				}
			}
			if f.Extracted != "" {
				p := filepath.Join(sub, f.Extracted)
				if fi, err := os.Stat(p); err == nil && fi.IsDir() {
					return p, nil
				}
			}
		}
	}
	return "", &NotFoundError{Set: name, Role: role, File: f.Name, Searched: searched}
}

// Verify checks the file at path against the digests recorded in f: it
// succeeds if the SHA-256 of the file equals f.SHA256, or if the SHA-256 of
// its content, decompressed when the file is gzip-compressed, equals
// f.RawSHA256. Both are computed in one pass. The error names the file and
// gives the expected and the actual digests; it wraps ErrNoChecksum when f
// records neither digest, and when path is a folder, such as an extracted
// cifar-10-batches-bin, for which no digest is recorded.
func Verify(path string, f File) error {
	if err := check(path, f); err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	return nil
}

// check is Verify without the file name in the error.
func check(path string, f File) error {
	if f.SHA256 == "" && f.RawSHA256 == "" {
		return fmt.Errorf("%w for %s", ErrNoChecksum, f.Name)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%w for an extracted folder; only %s itself can be verified", ErrNoChecksum, f.Name)
	}
	fileSum, rawSum, err := digests(path)
	if err != nil {
		return err
	}
	if f.SHA256 != "" && strings.EqualFold(fileSum, f.SHA256) {
		return nil
	}
	if f.RawSHA256 != "" && strings.EqualFold(rawSum, f.RawSHA256) {
		return nil
	}
	var want []string
	if f.SHA256 != "" {
		want = append(want, f.SHA256+" (file)")
	}
	if f.RawSHA256 != "" {
		want = append(want, f.RawSHA256+" (content)")
	}
	have := fileSum + " (file)"
	if rawSum != fileSum && f.RawSHA256 != "" {
		have += ", " + rawSum + " (content)"
	}
	msg := fmt.Sprintf("sha256 mismatch: want %s, have %s", strings.Join(want, " or "), have)
	if what := describeFile(path, rawSum); what != "" {
		msg += "; the file is " + what
	}
	return errors.New(msg)
}

// digests returns the hex SHA-256 of the file at path and of its content:
// decompressed for a gzip file, the same digest otherwise. When the gzip data
// is corrupt, the content digest is a description of the error.
func digests(path string) (fileSum, rawSum string, err error) {
	if _, err := fileguard.Regular(path); err != nil {
		return "", "", err
	}
	fh, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer fh.Close()
	// Every byte of the file passes through the tee exactly once, whether
	// the gzip reader or the final drain consumes it.
	fileH := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(fh, fileH), scratchSize)
	magic, _ := br.Peek(2)
	var gzErr error
	rawH := sha256.New()
	compressed := isGzip(magic)
	if compressed {
		var gz *gzip.Reader
		if gz, gzErr = gzip.NewReader(br); gzErr == nil {
			_, gzErr = io.Copy(rawH, gz)
		}
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return "", "", err
	}
	fileSum = hex.EncodeToString(fileH.Sum(nil))
	switch {
	case !compressed:
		return fileSum, fileSum, nil
	case gzErr != nil:
		return fileSum, "unavailable (" + gzErr.Error() + ")", nil
	}
	return fileSum, hex.EncodeToString(rawH.Sum(nil)), nil
}

// FileSHA256 returns the hex SHA-256 of the file at path, as recorded for
// data files, weights and checkpoints. For a CIFAR-10 folder, as Locate and
// Open may return for cifar-10, it is the SHA-256 of the batch files it
// holds, concatenated in the order data_batch_1.bin ... data_batch_5.bin,
// test_batch.bin.
func FileSHA256(path string) (string, error) {
	if fi, err := fileguard.RegularOrDir(path); err != nil {
		return "", err
	} else if fi.IsDir() {
		return cifarDigest(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LabelRoleOf returns the role of the labels of images of role
// imageRole: TrainLabels for TrainImages, TestLabels otherwise.
func LabelRoleOf(imageRole string) string {
	if imageRole == TrainImages {
		return TrainLabels
	}
	return TestLabels
}

// A PairError says that the labels of a data set's images were found only
// in another folder of the search path than the images, and that the two
// files are not both the catalogue's (a digest differs), so nothing shows
// that they belong together.
type PairError struct {
	// Set is the data set; Images and Labels are the files found.
	Set, Images, Labels string
	// Err is the failed check of the file that is not the catalogue's.
	Err error
}

// Error names both files and the rule.
func (e *PairError) Error() string {
	return fmt.Sprintf("dataset %s: the images %s and the labels %s are in different folders of the search path, and they are not both the catalogue's files (%v); images and labels of one data set must come from one folder",
		e.Set, e.Images, e.Labels, e.Err)
}

// LocateLabels returns the path of the labels of the images of role
// imageRole of the data set called name, found where Locate finds them
// (images is that path). The labels are the file of their role in the
// images' own folder. Labels found only in another folder of the search
// path are taken only when both files match the catalogue's digests (see
// Verify): the published pair belongs together wherever it lies; any other
// pair is a *PairError, so that images are never scored against labels of
// other images. For a data set of one archive, both are the archive. The
// error for labels found nowhere is Locate's *NotFoundError.
func LocateLabels(name, imageRole string) (images, labels string, err error) {
	d, err := Lookup(name)
	if err != nil {
		return "", "", err
	}
	return locateLabels(d, imageRole)
}

// locateLabels is LocateLabels for the data set d.
func locateLabels(d Dataset, imageRole string) (images, labels string, err error) {
	name := d.Name
	labelRole := LabelRoleOf(imageRole)
	lf, err := d.File(labelRole)
	if err != nil {
		return "", "", err
	}
	if images, err = locate(d, imageRole); err != nil {
		return "", "", err
	}
	if lf.Role == Archive {
		return images, images, nil
	}
	for _, c := range candidates(lf.Name) {
		p := filepath.Join(filepath.Dir(images), c)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return images, p, nil
		}
	}
	if labels, err = locate(d, labelRole); err != nil {
		return "", "", err
	}
	imf, _ := d.File(imageRole)
	for _, c := range []struct {
		path string
		f    File
	}{{images, imf}, {labels, lf}} {
		if err := Verify(c.path, c.f); err != nil {
			return "", "", &PairError{Set: name, Images: images, Labels: labels, Err: err}
		}
	}
	return images, labels, nil
}
