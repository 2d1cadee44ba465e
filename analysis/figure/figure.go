package figure

import (
	"fmt"
	"image/png"
	"io"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// Make makes the figure called name (one of [Names]) of models[0] (all of
// models for montage) on data d; d may be nil for the figures that need no
// data (latent-grid, sample, decode, filters, curves).
func Make(name string, models []*Model, d *Data, opt Options) (*Figure, error) {
	if name == "curves" {
		return Curves(opt)
	}
	if len(models) == 0 || models[0] == nil {
		return nil, fmt.Errorf("figure %s: no model", name)
	}
	m := models[0]
	switch name {
	case "recon":
		return Recon(m, d, opt)
	case "montage":
		return Montage(models, d, opt)
	case "latent-scatter":
		return LatentScatter(m, d, opt)
	case "latent-grid":
		return LatentGrid(m, d, opt)
	case "class-map":
		return ClassMap(m, d, opt)
	case "interpolate":
		return Interpolate(m, d, opt)
	case "latent-pca":
		return LatentPCA(m, d, opt)
	case "class-means":
		return ClassMeans(m, d, opt)
	case "sample":
		return Sample(m, d, opt)
	case "decode":
		return Decode(m, opt)
	case "filters":
		return Filters(m, opt)
	case "activations":
		return Activations(m, d, opt)
	case "noise":
		return Noise(m, d, opt)
	case "ood":
		return OOD(m, d, opt)
	}
	return nil, fmt.Errorf("no figure %q (figures: %v)", name, Names())
}

// Applicable returns the names of the figures that apply to model m with
// data d (nil for none) and the options opt, in the order of [Names]:
// class-map only with opt.Classifier, decode only with opt.Codes, curves
// only with opt.Runs, and each other one when m has the parts it runs and d
// the labels it needs.
func Applicable(m *Model, d *Data, opt Options) []string {
	var out []string
	for _, name := range Names() {
		if applies(name, m, d, opt) == nil {
			out = append(out, name)
		}
	}
	return out
}

// applies returns nil if figure name applies, or an error wrapping
// ErrNotApplicable that says why not. It runs no model.
func applies(name string, m *Model, d *Data, opt Options) error {
	data := func(labels bool) error {
		_, _, _, err := d.check(name, m, labels)
		return err
	}
	var err error
	switch name {
	case "recon", "noise", "ood":
		if err = m.needs(name, "whole"); err == nil {
			err = data(false)
		}
	case "montage":
		if err = m.needs(name, "whole"); err == nil {
			err = data(true)
		}
	case "latent-scatter", "latent-pca":
		if err = m.needs(name, "encoder", "code"); err == nil && m.Code < 2 {
			err = notApplicable(name, "model %s has a 1-D code", m.name())
		}
		if err == nil {
			err = m.needs(name, map[bool]string{true: "decoder", false: "encoder"}[name == "latent-pca"])
		}
		if err == nil {
			err = data(false)
		}
	case "latent-grid":
		err = m.needs(name, "decoder", "code2")
	case "class-map":
		if err = m.needs(name, "decoder", "code2"); err == nil && (opt.Classifier == nil || opt.Classifier.Whole == nil) {
			err = notApplicable(name, "no classifier given")
		}
	case "interpolate":
		if err = m.needs(name, "encoder", "decoder", "code"); err == nil {
			err = data(false)
		}
	case "class-means":
		if err = m.needs(name, "encoder", "decoder", "code"); err == nil {
			err = data(true)
		}
	case "sample":
		if err = m.needs(name, "decoder", "code"); err == nil {
			_, _, _, err = m.dims(name)
		}
	case "decode":
		if err = m.needs(name, "decoder", "code"); err == nil && len(opt.Codes) == 0 {
			err = notApplicable(name, "no codes given")
		}
	case "filters":
		if m == nil || m.First == nil {
			err = notApplicable(name, "no first-layer weights")
		}
	case "activations":
		if m == nil || (m.Encoder == nil && m.First == nil) {
			err = notApplicable(name, "no encoder and no first-layer weights")
		} else {
			err = data(false)
		}
	case "curves":
		if len(opt.Runs) == 0 {
			err = notApplicable(name, "no runs given")
		}
	default:
		err = fmt.Errorf("no figure %q", name)
	}
	return err
}

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
