package figure

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/zoo"
)

// needsFixture returns a model, data and options that give figure s exactly
// what its Needs and required params ask for, and nothing else: the blob
// model's parts, the linear model's first layer, the fixture's images (with
// labels only when needed), a classifier, runs.
func needsFixture(t *testing.T, s Spec) ([]*Model, *Data, Options) {
	t.Helper()
	n, blob := s.Needs, blobModel()
	m := &Model{Name: "fixture", Task: zoo.Reconstruct, Input: []int{1, 28, 28}}
	if n.Whole {
		m.Whole = blob.Whole
	}
	if n.Encoder {
		m.Encoder = blob.Encoder
	}
	if n.Decoder {
		m.Decoder = blob.Decoder
	}
	if n.Code || n.Code2 {
		m.Code = 2
	}
	if n.FirstLayer || n.Hidden {
		m.First = linearModel(30).First
	}
	var models []*Model
	if n.Model {
		models = []*Model{m}
	}
	if n.Several {
		other := *m
		other.Name = "fixture-2"
		models = append(models, &other)
	}
	var d *Data
	if n.Data == Required {
		d = fixture(t, 32)
		if !n.Labels {
			d.Labels = nil
		}
	}
	var opt Options
	if n.Classifier {
		opt.Classifier = quadrantClassifier()
	}
	if n.Runs {
		opt.Runs = []string{writeMetrics(t, t.TempDir(), "run", false)}
	}
	for _, p := range s.Params {
		if p.Required {
			if err := p.Set(&opt, p.Example[1:len(p.Example)-1]); err != nil { // the example is quoted
				t.Fatalf("%s: param %s: example %s: %v", s.Name, p.Name, p.Example, err)
			}
		}
	}
	return models, d, opt
}

// TestSpecsMakeable makes every figure of Specs from a fixture that has
// exactly its needs, then takes each need away in turn: the figure must no
// longer apply.
func TestSpecsMakeable(t *testing.T) {
	for _, s := range Specs() {
		t.Run(s.Name, func(t *testing.T) {
			models, d, opt := needsFixture(t, s)
			f, err := Make(s.Name, models, d, opt)
			if err != nil {
				t.Fatalf("with exactly its needs: %v", err)
			}
			if f.Name != s.Name || f.Image == nil {
				t.Errorf("figure %q, image %v", f.Name, f.Image != nil)
			}
			var m *Model
			if len(models) > 0 {
				m = models[0]
			}
			if !slices.Contains(Applicable(m, d, opt), s.Name) {
				t.Errorf("Applicable = %v lacks %s", Applicable(m, d, opt), s.Name)
			}
			for _, take := range takeAways(s) {
				models, d, opt := needsFixture(t, s)
				what := take(models, &d, &opt)
				if _, err := Make(s.Name, models, d, opt); !errors.Is(err, ErrNotApplicable) {
					t.Errorf("without %s: error %v, want ErrNotApplicable", what, err)
				}
				if m != nil && slices.Contains(Applicable(models[0], d, opt), s.Name) {
					t.Errorf("without %s: Applicable lists it", what)
				}
			}
		})
	}
}

// takeAways returns one function per need of s that takes it away from a
// fixture and says what it took.
func takeAways(s Spec) []func(models []*Model, d **Data, opt *Options) string {
	n := s.Needs
	var out []func([]*Model, **Data, *Options) string
	add := func(need bool, f func([]*Model, **Data, *Options) string) {
		if need {
			out = append(out, f)
		}
	}
	add(n.Whole, func(ms []*Model, _ **Data, _ *Options) string { ms[0].Whole = nil; return "the whole model" })
	add(n.Encoder, func(ms []*Model, _ **Data, _ *Options) string { ms[0].Encoder = nil; return "the encoder" })
	add(n.Decoder, func(ms []*Model, _ **Data, _ *Options) string { ms[0].Decoder = nil; return "the decoder" })
	add(n.Code || n.Code2, func(ms []*Model, _ **Data, _ *Options) string { ms[0].Code = 0; return "the code size" })
	add(n.Code2, func(ms []*Model, _ **Data, _ *Options) string { ms[0].Code = 3; return "a 2-D code" })
	add(n.FirstLayer || n.Hidden, func(ms []*Model, _ **Data, _ *Options) string { ms[0].First = nil; return "the first layer" })
	add(n.Data == Required, func(_ []*Model, d **Data, _ *Options) string { *d = nil; return "the data" })
	add(n.Labels, func(_ []*Model, d **Data, _ *Options) string { (*d).Labels = nil; return "the labels" })
	add(n.Classifier, func(_ []*Model, _ **Data, o *Options) string { o.Classifier = nil; return "the classifier" })
	add(n.Runs, func(_ []*Model, _ **Data, o *Options) string { o.Runs = nil; return "the runs" })
	add(slices.ContainsFunc(s.Params, func(p Param) bool { return p.Required }),
		func(_ []*Model, _ **Data, o *Options) string { o.Codes = nil; return "the required param" })
	return out
}

