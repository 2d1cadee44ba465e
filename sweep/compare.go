package sweep

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// Metric names of a comparison.
const (
	// MetricLoss is the lowest validation loss of a run (autoencoders, and
	// any mix of tasks).
	MetricLoss = "validation loss"
	// MetricAccuracy is the highest validation accuracy of a run
	// (classifiers).
	MetricAccuracy = "validation accuracy"
)

// A Result is one run of a comparison.
type Result struct {
	// Name names the run: its folder's name in a sweep, MODEL/RUN
	// otherwise. Dir is its folder.
	Name string `json:"name"`
	Dir  string `json:"dir"`
	// Values are the run's values of the keys that differ between the
	// runs compared (Comparison.Keys).
	Values map[string]string `json:"values"`
	// Status is where the run stands.
	Status Status `json:"status"`
	// Epochs is the number of epochs complete, Seconds the time they took.
	Epochs  int     `json:"epochs"`
	Seconds float64 `json:"seconds"`
	// Best is the run's best value of the metric (Comparison.Metric), at
	// epoch BestEpoch; NaN (null in JSON) before its first epoch.
	Best      float64 `json:"best"`
	BestEpoch int     `json:"best_epoch"`
	// Curve is the metric per epoch, from epoch 1.
	Curve []float64 `json:"curve"`

	all  map[string]string // every key's value
	task zoo.Task
}

// A Group is the runs that share every differing key but the seed: one
// variant over its seeds.
type Group struct {
	// Values are the group's values of the keys that differ (but seed).
	Values map[string]string `json:"values"`
	// Label is Values as KEY=VALUE words, "" when only the seed differs.
	Label string `json:"label"`
	// Runs are the indices of its runs in Comparison.Runs.
	Runs []int `json:"runs"`
	// N is the number of its runs that finished, over which Mean, Std
	// (sample standard deviation, 0 for one run), Min and Max of their best
	// metric are taken (NaN when none finished).
	N                   int     `json:"n"`
	Mean, Std, Min, Max float64 `json:"-"`
}

// A Comparison is a table of runs: the keys that differ between them,
// each run's best validation metric, epochs and time, and the mean and
// spread over seeds of each variant.
type Comparison struct {
	// Sources are the folders compared, as given.
	Sources []string `json:"sources"`
	// Keys are the keys whose values differ between the runs: the model,
	// recipe keys in the order of zoo.RecipeKeys, then the seed.
	Keys []string `json:"keys"`
	// Metric is MetricLoss or MetricAccuracy; Higher says whether higher
	// is better.
	Metric string   `json:"metric"`
	Higher bool     `json:"higher_is_better"`
	Runs   []Result `json:"runs"`
	Groups []Group  `json:"groups"`
}

// Compare reads the runs of the folders paths, each a run folder, a sweep
// folder (whose runs not started yet are listed as missing), or a folder
// holding run or sweep folders (such as runs/MODEL), and compares them.
func Compare(paths ...string) (*Comparison, error) {
	c := &Comparison{Sources: paths}
	for _, p := range paths {
		rs, err := collect(p, true)
		if err != nil {
			return nil, err
		}
		c.Runs = append(c.Runs, rs...)
	}
	if len(c.Runs) == 0 {
		return nil, fmt.Errorf("compare: no runs in %s", strings.Join(paths, ", "))
	}
	c.Metric = MetricAccuracy
	for _, r := range c.Runs {
		if r.task != zoo.Classify {
			c.Metric = MetricLoss
		}
	}
	c.Higher = c.Metric == MetricAccuracy
	for i := range c.Runs {
		c.Runs[i].measure(c.Metric)
	}
	c.Keys = differing(c.Runs)
	for i := range c.Runs {
		r := &c.Runs[i]
		r.Values = map[string]string{}
		for _, k := range c.Keys {
			r.Values[k] = r.all[k]
		}
	}
	c.group()
	return c, nil
}

