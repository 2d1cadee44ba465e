package sweep

import (
	"slices"
	"strings"
	"testing"
)

func TestParseAxis(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Axis
		err  string
	}{
		{"sparsity=0.6e-6,1.5e-6,4e-6", Axis{"sparsity", []string{"0.6e-6", "1.5e-6", "4e-6"}}, ""},
		{"noise=gaussian:0.3, gaussian:0.5", Axis{"noise", []string{"gaussian:0.3", "gaussian:0.5"}}, ""},
		{"lr=1e-3", Axis{"lr", []string{"1e-3"}}, ""},
		{"lr", Axis{}, "want KEY=VALUES"},
		{"=1", Axis{}, "want KEY=VALUES"},
		{"lr=1,,2", Axis{}, "an empty value"},
	} {
		got, err := ParseAxis(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAxis(%q) = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got.Key != tc.want.Key || !slices.Equal(got.Values, tc.want.Values) {
			t.Errorf("ParseAxis(%q) = %+v, %v", tc.in, got, err)
		}
	}
	if s, err := ParseSeeds("0, 1,2"); err != nil || !slices.Equal(s, []int64{0, 1, 2}) {
		t.Errorf("ParseSeeds = %v, %v", s, err)
	}
	if _, err := ParseSeeds("0,x"); err == nil || !strings.Contains(err.Error(), `"x" is not an integer`) {
		t.Errorf("ParseSeeds(0,x) = %v", err)
	}
}

// TestExpand expands the notebooks' studies and bad grids.
func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grid  Grid
		names []string // of the runs, in order
		model []string // of the runs, when it varies
		def   string   // the default sweep name
		err   string
	}{
		{name: "widths", grid: Grid{Models: []string{"shallow-ae-64", "shallow-ae-128"}, Seeds: []int64{0, 1}},
			names: []string{"model=shallow-ae-64-seed=0", "model=shallow-ae-64-seed=1", "model=shallow-ae-128-seed=0", "model=shallow-ae-128-seed=1"},
			model: []string{"shallow-ae-64", "shallow-ae-64", "shallow-ae-128", "shallow-ae-128"}, def: "model"},
		{name: "sparsity", grid: Grid{Models: []string{"sparse-ae"}, Axes: []Axis{{"sparsity", []string{"0.6e-6", "1.5e-6", "4e-6"}}}},
			names: []string{"sparsity=0.6e-6-seed=0", "sparsity=1.5e-6-seed=0", "sparsity=4e-6-seed=0"}, def: "sparsity"},
		{name: "noise", grid: Grid{Models: []string{"denoise-ae"}, Axes: []Axis{{"noise", []string{"gaussian:0.3", "gaussian:0.9"}}}, Seeds: []int64{2}},
			names: []string{"noise=gaussian_0.3-seed=2", "noise=gaussian_0.9-seed=2"}, def: "noise"},
		{name: "two axes, one of one value", grid: Grid{Models: []string{"relu-ae-30"}, Axes: []Axis{{"lr", []string{"1e-3", "1e-4"}}, {"batch", []string{"64"}}, {"optimizer", []string{"adam", "sgd"}}}},
			names: []string{"lr=1e-3-optimizer=adam-seed=0", "lr=1e-3-optimizer=sgd-seed=0", "lr=1e-4-optimizer=adam-seed=0", "lr=1e-4-optimizer=sgd-seed=0"}, def: "lr+optimizer"},
		{name: "seeds only", grid: Grid{Models: []string{"tiny-ae-2"}, Seeds: []int64{0, 1, 2}, Fixed: []Setting{{"epochs", "2"}}},
			names: []string{"seed=0", "seed=1", "seed=2"}, def: "seed"},
		{name: "no model", grid: Grid{}, err: "no model"},
		{name: "unknown model", grid: Grid{Models: []string{"resnet"}}, err: `no model "resnet"`},
		{name: "model twice", grid: Grid{Models: []string{"cnn", "cnn"}}, err: "model cnn given twice"},
		{name: "seed axis", grid: Grid{Models: []string{"cnn"}, Axes: []Axis{{"seed", []string{"1", "2"}}}}, err: "give the seeds with --seeds"},
		{name: "model axis", grid: Grid{Models: []string{"cnn"}, Axes: []Axis{{"model", []string{"a"}}}}, err: "give the models with --models"},
		{name: "unknown key", grid: Grid{Models: []string{"cnn"}, Axes: []Axis{{"colour", []string{"red"}}}}, err: `unknown recipe key "colour"`},
		{name: "key twice", grid: Grid{Models: []string{"cnn"}, Axes: []Axis{{"lr", []string{"1"}}, {"lr", []string{"2"}}}}, err: "lr is swept twice"},
		{name: "value twice", grid: Grid{Models: []string{"cnn"}, Axes: []Axis{{"lr", []string{"1", "1"}}}}, err: "lr=1 given twice"},
		{name: "seed twice", grid: Grid{Models: []string{"cnn"}, Seeds: []int64{1, 1}}, err: "seed 1 given twice"},
		{name: "bad value", grid: Grid{Models: []string{"sparse-ae"}, Axes: []Axis{{"sparsity", []string{"1e-6", "-1"}}}}, err: "sparsity -1 is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs, err := tc.grid.Expand()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Expand = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for i, v := range runs {
				names = append(names, v.Name)
				if v.Index != i {
					t.Errorf("run %d has index %d", i, v.Index)
				}
				if tc.model != nil && v.Model != tc.model[i] {
					t.Errorf("run %d trains %s, want %s", i, v.Model, tc.model[i])
				}
				if SafeName(v.Name) != strings.ReplaceAll(v.Name, "=", "_") {
					t.Errorf("name %q is not safe", v.Name)
				}
			}
			if !slices.Equal(names, tc.names) {
				t.Errorf("names %q, want %q", names, tc.names)
			}
			if d := tc.grid.DefaultName(); d != tc.def {
				t.Errorf("DefaultName = %q, want %q", d, tc.def)
			}
		})
	}
}

