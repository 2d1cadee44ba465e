package dataset

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A Ref is data named by one string, as a command line gives it, resolved by
// Resolve: a file (IDX, raw or gzip-compressed, or CIFAR-10 data: a batch
// file, its folder or the archive) or the images of one split of a data set
// of the catalogue. A Ref knows where the labels of its images are.
type Ref struct {
	// Arg is the string as given.
	Arg string
	// Path is the file, for data given as a file; "" for a data set.
	Path string
	// Set is the catalogue name of the data set: the one Arg names (or,
	// after OpenOrMini, mnist-mini when it stands in for it), or cifar-10
	// for CIFAR-10 data given as a file; "" for an IDX file.
	Set string
	// Role is the role of the images: TrainImages or TestImages.
	Role string
	// Missing, set by OpenOrMini when the embedded mnist-mini set stands in
	// for the data set Arg names, is the error of the file not found (it
	// wraps a *NotFoundError).
	Missing error
}

// A SplitError says that the split after the ':' of a data set name is
// neither train nor test.
type SplitError struct {
	// Arg is the string as given and Split the part after its ':'.
	Arg, Split string
}

func (e *SplitError) Error() string {
	return fmt.Sprintf("data %q: split %q is not train or test", e.Arg, e.Split)
}

// A Notice tells a caller of data that was not found and what is done
// instead, so that it can say so in its own words: the embedded mnist-mini
// set stands in for a data set's images, or the caller goes on without a
// data set's labels.
type Notice struct {
	// Data is the data as named (Ref.Arg), Set the data set and Role the
	// role of the file not found.
	Data, Set, Role string
	// Err is the error of the file not found; it wraps a *NotFoundError.
	Err error
	// N is the number of images of mnist-mini when it stands in for the
	// data; 0 when the caller goes on without it.
	N int
}

// IsPath reports whether the data string arg names a file rather than a
// data set. A name of the catalogue, alone or with a split (":train",
// ":test"), always names the data set, even when a file or folder of that
// name is in the working directory: such a file is ./NAME. Any other
// string names a file when the file exists or arg holds a path separator.
func IsPath(arg string) bool {
	if name, _, _ := strings.Cut(arg, ":"); isCatalogued(name) {
		return false
	}
	_, err := os.Stat(arg)
	return err == nil || strings.ContainsRune(arg, os.PathSeparator)
}

// isCatalogued reports whether name is a data set of the catalogue.
func isCatalogued(name string) bool {
	_, err := Lookup(name)
	return err == nil
}

// Resolve resolves the data string arg for images of the given role
// (TrainImages or TestImages). A name of the catalogue, with an optional
// ":train" or ":test" that picks its split instead of role (a *SplitError
// for any other suffix), is that data set, whatever files the working
// directory holds; any other string that IsPath names a file, taken as
// CIFAR-10 data when it is (see HoldsLabels) and as IDX otherwise. Resolve
// reads no data: a missing file or data set file is the error of Open.
func Resolve(arg, role string) (Ref, error) {
	if role != TrainImages && role != TestImages {
		return Ref{}, fmt.Errorf("data %q: role %q, want %s or %s", arg, role, TrainImages, TestImages)
	}
	if IsPath(arg) {
		r := Ref{Arg: arg, Path: arg, Role: role}
		if HoldsLabels(arg) {
			r.Set = CIFARName
		}
		return r, nil
	}
	name, split, _ := strings.Cut(arg, ":")
	switch split {
	case "":
	case "train":
		role = TrainImages
	case "test":
		role = TestImages
	default:
		return Ref{}, &SplitError{Arg: arg, Split: split}
	}
	if _, err := Lookup(name); err != nil {
		return Ref{}, fmt.Errorf("data %q is neither a file nor a data set: %w", arg, err)
	}
	return Ref{Arg: arg, Set: name, Role: role}, nil
}

// IsFile reports whether the data is a file given by its path rather than
// a data set found on the search path.
func (r Ref) IsFile() bool { return r.Path != "" }

// LabelRole returns the role of the labels of the images: TrainLabels for
// training images, TestLabels for test images.
func (r Ref) LabelRole() string { return LabelRoleOf(r.Role) }

// Name returns a short name of the data for titles: the data set's name, or
// the file's base name.
func (r Ref) Name() string {
	if r.Set != "" {
		return r.Set
	}
	return filepath.Base(r.Path)
}

// ClassNames returns the names of the classes of the data set, indexed by
// label; nil for an IDX file or a data set without names.
func (r Ref) ClassNames() []string {
	d, err := Lookup(r.Set)
	if err != nil {
		return nil
	}
	return d.Classes
}

