package figure

import (
	"fmt"
	"image/png"
	"io"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// EncodePNG writes the figure as PNG to w.
func (f *Figure) EncodePNG(w io.Writer) error {
	if err := png.Encode(w, f.Image); err != nil {
		return fmt.Errorf("encode figure %s: %w", f.Name, err)
	}
	return nil
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
