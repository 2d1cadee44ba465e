package dataset

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"slices"
)

// MiniName is the name of the embedded data set: the first 2,000 images and
// labels of the MNIST test set. It has only the test roles.
const MiniName = "mnist-mini"

// mini holds the embedded files, made by internal/mkmini (see go:generate in
// doc.go).
//
//go:embed mini/t10k-images-idx3-ubyte.gz mini/t10k-labels-idx1-ubyte.gz
var mini embed.FS

// Source says where the data of a Reader returned by Open comes from.
type Source struct {
	// Path is the file path, or "embedded:mnist-mini/FILE" for embedded
	// data.
	Path string
	// Embedded reports that the data is the embedded mnist-mini set.
	Embedded bool
}

// Open opens the file with the given role of the data set called name. For
// mnist-mini it returns the embedded data; otherwise it finds the file with
// Locate and opens it with OpenIDX, or with OpenCIFAR for a data set
// distributed as one archive (cifar-10), whose Reader then holds the images
// or the labels of the role. The file must hold what its role says (see
// CheckContent).
func Open(name, role string) (*Reader, Source, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, Source{}, err
	}
	f, err := d.File(role)
	if err != nil {
		return nil, Source{}, err
	}
	if d.Embedded {
		return openMini(f)
	}
	path, err := Locate(name, role)
	if err != nil {
		return nil, Source{}, err
	}
	var r *Reader
	if f.Role == Archive {
		r, err = OpenCIFAR(path, role)
	} else if r, err = OpenIDX(path); err == nil {
		r, err = expect(r, contentOf(role))
	}
	if err != nil {
		return nil, Source{}, err
	}
	return r, Source{Path: path}, nil
}

// OpenLabels opens the labels of the images of role imageRole of the data
// set called name: for mnist-mini the embedded labels; otherwise the file
// LocateLabels finds, from the images' folder, or the archive's labels for
// a data set of one archive (cifar-10).
func OpenLabels(name, imageRole string) (*Reader, Source, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, Source{}, err
	}
	role := LabelRoleOf(imageRole)
	f, err := d.File(role)
	if err != nil {
		return nil, Source{}, err
	}
	if d.Embedded {
		return openMini(f)
	}
	_, path, err := LocateLabels(name, imageRole)
	if err != nil {
		return nil, Source{}, err
	}
	var r *Reader
	if f.Role == Archive {
		r, err = OpenCIFAR(path, role)
	} else if r, err = OpenIDX(path); err == nil {
		r, err = expect(r, ContentLabels)
	}
	if err != nil {
		return nil, Source{}, err
	}
	return r, Source{Path: path}, nil
}

// openMini opens the embedded file f of mnist-mini.
func openMini(f File) (*Reader, Source, error) {
	path := "embedded:" + MiniName + "/" + f.Name
	b, err := mini.ReadFile("mini/" + f.Name)
	if err != nil {
		return nil, Source{}, fmt.Errorf("read %s: %w", path, err)
	}
	r, err := NewReader(bytes.NewReader(b), path)
	if err != nil {
		return nil, Source{}, err
	}
	return r, Source{Path: path, Embedded: true}, nil
}

// OpenOrMini is like Open, but when the file of the data set called name is
// not found on the search path (not when it is found but malformed), it
// falls back to the embedded mnist-mini file of the same role and reports
// Source.Embedded, so that callers can say that they fell back. mnist-mini
// only has the test roles; for a train role the original error is returned,
// and so it is for a data set whose images are not 1x28x28 (cifar-10).
func OpenOrMini(name, role string) (*Reader, Source, error) {
	r, src, err := Open(name, role)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return r, src, err
	}
	f, err := miniFor(name, role, err)
	if err != nil {
		return nil, Source{}, err
	}
	return openMini(f)
}

// miniFor returns the file of mnist-mini that stands in for the file of the
// given role of the data set called name, not found with the error
// notFound; or notFound, saying why mnist-mini cannot stand in.
func miniFor(name, role string, notFound error) (File, error) {
	d, err := Lookup(MiniName)
	if err != nil {
		return File{}, err
	}
	if want, _ := Lookup(name); !slices.Equal(want.Shape, d.Shape) {
		return File{}, fmt.Errorf("%w (the embedded %s set has %v images, %s has %v)",
			notFound, MiniName, d.Shape, name, want.Shape)
	}
	f, err := d.File(role)
	if err != nil {
		return File{}, fmt.Errorf("%w (the embedded %s set has no %s)", notFound, MiniName, role)
	}
	return f, nil
}