// TestVariantRecipe checks that a run's recipe has the grid's fixed values,
// its axis values and its seed.
func TestVariantRecipe(t *testing.T) {
	g := Grid{Models: []string{"sparse-ae"}, Axes: []Axis{{"sparsity", []string{"4e-6"}}}, Seeds: []int64{7}, Fixed: []Setting{{"epochs", "2"}, {"batch", "64"}}}
	runs, err := g.Expand()
	if err != nil {
		t.Fatal(err)
	}
	m, err := runs[0].Recipe()
	if err != nil {
		t.Fatal(err)
	}
	if r := m.Recipe; r.Sparsity != 4e-6 || r.Seed != 7 || r.Epochs != 2 || r.BatchSize != 64 || r.LR != 3e-4 {
		t.Errorf("recipe %+v", r)
	}
	if runs[0].Name != "seed=7" {
		t.Errorf("name %q", runs[0].Name)
	}
}

func TestSets(t *testing.T) {
	var s Sets
	for _, v := range []string{"sparsity=0.6e-6,1.5e-6", "lr=1e-3"} {
		if err := s.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	g, err := ParseGrid([]string{"sparse-ae"}, s, "0,1", nil)
	if err != nil || len(g.Axes) != 2 || len(g.Axes[0].Values) != 2 || s.String() != "sparsity=0.6e-6,1.5e-6 lr=1e-3" || len(g.Seeds) != 2 {
		t.Errorf("grid %+v, %v; sets %q", g, err, s.String())
	}
	if _, err := ParseGrid([]string{"sparse-ae"}, Sets{"lr"}, "", nil); err == nil {
		t.Error("ParseGrid took --set lr")
	}
	if _, err := ParseGrid([]string{"sparse-ae"}, nil, "0,x", nil); err == nil {
		t.Error("ParseGrid took --seeds 0,x")
	}
}

func TestSafeNameFolder(t *testing.T) {
	if err := uniqueNames([]Variant{{Index: 0, Name: "a=x_y"}, {Index: 1, Name: "a=x_z"}, {Index: 2, Name: "a=x_y"}}); err == nil ||
		!strings.Contains(err.Error(), "runs 0 and 2 would share the folder name a=x_y") {
		t.Errorf("uniqueNames = %v", err)
	}
	for in, want := range map[string]string{
		"gaussian:0.3": "gaussian_0.3", "1e-3": "1e-3", "a/b": "a_b", "..": "_..", "-x": "_-x", "": "_", "x y*": "x_y_",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		models []string
		want   string
	}{
		{[]string{"relu-ae-30"}, "relu-ae-30"},
		{[]string{"shallow-ae-64", "shallow-ae-128", "shallow-ae-256"}, "shallow-ae"},
		{[]string{"tiny-ae-2", "tiny-ae-4"}, "tiny-ae"},
		{[]string{"conv-ae", "conv-ae-deconv", "conv-ae-unpool"}, "conv-ae"},
		{[]string{"cnn", "cnn-cifar"}, "cnn"},
		{[]string{"deep-ae", "mlp-ae"}, "models"},
		{[]string{"conv-ae-deconv", "conv-ae-unpool"}, "conv-ae"},
	} {
		if got := Folder(tc.models); got != tc.want {
			t.Errorf("Folder(%v) = %q, want %q", tc.models, got, tc.want)
		}
	}
}

func TestArrayRange(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want string
	}{
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{1}, "1"},
		{[]int{0, 1, 2, 3, 5, 7, 8}, "0-3,5,7-8"},
		{[]int{2, 4, 6}, "2,4,6"},
		{nil, ""},
	} {
		if got := ArrayRange(tc.in); got != tc.want {
			t.Errorf("ArrayRange(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
