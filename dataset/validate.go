package dataset

import (
	"fmt"
	"slices"
)

// The input rule. Every command reads its data through this package, and
// the rule is the same for all of them:
//
//   - images are u8 (0 to 255, scaled to [0, 1]), f32 or f64; the signed
//     integer types i8, i16 and i32 have no agreed scaling and are refused,
//     which also catches a u8 file whose type byte was flipped to i8;
//   - codes (the inputs of a decoder) are f32 or f64;
//   - labels are one-dimensional u8 files;
//   - float values are finite: a Reader stops at the first NaN or ±Inf with
//     a *NonFiniteError naming the file and the example, unless the caller
//     asked for them (Reader.AllowNonFinite).

// A Content is what a command reads from a data file: images, codes or
// labels. It decides the element types the file may have.
type Content int

// The contents of data files.
const (
	// ContentImages are images: u8, f32 or f64.
	ContentImages Content = iota + 1
	// ContentCodes are an encoder's outputs, to decode: f32 or f64.
	ContentCodes
	// ContentLabels are class labels: one-dimensional u8.
	ContentLabels
)

// Types returns the element types a file of content c may have.
func (c Content) Types() []ElemType {
	switch c {
	case ContentImages:
		return []ElemType{U8, F32, F64}
	case ContentCodes:
		return []ElemType{F32, F64}
	case ContentLabels:
		return []ElemType{U8}
	}
	return nil
}

// Accepts reports whether a file of content c may have elements of type t.
func (c Content) Accepts(t ElemType) bool { return slices.Contains(c.Types(), t) }

// String names the content: "images", "codes" or "labels".
func (c Content) String() string {
	switch c {
	case ContentImages:
		return "images"
	case ContentCodes:
		return "codes"
	case ContentLabels:
		return "labels"
	}
	return fmt.Sprintf("Content(%d)", int(c))
}

// contentOf returns the content of the files of a catalogue role.
func contentOf(role string) Content {
	if role == TrainLabels || role == TestLabels {
		return ContentLabels
	}
	return ContentImages
}

// A ContentError says that a data file's elements are not of a type its
// content may have (see Content.Types), or that a labels file is not
// one-dimensional.
type ContentError struct {
	// File names the file and Header is its header.
	File   string
	Header Header
	// Content is what the file was read for.
	Content Content
}

// Error names the file, its element type and what the content takes.
func (e *ContentError) Error() string {
	switch e.Content {
	case ContentImages:
		return fmt.Sprintf("%s holds %s values; images are u8 (0 to 255, scaled to [0, 1]), f32 or f64", e.File, e.Header.Type)
	case ContentCodes:
		return fmt.Sprintf("%s holds %s values; codes are f32 or f64, such as zoo infer --task encode writes", e.File, e.Header.Type)
	}
	return fmt.Sprintf("%s holds %v; labels are a one-dimensional u8 file", e.File, e.Header)
}

// CheckContent reports whether a data file called name with header h can
// hold content c: its element type is one of c.Types(), and labels are
// one-dimensional. The error is a *ContentError.
func CheckContent(name string, h Header, c Content) error {
	if !c.Accepts(h.Type) || c == ContentLabels && len(h.Dims) != 1 {
		return &ContentError{File: name, Header: h, Content: c}
	}
	return nil
}

// expect checks that the Reader r, just opened, holds content c, and closes
// it when it does not.
func expect(r *Reader, c Content) (*Reader, error) {
	if err := CheckContent(r.name, r.hdr, c); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// A NonFiniteError says that a float value of a data file is NaN or ±Inf.
type NonFiniteError struct {
	// File names the data file.
	File string
	// Index is the example's index in the file (from 0), and Value the
	// index of the value within the example.
	Index, Value int
	// X is the value found.
	X float32
}

// Error names the file, the example and the value.
func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("%s: example %d holds %v (value %d of the example)", e.File, e.Index, e.X, e.Value)
}

// firstNonFinite returns the index of the first NaN or ±Inf in x, or -1.
func firstNonFinite(x []float32) int {
	for i, v := range x {
		if v-v != 0 { // NaN - NaN and Inf - Inf are NaN; finite v - v is 0
			return i
		}
	}
	return -1
}

// AllowNonFinite makes r return NaN and ±Inf values as they are, instead of
// stopping at the first with a *NonFiniteError.
func (r *Reader) AllowNonFinite() { r.nonFinite = true }
