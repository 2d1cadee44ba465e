package figure

import (
	"fmt"
	"slices"
)

// A Spec describes one figure: its name and help, what it needs (see
// [Needs]) and the settings it reads (see [Param]). [Specs] lists them
// all; zoo figure builds its subcommands from them and zoo report draws
// those that apply.
type Spec struct {
	// Name is the figure's name, such as "recon".
	Name string
	// Usage is one line saying what the figure shows.
	Usage string
	// Help is a paragraph on what the figure draws and how.
	Help string
	// Example is a zoo figure command line that draws it.
	Example string
	// Needs says what the figure takes.
	Needs Needs
	// Params are the settings the figure reads, in the order zoo figure
	// lists their flags.
	Params []Param

	// check tests what Needs cannot say (such as a code of at least two
	// values), after the model's parts and before the data; nil for none.
	check func(fig string, m *Model, d *Data, opt Options) error
}

// A Need says whether a figure takes an input.
type Need int

const (
	// None means the figure does not read the input.
	None Need = iota
	// Optional means the figure uses the input when given.
	Optional
	// Required means the figure does not apply without the input.
	Required
)

// Needs says what a figure takes. The parts (Whole, Encoder, Decoder, Code,
// Code2, FirstLayer, Hidden) are those of the model; a figure of several
// models (Several) needs them of each.
type Needs struct {
	// Model: the figure draws a model (all but curves); Several: one or
	// more of them (montage).
	Model, Several bool
	// Data is whether the figure reads images (a [Data]); Labels: it needs
	// their labels.
	Data   Need
	Labels bool
	// Whole, Encoder and Decoder are the model's parts it runs: the whole
	// autoencoder (model.onnx, not a classifier), the encoder, the decoder.
	Whole, Encoder, Decoder bool
	// Code: the model's code size must be known; Code2: it must be 2.
	Code, Code2 bool
	// FirstLayer: the figure draws the model's first-layer weights
	// (Model.First).
	FirstLayer bool
	// Hidden: the figure draws a hidden layer: the encoder's output, or
	// else the first layer computed from Model.First.
	Hidden bool
	// Classifier: a classifier model in Options.Classifier.
	Classifier bool
	// Other: out-of-distribution data in Options.Other, when given.
	Other bool
	// Runs: training runs in Options.Runs (and no model).
	Runs bool
}

// ReadsFirstLayer reports whether the figure may use the model's
// first-layer weights, which a caller reads with [ReadFirstLayer].
func (n Needs) ReadsFirstLayer() bool { return n.FirstLayer || n.Hidden }

// A ParamKind says how a param's value is written.
type ParamKind int

const (
	// Text is a string, such as a list of numbers.
	Text ParamKind = iota
	// Int is an integer.
	Int
	// Int64 is a 64-bit integer, such as a seed.
	Int64
	// Index is a list of positions and ranges of items of the data (such
	// as 0-7 or 3,9,12), which the caller resolves against the data into
	// Options.Index.
	Index
)

// A Param is one setting of a figure, named as zoo figure's flag for it.
type Param struct {
	// Name is the setting's name, such as "n" or "range".
	Name string
	// Usage is one line of help; a word in back quotes names the value.
	Usage string
	// Kind says how the value is written.
	Kind ParamKind
	// Default is the value, as text, taken when none is given; "" for
	// none.
	Default string
	// Required: the figure needs a value that is not empty; Example is one.
	Required bool
	Example  string

	set func(opt *Options, v string) error
}

// Set parses v, the param's value as text, into opt. Params of kind Index
// are resolved by the caller into Options.Index; Set ignores them. A value
// that does not parse is a *[ParamError].
func (p Param) Set(opt *Options, v string) error {
	if p.set == nil {
		return nil
	}
	return p.set(opt, v)
}

// A ParamError is the error of a param value that does not parse or is out
// of range, such as a grid side of 0.
type ParamError struct {
	// Param is the param's name; Reason says what is wrong, starting with
	// the value.
	Param, Reason string
}

