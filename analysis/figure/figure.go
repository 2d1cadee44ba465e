package figure

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"strconv"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// EncodePNG writes the figure as PNG to w.
func (f *Figure) EncodePNG(w io.Writer) error {
	if err := png.Encode(w, f.Image); err != nil {
		return fmt.Errorf("encode figure %s: %w", f.Name, err)
	}
	return nil
}

// PNG returns the figure encoded as PNG.
func (f *Figure) PNG() ([]byte, error) {
	var b bytes.Buffer
	err := f.EncodePNG(&b)
	return b.Bytes(), err
}

// WritePNG writes the figure as PNG to path, through a temporary file in
// the same folder renamed into place. An existing path is an error unless
// force is set.
func (f *Figure) WritePNG(path string, force bool) error {
	af, err := atomicfile.Create(path, force)
	if err != nil {
		return err
	}
	defer af.Abort()
	if err := png.Encode(af, f.Image); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return af.Commit()
}

// itemLabel labels item i of d: "i" or "i (label)".
func itemLabel(d *Data, i int) string {
	if d.Labels != nil {
		return fmt.Sprintf("%d (%s)", i, d.className(int(d.Labels[i])))
	}
	return strconv.Itoa(i)
}

// title returns opt.Title or def.
func (opt Options) title(def string) string {
	if opt.Title != "" {
		return opt.Title
	}
	return def
}

// done returns the figure name, titled title, with its image and notes.
func done(name, title string, img image.Image, notes ...string) *Figure {
	return &Figure{Name: name, Title: title, Image: img, Notes: notes}
}
