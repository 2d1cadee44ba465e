package sweep

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/zoo"
)

// Keys that are not recipe keys but name what a run varies in.
const (
	// KeyModel is the architecture of a run: the axis of Grid.Models.
	KeyModel = "model"
	// KeySeed is the recipe's seed: the axis of Grid.Seeds.
	KeySeed = "seed"
)

// A Setting is one recipe value, as zoo train --set takes it: a key of
// zoo.RecipeKeys and its value, such as {"sparsity", "4e-6"}.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// String returns the setting as KEY=VALUE.
func (s Setting) String() string { return s.Key + "=" + s.Value }

// An Axis is one swept recipe key and its values, in the order given.
type Axis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// ParseAxis parses a --set of zoo sweep, KEY=V1,V2,...: a recipe key and one
// or more values.
func ParseAxis(s string) (Axis, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return Axis{}, fmt.Errorf("--set %q: want KEY=VALUES, such as lr=1e-3,3e-4", s)
	}
	a := Axis{Key: k}
	for f := range strings.SplitSeq(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			return Axis{}, fmt.Errorf("--set %q: an empty value", s)
		}
		a.Values = append(a.Values, f)
	}
	return a, nil
}

// ParseSeeds parses --seeds, a comma-separated list of integers.
func ParseSeeds(s string) ([]int64, error) {
	var seeds []int64
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--seeds %q: %q is not an integer", s, f)
		}
		seeds = append(seeds, v)
	}
	return seeds, nil
}

// A Grid is what a sweep expands into runs: every model, with every
// combination of the values of the axes, and every seed.
type Grid struct {
	// Models are the registry models to train; several are the
	// architecture variants of a study (shallow-ae-64, shallow-ae-128, ...).
	Models []string `json:"models"`
	// Axes are the swept recipe keys.
	Axes []Axis `json:"axes,omitempty"`
	// Seeds are the seeds of each combination; none is the recipe's seed.
	Seeds []int64 `json:"seeds,omitempty"`
	// Fixed are recipe values every run takes (zoo sweep's --epochs,
	// --batch, ...), applied before the axes.
	Fixed []Setting `json:"fixed,omitempty"`
}

// A Variant is one run of a sweep.
type Variant struct {
	// Index is the variant's position in the sweep, from 0: the task of a
	// Slurm array job that trains it.
	Index int `json:"index"`
	// Name names its run folder: the values it varies in, such as
	// "sparsity=4e-6-seed=1".
	Name string `json:"name"`
	// Model is the registry model it trains.
	Model string `json:"model"`
	// Set are its recipe values, applied in order: the grid's fixed ones,
	// then one per axis, then the seed.
	Set []Setting `json:"set"`
}