// Error returns the param name and the reason, such as "n 0 must be positive".
func (e *ParamError) Error() string { return e.Param + " " + e.Reason }

// Specs returns the table of figures, in the order a report shows them.
func Specs() []Spec {
	out := slices.Clone(specs)
	for i := range out {
		out[i].Params = slices.Clone(out[i].Params)
	}
	return out
}

// Names lists every figure, in the order a report shows them.
func Names() []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

// spec returns the spec of figure name, or nil.
func spec(name string) *Spec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	return nil
}

// Make makes the figure called name (one of [Names]) of models[0] (all of
// models for montage) on data d, which may be nil for the figures that
// need none. A figure that does not apply fails with an error wrapping
// [ErrNotApplicable].
func Make(name string, models []*Model, d *Data, opt Options) (*Figure, error) {
	s := spec(name)
	if s == nil {
		return nil, fmt.Errorf("no figure %q (figures: %v)", name, Names())
	}
	switch name {
	case "curves":
		return Curves(opt)
	case "sweep":
		return Sweep(opt)
	}
	if len(models) == 0 || models[0] == nil {
		return nil, fmt.Errorf("figure %s: no model", name)
	}
	if s.Needs.Several {
		return Montage(models, d, opt)
	}
	m := models[0]
	switch name {
	case "recon":
		return Recon(m, d, opt)
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
	return nil, fmt.Errorf("figure %s: no maker", name)
}

// Applicable returns the names of the figures that apply to model m with
// data d (nil for none) and the options opt, in the order of [Names]: those
// whose [Needs] m, d and opt meet (class-map only with opt.Classifier,
// decode only with opt.Codes, curves only with opt.Runs). It runs no model.
func Applicable(m *Model, d *Data, opt Options) []string {
	var out []string
	for i := range specs {
		if specs[i].applies(m, d, opt) == nil {
			out = append(out, specs[i].Name)
		}
	}
	return out
}

// applies returns nil if the figure applies to m, d and opt, or an error
// wrapping ErrNotApplicable that says why not. It runs no model.
func (s *Spec) applies(m *Model, d *Data, opt Options) error {
	_, err := s.prepare(m, d, opt, 0)
	return err
}

// A frame is what a figure's preamble found: the channels, height and
// width of the images of the data (when the figure needs data), and the
// items of the data the figure shows.
type frame struct {
	c, h, w int
	index   []int
}

// prepare checks that m, d and opt meet the needs of figure s, in the
// order: the model's parts, the figure's own check, the classifier, runs,
// the data. It returns the frame, whose index is opt.Index (checked) or
// the first show items of d when the figure has an index param.
func (s *Spec) prepare(m *Model, d *Data, opt Options, show int) (frame, error) {
	var f frame
	n, fig := s.Needs, s.Name
	if err := m.has(fig, n); err != nil {
		return f, err
	}
	if s.check != nil && n.Model {
		if err := s.check(fig, m, d, opt); err != nil {
			return f, err
		}
	}
	switch {
	case n.Classifier && (opt.Classifier == nil || opt.Classifier.Whole == nil):
		return f, notApplicable(fig, "no classifier given")
	case n.Runs && len(opt.Runs) == 0:
		return f, notApplicable(fig, "no runs given")
	case n.Data != Required:
		return f, nil
	}
	var err error
	if f.c, f.h, f.w, err = d.check(fig, m, n.Labels); err != nil {
		return f, err
	}
	if slices.ContainsFunc(s.Params, func(p Param) bool { return p.Kind == Index }) {
		f.index, err = d.index(fig, opt, show)
	}
	return f, err
}

// prepare is the preamble of figure fig: see [Spec.prepare].
func prepare(fig string, m *Model, d *Data, opt Options, show int) (frame, error) {
	return spec(fig).prepare(m, d, opt, show)
}