// Open opens the images: a file as CIFAR-10 data (the role's set of a
// folder or archive) or as IDX, whatever its shape, of an element type
// images may have (see CheckContent); a data set's file as Open(Set, Role)
// finds it.
func (r Ref) Open() (*Reader, error) {
	switch {
	case r.IsFile() && r.Set == CIFARName:
		return OpenCIFAR(r.Path, r.Role)
	case r.IsFile():
		rd, err := OpenIDX(r.Path)
		if err != nil {
			return nil, err
		}
		return expect(rd, ContentImages)
	}
	rd, _, err := Open(r.Set, r.Role)
	return rd, err
}

// OpenOrMini is like Open, but when r names a data set whose images are not
// on the search path, the embedded mnist-mini set stands in for them if it
// can (as OpenOrMini does it: mnist-mini has the test split and 28x28
// images only): notice, when not nil, is told, and the Ref returned is the
// one opened, mnist-mini's, with Missing set. Otherwise the error of the
// missing file says why mnist-mini cannot stand in.
func (r Ref) OpenOrMini(notice func(Notice)) (*Reader, Ref, error) {
	if r.IsFile() || r.Set == MiniName {
		rd, err := r.Open()
		return rd, r, err
	}
	rd, _, err := Open(r.Set, r.Role)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return rd, r, err
	}
	f, ferr := miniFor(r.Set, r.Role, err)
	if ferr != nil {
		return nil, r, ferr
	}
	rd, _, oerr := openMini(f)
	if oerr != nil {
		return nil, r, oerr
	}
	if notice != nil {
		notice(Notice{Data: r.Arg, Set: r.Set, Role: r.Role, Err: err, N: rd.Remaining()})
	}
	return rd, Ref{Arg: r.Arg, Set: MiniName, Role: r.Role, Missing: err}, nil
}

// OpenLabels opens the labels of the images: the file given (an IDX file of
// labels, or CIFAR-10 data, whose labels of LabelRole it reads), else the
// labels the data carries: those of a CIFAR-10 file, or the data set's
// label file of the same split, from the folder of its images (see
// LocateLabels). It returns nil, nil for an IDX file given without labels,
// and for a data set whose label file is not on the search path, after
// telling notice (when not nil); other errors name the data set.
func (r Ref) OpenLabels(file string, notice func(Notice)) (*Reader, error) {
	switch {
	case file != "":
		return OpenFile(file, r.LabelRole())
	case r.IsFile() && r.Set == CIFARName:
		return OpenCIFAR(r.Path, r.LabelRole())
	case r.IsFile():
		return nil, nil
	}
	rd, _, err := OpenLabels(r.Set, r.Role)
	if errors.Is(err, ErrNotFound) {
		if notice != nil {
			notice(Notice{Data: r.Arg, Set: r.Set, Role: r.LabelRole(), Err: err})
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("labels of %s: %w", r.Set, err)
	}
	return rd, nil
}

// Read reads the images whole, at most limit of them when limit > 0 (see
// ReadImages), named by Name, with the class names of the data set. The
// labels are read separately (OpenLabels, Images.ReadLabels).
func (r Ref) Read(limit int) (*Images, error) {
	rd, err := r.Open()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	im, err := ReadImages(rd, limit)
	if err != nil {
		return nil, err
	}
	im.Name, im.ClassNames = r.Name(), r.ClassNames()
	return im, nil
}

// ReadLabelled reads the images whole, at most limit of them when limit >
// 0, as OpenOrMini opens them (notice is told when mnist-mini stands in),
// named by the Name of the Ref opened and with its class names, and their
// labels when there are any (see OpenLabels: from the file labels, else
// those the data carries). The Images have no Labels when none are found.
func (r Ref) ReadLabelled(labels string, limit int, notice func(Notice)) (*Images, error) {
	rd, r, err := r.OpenOrMini(notice)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	im, err := ReadImages(rd, limit)
	if err != nil {
		return nil, err
	}
	im.Name, im.ClassNames = r.Name(), r.ClassNames()
	lr, err := r.OpenLabels(labels, notice)
	if err != nil || lr == nil {
		return im, err
	}
	defer lr.Close()
	if lr.Remaining() > im.N { // the labels of the images read
		if err := lr.Range(0, im.N); err != nil {
			return nil, err
		}
	}
	if err := im.ReadLabels(lr); err != nil {
		return nil, err
	}
	return im, nil
}

// FilesOf returns the files the data string arg reads (see Resolve): the
// file, or the files of the data set found on the search path, all roles;
// none for the embedded set or an arg that names nothing. Commands check
// their outputs against them before they write anything.
func FilesOf(arg string) []string {
	ref, err := Resolve(arg, TestImages)
	switch {
	case err != nil:
		return nil
	case ref.IsFile():
		return []string{ref.Path}
	}
	var files []string
	for _, role := range Roles() {
		if p, err := Locate(ref.Set, role); err == nil && !slices.Contains(files, p) {
			files = append(files, p)
		}
	}
	return files
}
