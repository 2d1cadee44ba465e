package analysis

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// same reports whether got equals want, NaN equalling NaN.
func same(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) < 1e-12
}

func TestConfusion(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name        string
		k           int
		truth, pred []uint8
		matrix      [][]int64
		accuracy    float64
		recall      []float64
		precision   []float64
		f1          []float64
		balanced    float64
		macroPrec   float64
		macroF1     float64
	}{
		{
			name:  "three classes",
			k:     3,
			truth: []uint8{0, 0, 0, 0, 1, 1, 1, 2, 2, 2},
			pred:  []uint8{0, 0, 1, 2, 1, 1, 0, 2, 2, 1},
			// rows true, columns predicted; column sums 3, 4, 3
			matrix:    [][]int64{{2, 1, 1}, {1, 2, 0}, {0, 1, 2}},
			accuracy:  6.0 / 10,
			recall:    []float64{2.0 / 4, 2.0 / 3, 2.0 / 3},
			precision: []float64{2.0 / 3, 2.0 / 4, 2.0 / 3},
			f1:        []float64{4.0 / 7, 4.0 / 7, 4.0 / 6},
			balanced:  (0.5 + 2.0/3 + 2.0/3) / 3,
			macroPrec: (2.0/3 + 0.5 + 2.0/3) / 3,
			macroF1:   (4.0/7 + 4.0/7 + 4.0/6) / 3,
		},
		{
			name:      "absent and never predicted classes",
			k:         3,
			truth:     []uint8{0, 0, 1},
			pred:      []uint8{0, 0, 0},
			matrix:    [][]int64{{2, 0, 0}, {1, 0, 0}, {0, 0, 0}},
			accuracy:  2.0 / 3,
			recall:    []float64{1, 0, nan},
			precision: []float64{2.0 / 3, nan, nan},
			f1:        []float64{4.0 / 5, 0, nan},
			balanced:  0.5,
			macroPrec: 2.0 / 3,
			macroF1:   0.4,
		},
		{
			name:      "perfect",
			k:         2,
			truth:     []uint8{1, 0, 1},
			pred:      []uint8{1, 0, 1},
			matrix:    [][]int64{{1, 0}, {0, 2}},
			accuracy:  1,
			recall:    []float64{1, 1},
			precision: []float64{1, 1},
			f1:        []float64{1, 1},
			balanced:  1,
			macroPrec: 1,
			macroF1:   1,
		},
		{
			name:      "empty",
			k:         2,
			matrix:    [][]int64{{0, 0}, {0, 0}},
			accuracy:  nan,
			recall:    []float64{nan, nan},
			precision: []float64{nan, nan},
			f1:        []float64{nan, nan},
			balanced:  nan,
			macroPrec: nan,
			macroF1:   nan,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewConfusion(tc.k)
			if err != nil {
				t.Fatal(err)
			}
			// Half through Add, half through AddAll: both must count alike.
			h := len(tc.truth) / 2
			for i := range tc.truth[:h] {
				if err := c.Add(int(tc.truth[i]), int(tc.pred[i])); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.AddAll(tc.truth[h:], tc.pred[h:]); err != nil {
				t.Fatal(err)
			}
			for tr, row := range tc.matrix {
				for p, want := range row {
					if got := c.Count(tr, p); got != want {
						t.Errorf("Count(%d, %d) = %d, want %d", tr, p, got, want)
					}
				}
			}
			if c.Total() != int64(len(tc.truth)) {
				t.Errorf("Total %d, want %d", c.Total(), len(tc.truth))
			}
			check := func(what string, got, want float64) {
				t.Helper()
				if !same(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("Accuracy", c.Accuracy(), tc.accuracy)
			check("BalancedAccuracy", c.BalancedAccuracy(), tc.balanced)
			check("MacroPrecision", c.MacroPrecision(), tc.macroPrec)
			check("MacroF1", c.MacroF1(), tc.macroF1)
			for k := 0; k < tc.k; k++ {
				check("Recall", c.Recall(k), tc.recall[k])
				check("Precision", c.Precision(k), tc.precision[k])
				check("F1", c.F1(k), tc.f1[k])
			}

			// The summary agrees, with null for undefined values.
			s := c.Summary(nil)
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var back Summary
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			val := func(p *float64) float64 {
				if p == nil {
					return nan
				}
				return *p
			}
			check("summary accuracy", val(back.Accuracy), tc.accuracy)
			for k, cs := range back.PerClass {
				check("summary recall", val(cs.Recall), tc.recall[k])
				check("summary precision", val(cs.Precision), tc.precision[k])
				if cs.Support != c.Support(k) || cs.Predicted != c.Predicted(k) || cs.Correct != c.Count(k, k) {
					t.Errorf("summary class %d: %+v", k, cs)
				}
			}
			if len(back.Matrix) != tc.k {
				t.Errorf("summary matrix %v", back.Matrix)
			}
		})
	}
}

func TestConfusionErrors(t *testing.T) {
	if _, err := NewConfusion(0); err == nil {
		t.Error("NewConfusion(0) succeeded")
	}
	c, _ := NewConfusion(3)
	for _, tc := range []struct {
		truth, pred int
		want        string
	}{
		{3, 0, "true class 3 is not one of the 3 classes 0..2"},
		{-1, 0, "true class -1"},
		{0, 7, "predicted class 7"},
	} {
		if err := c.Add(tc.truth, tc.pred); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Add(%d, %d): %v, want %q", tc.truth, tc.pred, err, tc.want)
		}
	}
	if err := c.AddAll([]uint8{0, 1, 9}, []uint8{0, 1, 2}); err == nil || !strings.Contains(err.Error(), "example 2: true class 9") {
		t.Errorf("AddAll: %v", err)
	}
	if err := c.AddAll([]uint8{0}, []uint8{0, 1}); err == nil {
		t.Error("AddAll with different lengths succeeded")
	}
	if c.Total() != 0 {
		t.Errorf("failed adds counted %d examples", c.Total())
	}
}

func TestWriteTables(t *testing.T) {
	c, _ := NewConfusion(3)
	if err := c.AddAll([]uint8{0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, []uint8{0, 0, 1, 2, 1, 1, 0, 2, 2, 1}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		write func(*strings.Builder) error
		want  string
	}{
		{"matrix", func(b *strings.Builder) error { return c.WriteMatrix(b, nil) }, `
true \ predicted  0  1  2
0                 2  1  1
1                 1  2  0
2                 0  1  2
`},
		{"matrix with names", func(b *strings.Builder) error { return c.WriteMatrix(b, []string{"cat", "dog", "T-shirt/top"}) }, `
true \ predicted  0  1  2
0 cat             2  1  1
1 dog             1  2  0
2 T-shirt/top     0  1  2
`},
		{"wrong number of names", func(b *strings.Builder) error { return c.WriteMatrix(b, []string{"a"}) }, `
true \ predicted  0  1  2
0                 2  1  1
1                 1  2  0
2                 0  1  2
`},
		{"classes", func(b *strings.Builder) error { return c.WriteClassTable(b, nil) }, `
class      support  predicted  recall  precision      f1
0                4          3  50.00%     66.67%  57.14%
1                3          4  66.67%     50.00%  57.14%
2                3          3  66.67%     66.67%  66.67%
macro avg       10         10  61.11%     61.11%  60.32%
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimPrefix(tc.want, "\n"); b.String() != want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), want)
			}
		})
	}
}