// Recipe returns the variant's model with its recipe values applied.
func (v Variant) Recipe() (*zoo.Model, error) {
	m, err := zoo.Lookup(v.Model)
	if err != nil {
		return nil, err
	}
	for _, s := range v.Set {
		if err := m.Recipe.Set(s.Key, s.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return m, nil
}

// check reports a grid that cannot be expanded: no model, an axis of a key
// that is not a recipe key or that is given twice, the seed or the model as
// a recipe axis.
func (g Grid) check() error {
	if len(g.Models) == 0 {
		return fmt.Errorf("sweep: no model")
	}
	if i := firstRepeat(g.Models); i >= 0 {
		return fmt.Errorf("sweep: model %s given twice", g.Models[i])
	}
	keys := zoo.RecipeKeys()
	var seen []string
	for _, a := range g.Axes {
		switch {
		case a.Key == KeySeed:
			return fmt.Errorf("sweep: --set seed=...: give the seeds with --seeds")
		case a.Key == KeyModel:
			return fmt.Errorf("sweep: --set model=...: give the models with --models")
		case !slices.Contains(keys, a.Key):
			return fmt.Errorf("sweep: unknown recipe key %q (known: %s)", a.Key, strings.Join(keys, ", "))
		case slices.Contains(seen, a.Key):
			return fmt.Errorf("sweep: recipe key %s is swept twice", a.Key)
		case len(a.Values) == 0:
			return fmt.Errorf("sweep: recipe key %s has no values", a.Key)
		}
		if i := firstRepeat(a.Values); i >= 0 {
			return fmt.Errorf("sweep: %s=%s given twice", a.Key, a.Values[i])
		}
		seen = append(seen, a.Key)
	}
	if i := firstRepeat(g.Seeds); i >= 0 {
		return fmt.Errorf("sweep: seed %d given twice", g.Seeds[i])
	}
	return nil
}

// firstRepeat returns the index of the first value of s that an earlier
// one equals, or -1.
func firstRepeat[T comparable](s []T) int {
	for i := range s {
		if slices.Index(s[:i], s[i]) >= 0 {
			return i
		}
	}
	return -1
}

// Varied returns the keys the grid varies in, in the order of run names:
// the model when there are several, each axis of more than one value, and
// the seed.
func (g Grid) Varied() []string {
	var keys []string
	if len(g.Models) > 1 {
		keys = append(keys, KeyModel)
	}
	for _, a := range g.Axes {
		if len(a.Values) > 1 {
			keys = append(keys, a.Key)
		}
	}
	return append(keys, KeySeed)
}

// Expand returns the runs of the grid: for each model, each combination of
// axis values (the first axis varying slowest) and each seed, in that
// order. Each is checked: its recipe values must be valid for its model.
// Names are unique and safe as folder names (see Name).
func (g Grid) Expand() ([]Variant, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	seeds := g.Seeds
	var out []Variant
	for _, model := range g.Models {
		m, err := zoo.Lookup(model)
		if err != nil {
			return nil, err
		}
		if len(g.Seeds) == 0 {
			seeds = []int64{m.Recipe.Seed}
		}
		for _, combo := range combinations(g.Axes) {
			for _, seed := range seeds {
				v := Variant{Index: len(out), Model: model}
				v.Set = append(append(slices.Clone(g.Fixed), combo...), Setting{KeySeed, strconv.FormatInt(seed, 10)})
				if _, err := v.Recipe(); err != nil {
					return nil, fmt.Errorf("sweep: %w", err)
				}
				v.Name = g.name(v)
				out = append(out, v)
			}
		}
	}
	return out, uniqueNames(out)
}

// uniqueNames reports two runs whose values differ only in characters
// that SafeName replaces, which would share a folder.
func uniqueNames(runs []Variant) error {
	names := map[string]int{}
	for _, v := range runs {
		if j, ok := names[v.Name]; ok {
			return fmt.Errorf("sweep: runs %d and %d would share the folder name %s; give values that differ in letters or digits", j, v.Index, v.Name)
		}
		names[v.Name] = v.Index
	}
	return nil
}

// combinations returns every combination of one value of each axis, the
// first axis varying slowest; one empty combination for no axes.
func combinations(axes []Axis) [][]Setting {
	out := [][]Setting{nil}
	for _, a := range axes {
		var next [][]Setting
		for _, c := range out {
			for _, v := range a.Values {
				next = append(next, append(slices.Clone(c), Setting{a.Key, v}))
			}
		}
		out = next
	}
	return out
}

// name returns the folder name of v: KEY=VALUE of each key the grid
// varies in, joined by "-", such as "model=shallow-ae-64-seed=0".
func (g Grid) name(v Variant) string {
	var parts []string
	for _, k := range g.Varied() {
		val := v.Model
		if k != KeyModel {
			for _, s := range v.Set {
				if s.Key == k {
					val = s.Value
				}
			}
		}
		parts = append(parts, k+"="+SafeName(val))
	}
	return strings.Join(parts, "-")
}

// SafeName returns s with every character but ASCII letters, digits and
// ".+-_" replaced by "_", so that it is safe in a folder name on any
// system and in a shell word: "gaussian:0.3" becomes "gaussian_0.3".
func SafeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !safeByte(c, ".+-_") {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] == '.' || b[0] == '-' {
		return "_" + string(b)
	}
	return string(b)
}

// Folder returns the folder a sweep of models goes in under the runs
// folder: the model's name for one model, else the longest common prefix
// of their names that ends before a "-" ("shallow-ae" for shallow-ae-64
// and shallow-ae-128), or "models" when they share none.
func Folder(models []string) string {
	if len(models) == 1 {
		return models[0]
	}
	p := models[0]
	for _, m := range models[1:] {
		n := 0
		for n < len(p) && n < len(m) && p[n] == m[n] {
			n++
		}
		p = p[:n]
	}
	for _, m := range models {
		if len(m) > len(p) && m[len(p)] != '-' {
			// The prefix ends inside a word of m: cut back to a "-".
			i := strings.LastIndexByte(p, '-')
			if i < 0 {
				p = ""
			} else {
				p = p[:i]
			}
		}
	}
	p = strings.TrimRight(p, "-")
	if p == "" {
		return "models"
	}
	return p
}

// DefaultName returns the name of a sweep that was given none: the keys
// it varies in but the seed, joined by "+" ("model", "sparsity",
// "lr+batch"), or "seed" when only the seed varies.
func (g Grid) DefaultName() string {
	keys := g.Varied()
	if len(keys) == 1 {
		return KeySeed
	}
	return strings.Join(keys[:len(keys)-1], "+")
}

// safeByte reports whether c is an ASCII letter or digit, or one of extra.
func safeByte(c byte, extra string) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0
}

// ParseGrid returns the grid of zoo sweep's flags: models (one or more
// registry names), sets (each KEY=V1,V2,... as ParseAxis takes it), seeds
// (as ParseSeeds takes it; "" for the recipe's) and fixed recipe values.
// Expand checks the rest.
func ParseGrid(models, sets []string, seeds string, fixed []Setting) (Grid, error) {
	g := Grid{Models: models, Fixed: fixed}
	for _, s := range sets {
		a, err := ParseAxis(s)
		if err != nil {
			return Grid{}, err
		}
		g.Axes = append(g.Axes, a)
	}
	if seeds != "" {
		var err error
		if g.Seeds, err = ParseSeeds(seeds); err != nil {
			return Grid{}, err
		}
	}
	return g, nil
}

// Sets collects the values of a repeated --set flag as they are given,
// commas and all (KEY=V1,V2,...): a flag.Value, unlike flags that split
// their values at commas.
type Sets []string

// Set adds one value.
func (s *Sets) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// String returns the values separated by spaces.
func (s *Sets) String() string { return strings.Join(*s, " ") }
