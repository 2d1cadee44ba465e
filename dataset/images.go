package dataset

import (
	"errors"
	"fmt"
	"io"
)

// Images is a set of examples read whole into memory, with their labels
// when known. Its JSON form (name, digests, count) says where the data came
// from, as a training run records it.
type Images struct {
	// Name says where the images came from: a path, a data set name, or
	// "embedded:...".
	Name string `json:"name"`
	// SHA256 is the digest of the file the images were read from, if known.
	SHA256 string `json:"sha256,omitempty"`
	// N is the number of examples and Shape the shape of one, such as
	// [28, 28] or [3, 32, 32].
	N     int   `json:"n"`
	Shape []int `json:"-"`
	// X holds the N examples back to back; u8 images are scaled to [0, 1].
	X []float32 `json:"-"`
	// Labels holds the class of each example, or is nil. LabelsName and
	// LabelsSHA256 say where they came from.
	Labels       []uint8 `json:"-"`
	LabelsName   string  `json:"labels,omitempty"`
	LabelsSHA256 string  `json:"labels_sha256,omitempty"`
	// ClassNames names the classes, indexed by label; nil for numbers.
	ClassNames []string `json:"-"`
}

// ReadAll reads every remaining item of r as float32, converted as by
// ReadFloat32.
func (r *Reader) ReadAll() ([]float32, error) { return r.readFloats(r.Remaining()) }

// readFloats reads the next n items, which must remain.
func (r *Reader) readFloats(n int) ([]float32, error) {
	x := make([]float32, n*r.hdr.ItemLen())
	got, err := r.ReadFloat32(x)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if got != n {
		return nil, fmt.Errorf("read %s: got %d of %d examples", r.name, got, n)
	}
	return x, nil
}

// ReadAllLabels reads every remaining item of r, which must hold labels: a
// 1-D u8 file (the error says what the file holds otherwise).
func (r *Reader) ReadAllLabels() ([]uint8, error) { return readAllLabels(r, r.name) }

// ReadImages reads the remaining examples of r into memory, at most limit
// of them when limit > 0, named after r. r must hold images: examples of at
// least one dimension, at least one of them.
func ReadImages(r *Reader, limit int) (*Images, error) {
	h := r.Header()
	if len(h.Dims) < 2 {
		return nil, fmt.Errorf("%s holds %v, not images", r.Name(), h)
	}
	n := r.Remaining()
	if limit > 0 {
		n = min(n, limit)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s holds no images", r.Name())
	}
	x, err := r.readFloats(n)
	if err != nil {
		return nil, err
	}
	return &Images{Name: r.Name(), N: n, Shape: h.Dims[1:], X: x}, nil
}

// ItemLen returns the number of values of one example.
func (d *Images) ItemLen() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// SetLabels attaches the class labels of d's examples, read from the file
// name with digest sha256 (either may be empty). There must be one label
// per example.
func (d *Images) SetLabels(labels []uint8, name, sha256 string) error {
	if len(labels) != d.N {
		return fmt.Errorf("labels %s: %d labels for the %d images of %s", name, len(labels), d.N, d.Name)
	}
	d.Labels, d.LabelsName, d.LabelsSHA256 = labels, name, sha256
	return nil
}

// ReadLabels reads the labels of d's examples from r, which must hold one
// per example (see SetLabels), and names r as where they came from.
func (d *Images) ReadLabels(r *Reader) error {
	l, err := r.ReadAllLabels()
	if err != nil {
		return err
	}
	return d.SetLabels(l, r.Name(), "")
}

// Limit keeps the first n examples (and labels) of d, if it has more, and
// says so in its name.
func (d *Images) Limit(n int) {
	if n <= 0 || n >= d.N {
		return
	}
	d.N, d.X = n, d.X[:n*d.ItemLen()]
	if d.Labels != nil {
		d.Labels = d.Labels[:n]
	}
	d.Name = fmt.Sprintf("%s (first %d)", d.Name, n)
}
