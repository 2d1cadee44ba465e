package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteCatalogue writes the catalogue as a table, one data set a row: its
// name, number of classes and files, the folder where it is found on the
// search path (or "embedded", or the command that fetches it), and its
// description (zoo data list).
func WriteCatalogue(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCLASSES\tFILES\tFOUND\tDESCRIPTION")
	for _, d := range Catalogue() {
		where := "embedded"
		if !d.Embedded {
			where = "not found (zoo data fetch " + d.Name + ")"
			if p, err := Locate(d.Name, d.Files[0].Role); err == nil {
				where = filepath.Dir(p)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", d.Name, len(d.Classes), len(d.Files), where, d.Description)
	}
	return tw.Flush()
}

// A Verification is what VerifySets found: the check of each file of the
// data sets it looked at, in order.
type Verification struct {
	// Named is set when the data sets were named, so that a file missing
	// from the search path fails; otherwise missing files are skipped.
	Named bool
	// Files are the checks, one per file found (or missing, when Named),
	// and one per embedded data set named.
	Files []FileCheck
	// stopped is set when VerifySets stopped at an error.
	stopped bool
}

// A FileCheck is the check of one file of a data set.
type FileCheck struct {
	// Set is the data set and File the catalogue's file.
	Set  string
	File File
	// Path is where the file was found; "" when it is missing.
	Path string
	// Embedded is set, with no File, for a data set compiled in: there is
	// nothing to verify.
	Embedded bool
	// Err says why the file failed Verify; nil when it passed or is
	// missing.
	Err error
}

// Failed reports whether the file is missing or failed verification.
func (c FileCheck) Failed() bool { return !c.Embedded && (c.Path == "" || c.Err != nil) }

// VerifySets verifies (see Verify) the files of the named data sets that
// are found on the search path, or with no names those of every data set
// that is not embedded. An unknown name, or an error other than a missing
// file, stops it: the checks made before come back with the error.
func VerifySets(names ...string) (*Verification, error) {
	v := &Verification{Named: len(names) > 0, stopped: true}
	if !v.Named {
		for _, d := range Catalogue() {
			if !d.Embedded {
				names = append(names, d.Name)
			}
		}
	}
	for _, name := range names {
		d, err := Lookup(name)
		if err != nil {
			return v, err
		}
		if d.Embedded {
			v.Files = append(v.Files, FileCheck{Set: d.Name, Embedded: true})
			continue
		}
		for _, f := range d.Files {
			p, err := Locate(d.Name, f.Role)
			if errors.Is(err, ErrNotFound) {
				if v.Named {
					v.Files = append(v.Files, FileCheck{Set: d.Name, File: f})
				}
				continue
			}
			if err != nil {
				return v, err
			}
			v.Files = append(v.Files, FileCheck{Set: d.Name, File: f, Path: p, Err: Verify(p, f)})
		}
	}
	v.stopped = false
	return v, nil
}

// Err returns an error saying how many of the files checked failed, or
// nil when none did.
func (v *Verification) Err() error {
	failed, checked := 0, 0
	for _, c := range v.Files {
		if !c.Embedded {
			checked++
		}
		if c.Failed() {
			failed++
		}
	}
	if failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d data files failed verification", failed, checked)
}

// WriteText writes a line per check: OK with the path, FAIL with the
// reason, MISSING with the file's name; then the command that downloads
// the data sets of failed files again, or, when none was found on the
// search path, the command that fetches one. After an error of VerifySets
// it writes the checks made before it only.
func (v *Verification) WriteText(w io.Writer) error {
	var b bytes.Buffer
	var refetch []string
	found := false
	for _, c := range v.Files {
		switch {
		case c.Embedded:
			fmt.Fprintf(&b, "%s: embedded, nothing to verify\n", c.Set)
		case c.Path == "":
			fmt.Fprintf(&b, "MISSING %s %s\n", c.Set, c.File.Name)
		case c.Err != nil:
			fmt.Fprintf(&b, "FAIL    %s: %v\n", c.Path, c.Err)
			if !slices.Contains(refetch, c.Set) {
				refetch = append(refetch, c.Set)
			}
		default:
			fmt.Fprintf(&b, "OK      %s\n", c.Path)
		}
		found = found || c.Path != ""
	}
	switch {
	case v.stopped:
	case len(refetch) > 0:
		fmt.Fprintf(&b, "delete the failed files and download them again: zoo data fetch %s\n", strings.Join(refetch, " "))
	case !found && !v.Named:
		fmt.Fprintln(&b, "no data set found on the search path; run zoo data fetch NAME")
	}
	_, err := w.Write(b.Bytes())
	return err
}