// collect returns the runs of the folder path; a folder that is neither a
// run nor a sweep is searched one level down when top.
func collect(path string, top bool) ([]Result, error) {
	switch {
	case rundir.IsFolder(path):
		r, err := readResult(path, filepath.Join(filepath.Base(filepath.Dir(path)), filepath.Base(path)))
		if err != nil {
			return nil, err
		}
		return []Result{r}, nil
	case IsFolder(path):
		return sweepResults(path)
	case !top:
		return nil, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	var out []Result
	for _, e := range entries {
		if e.IsDir() {
			rs, err := collect(filepath.Join(path, e.Name()), false)
			if err != nil {
				return nil, err
			}
			out = append(out, rs...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("compare: %s is neither a run folder (no %s) nor a sweep folder (no %s), and holds none", path, rundir.RunFile, PlanFile)
	}
	return out, nil
}

// sweepResults returns the runs of the sweep folder dir, in the plan's
// order, those not started yet included.
func sweepResults(dir string) ([]Result, error) {
	p, err := Open(dir)
	if err != nil {
		return nil, err
	}
	var out []Result
	for i, v := range p.Runs {
		st := StatusOf(p.RunDir(i))
		if st.Info != nil {
			r, err := readResult(p.RunDir(i), v.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			continue
		}
		m, err := v.Recipe()
		if err != nil {
			return nil, err
		}
		out = append(out, Result{Name: v.Name, Dir: p.RunDir(i), Status: st, all: keyValues(m.Name, m.Recipe), task: m.Recipe.Loss.Task()})
	}
	return out, nil
}

// readResult reads the run folder dir.
func readResult(dir, name string) (Result, error) {
	st := StatusOf(dir)
	if st.Info == nil {
		return Result{}, fmt.Errorf("compare: %s: %s", dir, st.Reason)
	}
	info := st.Info
	r := Result{Name: name, Dir: dir, Status: st, Epochs: info.Epoch, all: keyValues(info.Model, info.Recipe), task: info.Recipe.Loss.Task()}
	for _, e := range info.Epochs {
		r.Seconds += e.Seconds
	}
	return r, nil
}

// keyValues returns the model and every recipe key's value.
func keyValues(model string, r zoo.Recipe) map[string]string {
	vals := map[string]string{KeyModel: model}
	for _, k := range zoo.RecipeKeys() {
		vals[k], _ = r.Value(k)
	}
	return vals
}

// measure fills in the run's curve and best value of metric.
func (r *Result) measure(metric string) {
	r.Best, r.Curve = math.NaN(), nil
	if r.Status.Info == nil {
		return
	}
	for _, e := range r.Status.Info.Epochs {
		v := e.ValLoss
		if metric == MetricAccuracy {
			v = e.ValAccuracy
		}
		r.Curve = append(r.Curve, v)
		if math.IsNaN(r.Best) || metric == MetricAccuracy && v > r.Best || metric == MetricLoss && v < r.Best {
			r.Best, r.BestEpoch = v, e.Epoch
		}
	}
}

// differing returns the keys whose values are not the same in every run:
// the model, the recipe keys, then the seed.
func differing(runs []Result) []string {
	keys := []string{KeyModel}
	for _, k := range zoo.RecipeKeys() {
		if k != KeySeed {
			keys = append(keys, k)
		}
	}
	var out []string
	for _, k := range append(keys, KeySeed) {
		for _, r := range runs[1:] {
			if r.all[k] != runs[0].all[k] {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// group puts the runs into groups by their values of the keys that differ
// but the seed, in the order of their first runs, with the statistics of
// each.
func (c *Comparison) group() {
	index := map[string]int{}
	for i, r := range c.Runs {
		var words []string
		vals := map[string]string{}
		for _, k := range c.Keys {
			if k != KeySeed {
				words = append(words, k+"="+r.Values[k])
				vals[k] = r.Values[k]
			}
		}
		label := strings.Join(words, " ")
		g, ok := index[label]
		if !ok {
			g = len(c.Groups)
			index[label] = g
			c.Groups = append(c.Groups, Group{Values: vals, Label: label})
		}
		c.Groups[g].Runs = append(c.Groups[g].Runs, i)
	}
	for i := range c.Groups {
		c.Groups[i].stats(c.Runs)
	}
}

// stats computes the group's statistics over its finished runs.
func (g *Group) stats(runs []Result) {
	var vs []float64
	for _, i := range g.Runs {
		if r := runs[i]; r.Status.State == Finished && !math.IsNaN(r.Best) {
			vs = append(vs, r.Best)
		}
	}
	g.N = len(vs)
	g.Mean, g.Std, g.Min, g.Max = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if g.N == 0 {
		return
	}
	g.Min, g.Max = slices.Min(vs), slices.Max(vs)
	var sum float64
	for _, v := range vs {
		sum += v
	}
	g.Mean = sum / float64(g.N)
	g.Std = 0
	if g.N > 1 {
		var ss float64
		for _, v := range vs {
			ss += (v - g.Mean) * (v - g.Mean)
		}
		g.Std = math.Sqrt(ss / float64(g.N-1))
	}
}

// Counts returns how many runs are in each state.
func (c *Comparison) Counts() map[State]int {
	n := map[State]int{}
	for _, r := range c.Runs {
		n[r.Status.State]++
	}
	return n
}

// Swept returns the keys that differ but the seed: the axes of the
// metric-against-value figure.
func (c *Comparison) Swept() []string {
	return slices.DeleteFunc(slices.Clone(c.Keys), func(k string) bool { return k == KeySeed })
}

// A Line is the groups that share every swept key but one, Key: the
// metric against Key's values, one point per group.
type Line struct {
	// Key is the key along the line; Label the values of the others
	// ("" when Key is the only one).
	Key, Label string
	// Values are Key's values, in the order of the groups; Groups the
	// indices of their groups in Comparison.Groups.
	Values []string
	Groups []int
}

// Lines returns the metric against key: one Line per combination of the
// other swept keys, in the order of the groups.
func (c *Comparison) Lines(key string) []Line {
	var lines []Line
	index := map[string]int{}
	for gi, g := range c.Groups {
		var words []string
		for _, k := range c.Swept() {
			if k != key {
				words = append(words, k+"="+g.Values[k])
			}
		}
		label := strings.Join(words, " ")
		li, ok := index[label]
		if !ok {
			li = len(lines)
			index[label] = li
			lines = append(lines, Line{Key: key, Label: label})
		}
		lines[li].Values = append(lines[li].Values, g.Values[key])
		lines[li].Groups = append(lines[li].Groups, gi)
	}
	return lines
}

// Sorted returns the indices of the groups from best to worst mean,
// groups without a finished run last.
func (c *Comparison) Sorted() []int {
	idx := make([]int, len(c.Groups))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := c.Groups[idx[a]].Mean, c.Groups[idx[b]].Mean
		switch {
		case math.IsNaN(y):
			return !math.IsNaN(x)
		case math.IsNaN(x):
			return false
		case c.Higher:
			return x > y
		}
		return x < y
	})
	return idx
}