// TestSpecTable checks the table itself: names unique and in the order of
// Names, help and an example for each, a model or runs, every param's
// default parses, and a Spec's copy does not share its params.
func TestSpecTable(t *testing.T) {
	specs := Specs()
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
		if s.Usage == "" || s.Help == "" || s.Example == "" {
			t.Errorf("%s: usage, help or example missing", s.Name)
		}
		if s.Needs.Model == s.Needs.Runs {
			t.Errorf("%s: takes a model %v, runs %v: want one of them", s.Name, s.Needs.Model, s.Needs.Runs)
		}
		if (s.Needs.Labels || s.Needs.Other) && s.Needs.Data != Required {
			t.Errorf("%s: labels or other data without data", s.Name)
		}
		seen := map[string]bool{}
		for _, p := range s.Params {
			if seen[p.Name] {
				t.Errorf("%s: param %s twice", s.Name, p.Name)
			}
			seen[p.Name] = true
			var opt Options
			if p.Default != "" {
				if err := p.Set(&opt, p.Default); err != nil {
					t.Errorf("%s: param %s: default %q: %v", s.Name, p.Name, p.Default, err)
				}
			}
			if p.Required && p.Example == "" {
				t.Errorf("%s: required param %s has no example", s.Name, p.Name)
			}
		}
	}
	if !slices.Equal(names, Names()) {
		t.Errorf("Specs %v, Names %v", names, Names())
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Errorf("names repeat: %v", names)
	}
	specs[0].Params[0].Name = "changed"
	if Specs()[0].Params[0].Name == "changed" {
		t.Error("Specs shares its params with the caller")
	}
}

// TestParams sets params from text as zoo figure's flags give them.
func TestParams(t *testing.T) {
	param := func(fig, name string) Param {
		t.Helper()
		for _, s := range Specs() {
			for _, p := range s.Params {
				if s.Name == fig && p.Name == name {
					return p
				}
			}
		}
		t.Fatalf("no param %s of %s", name, fig)
		return Param{}
	}
	for _, tc := range []struct {
		fig, param, value string
		check             func(Options) bool
		err               string // ParamError text; "" for none
	}{
		{"latent-grid", "n", "12", func(o Options) bool { return o.Side == 12 && o.Samples == 0 }, ""},
		{"class-map", "n", "40", func(o Options) bool { return o.Side == 40 }, ""},
		{"sample", "n", "9", func(o Options) bool { return o.Samples == 9 && o.Side == 0 }, ""},
		{"interpolate", "n", "5", func(o Options) bool { return o.Steps == 5 }, ""},
		{"filters", "n", "16", func(o Options) bool { return o.Filters == 16 }, ""},
		{"filters", "n", "0", nil, "n 0 must be positive"},
		{"sample", "seed", "-7", func(o Options) bool { return o.Seed == -7 }, ""},
		{"sample", "range", "-2,3.5", func(o Options) bool { return o.Range == [2]float64{-2, 3.5} }, ""},
		{"sample", "range", "", func(o Options) bool { return o.Range == [2]float64{} }, ""},
		{"sample", "range", "1,-1", nil, `range "1,-1": want LO,HI with LO < HI, such as -1,1`},
		{"sample", "range", "1", nil, `range "1": want LO,HI`},
		{"sample", "dist", "uniform", func(o Options) bool { return o.Dist == "uniform" }, ""},
		{"sample", "dist", "cauchy", nil, `dist "cauchy": want normal or uniform`},
		{"decode", "z", "1,2;3,-4", func(o Options) bool {
			return len(o.Codes) == 2 && slices.Equal(o.Codes[1], []float32{3, -4})
		}, ""},
		{"decode", "z", "1,x", nil, `z "1,x": code "1,x": "x" is not a number`},
		{"noise", "levels", "0.2, 0.4", func(o Options) bool { return slices.Equal(o.Levels, []float64{0.2, 0.4}) }, ""},
		{"noise", "latent-levels", "", func(o Options) bool { return o.LatentLevels != nil && len(o.LatentLevels) == 0 }, ""},
		{"noise", "latent-levels", "1,q", nil, `latent-levels "1,q": "q" is not a number`},
	} {
		var opt Options
		err := param(tc.fig, tc.param).Set(&opt, tc.value)
		if tc.err != "" {
			var pe *ParamError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("%s --%s %q: error %v, want ParamError %q", tc.fig, tc.param, tc.value, err, tc.err)
			}
			continue
		}
		if err != nil || !tc.check(opt) {
			t.Errorf("%s --%s %q: %+v, %v", tc.fig, tc.param, tc.value, opt, err)
		}
	}
	var opt Options
	if err := param("recon", "index").Set(&opt, "0-3"); err != nil || opt.Index != nil {
		t.Errorf("an index param set the options: %v %v", opt.Index, err)
	}
}
