// Package analysis computes metrics and analyses of model outputs: the
// confusion matrix of a classifier with its accuracy, precision, recall and
// F1 per class, the numerical helpers around them (argmax, softmax),
// reconstruction errors and PCA.
//
// It imports no engine (gorgonia, onnxruntime), so that any package can use
// it.
package analysis

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// A Confusion is the confusion matrix of a classifier over a fixed number of
// classes: Count(t, p) examples whose true class is t were predicted as p.
// Rows are true classes and columns predicted classes, as in scikit-learn.
// The zero value is not usable; call NewConfusion.
type Confusion struct {
	k      int
	counts []int64 // k*k, row-major: counts[t*k+p]
}

// NewConfusion returns an empty confusion matrix over classes classes,
// numbered 0 to classes-1.
func NewConfusion(classes int) (*Confusion, error) {
	if classes <= 0 {
		return nil, fmt.Errorf("confusion matrix: %d classes, want at least one", classes)
	}
	return &Confusion{k: classes, counts: make([]int64, classes*classes)}, nil
}

// Classes returns the number of classes.
func (c *Confusion) Classes() int { return c.k }

// Add counts one example of true class truth predicted as pred. Both must
// be classes of the matrix.
func (c *Confusion) Add(truth, pred int) error {
	if err := c.check(truth, pred); err != nil {
		return err
	}
	c.counts[truth*c.k+pred]++
	return nil
}

// AddAll counts the examples truth[i] predicted as pred[i]; the slices must
// have the same length. On an error nothing is counted and the error gives
// the index of the offending example within the slices.
func (c *Confusion) AddAll(truth, pred []uint8) error {
	if len(truth) != len(pred) {
		return fmt.Errorf("%d true classes for %d predictions", len(truth), len(pred))
	}
	for i := range truth {
		if int(truth[i]) >= c.k || int(pred[i]) >= c.k {
			if err := c.check(int(truth[i]), int(pred[i])); err != nil {
				return fmt.Errorf("example %d: %w", i, err)
			}
		}
	}
	for i := range truth {
		c.counts[int(truth[i])*c.k+int(pred[i])]++
	}
	return nil
}

func (c *Confusion) check(truth, pred int) error {
	if truth < 0 || truth >= c.k {
		return fmt.Errorf("true class %d is not one of the %d classes 0..%d", truth, c.k, c.k-1)
	}
	if pred < 0 || pred >= c.k {
		return fmt.Errorf("predicted class %d is not one of the %d classes 0..%d", pred, c.k, c.k-1)
	}
	return nil
}

// Count returns the number of examples of true class truth predicted as pred.
func (c *Confusion) Count(truth, pred int) int64 { return c.counts[truth*c.k+pred] }

// Matrix returns a copy of the counts, rows true classes, columns predicted.
func (c *Confusion) Matrix() [][]int64 {
	m := make([][]int64, c.k)
	for t := range m {
		m[t] = append([]int64(nil), c.counts[t*c.k:(t+1)*c.k]...)
	}
	return m
}

// Total returns the number of examples counted.
func (c *Confusion) Total() int64 {
	var n int64
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Correct returns the number of examples predicted as their true class (the
// trace of the matrix).
func (c *Confusion) Correct() int64 {
	var n int64
	for k := 0; k < c.k; k++ {
		n += c.counts[k*c.k+k]
	}
	return n
}

// Support returns the number of examples whose true class is class (the
// sum of its row).
func (c *Confusion) Support(class int) int64 {
	var n int64
	for _, v := range c.counts[class*c.k : (class+1)*c.k] {
		n += v
	}
	return n
}

// Predicted returns the number of examples predicted as class (the sum of
// its column).
func (c *Confusion) Predicted(class int) int64 {
	var n int64
	for t := 0; t < c.k; t++ {
		n += c.counts[t*c.k+class]
	}
	return n
}

// Accuracy returns Correct/Total, or NaN when nothing was counted.
func (c *Confusion) Accuracy() float64 { return ratio(c.Correct(), c.Total()) }

// Recall returns the fraction of the examples of class that were predicted
// as class (also called the per-class accuracy or sensitivity), or NaN when
// no example is of class.
func (c *Confusion) Recall(class int) float64 {
	return ratio(c.Count(class, class), c.Support(class))
}

// Precision returns the fraction of the examples predicted as class that
// are of class, or NaN when nothing was predicted as class.
func (c *Confusion) Precision(class int) float64 {
	return ratio(c.Count(class, class), c.Predicted(class))
}

// F1 returns the harmonic mean of the precision and recall of class,
// computed as 2TP / (2TP + FP + FN); it is 0 when either is 0 or undefined
// and the class occurs, and NaN when the class is neither true nor
// predicted for any example.
func (c *Confusion) F1(class int) float64 {
	tp := c.Count(class, class)
	return ratio(2*tp, c.Support(class)+c.Predicted(class))
}

// BalancedAccuracy returns the mean recall over the classes that occur
// among the true classes, or NaN when nothing was counted. It equals the
// accuracy when every class has the same support.
func (c *Confusion) BalancedAccuracy() float64 {
	return c.mean(c.Recall)
}

// MacroPrecision returns the mean precision over the classes that were
// predicted at least once, or NaN when nothing was counted.
func (c *Confusion) MacroPrecision() float64 {
	return c.mean(c.Precision)
}

// MacroF1 returns the mean F1 over the classes that occur among the true or
// the predicted classes, or NaN when nothing was counted.
func (c *Confusion) MacroF1() float64 {
	return c.mean(c.F1)
}

// mean averages f over the classes where it is defined.
func (c *Confusion) mean(f func(int) float64) float64 {
	sum, n := 0.0, 0
	for k := 0; k < c.k; k++ {
		if v := f(k); !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// ClassStats are the metrics of one class. Metrics that are undefined for
// the class (a recall without examples of it, a precision without
// predictions of it) are nil, which JSON writes as null.
type ClassStats struct {
	// Class is the class number and Name its name, if known.
	Class int    `json:"class"`
	Name  string `json:"name,omitempty"`
	// Support is the number of examples of the class, Predicted the number
	// predicted as the class, and Correct the number of both.
	Support   int64 `json:"support"`
	Predicted int64 `json:"predicted"`
	Correct   int64 `json:"correct"`
	// Recall (per-class accuracy), Precision and F1 as defined by the
	// methods of Confusion with the same names.
	Recall    *float64 `json:"recall"`
	Precision *float64 `json:"precision"`
	F1        *float64 `json:"f1"`
}

// A Summary is a JSON-ready account of a confusion matrix.
type Summary struct {
	Examples         int64    `json:"examples"`
	Correct          int64    `json:"correct"`
	Accuracy         *float64 `json:"accuracy"`
	BalancedAccuracy *float64 `json:"balanced_accuracy"`
	MacroPrecision   *float64 `json:"macro_precision"`
	MacroF1          *float64 `json:"macro_f1"`
	// Classes are the class names, indexed by class; empty when unknown.
	Classes  []string     `json:"classes,omitempty"`
	PerClass []ClassStats `json:"per_class"`
	// Matrix is the confusion matrix, rows true classes, columns predicted.
	Matrix [][]int64 `json:"confusion_matrix"`
}

// Summary returns the metrics of every class and of the whole matrix.
// names, if not nil, must hold one name per class.
func (c *Confusion) Summary(names []string) Summary {
	names = c.names(names)
	s := Summary{
		Examples: c.Total(), Correct: c.Correct(),
		Accuracy: opt(c.Accuracy()), BalancedAccuracy: opt(c.BalancedAccuracy()),
		MacroPrecision: opt(c.MacroPrecision()), MacroF1: opt(c.MacroF1()),
		Matrix: c.Matrix(),
	}
	if names != nil {
		s.Classes = append([]string(nil), names...)
	}
	for k := 0; k < c.k; k++ {
		st := ClassStats{
			Class: k, Support: c.Support(k), Predicted: c.Predicted(k), Correct: c.Count(k, k),
			Recall: opt(c.Recall(k)), Precision: opt(c.Precision(k)), F1: opt(c.F1(k)),
		}
		if names != nil {
			st.Name = names[k]
		}
		s.PerClass = append(s.PerClass, st)
	}
	return s
}

// names returns names when it names every class, else nil.
func (c *Confusion) names(names []string) []string {
	if len(names) != c.k {
		return nil
	}
	return names
}

func opt(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// label returns the label of class k for tables: "k" or "k name".
func label(names []string, k int) string {
	if names == nil {
		return strconv.Itoa(k)
	}
	return strconv.Itoa(k) + " " + names[k]
}

// WriteClassTable writes one aligned line per class with its support,
// predictions, recall, precision and F1 ("-" where undefined), then their
// macro averages (the mean over the classes where each is defined; the
// recall average is the balanced accuracy). names, if not nil, must hold one
// name per class.
func (c *Confusion) WriteClassTable(w io.Writer, names []string) error {
	names = c.names(names)
	rows := [][]string{{"class", "support", "predicted", "recall", "precision", "f1"}}
	for k := 0; k < c.k; k++ {
		rows = append(rows, []string{label(names, k), itoa(c.Support(k)), itoa(c.Predicted(k)),
			pct(c.Recall(k)), pct(c.Precision(k)), pct(c.F1(k))})
	}
	rows = append(rows, []string{"macro avg", itoa(c.Total()), itoa(c.Total()),
		pct(c.BalancedAccuracy()), pct(c.MacroPrecision()), pct(c.MacroF1())})
	return writeTable(w, rows, 1)
}

// WriteMatrix writes the confusion matrix as aligned text: one row per true
// class, one column per predicted class, headed by the class numbers (and
// the names, when given, at the start of each row).
func (c *Confusion) WriteMatrix(w io.Writer, names []string) error {
	names = c.names(names)
	head := []string{"true \\ predicted"}
	for k := 0; k < c.k; k++ {
		head = append(head, strconv.Itoa(k))
	}
	rows := [][]string{head}
	for t := 0; t < c.k; t++ {
		row := []string{label(names, t)}
		for p := 0; p < c.k; p++ {
			row = append(row, itoa(c.Count(t, p)))
		}
		rows = append(rows, row)
	}
	return writeTable(w, rows, 1)
}

// writeTable writes rows with the first left columns left-aligned and the
// others right-aligned, two spaces apart.
func writeTable(w io.Writer, rows [][]string, left int) error {
	var widths []int
	for _, r := range rows {
		for i, cell := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-len([]rune(cell)))
			if i < left {
				line.WriteString(cell + pad)
			} else {
				line.WriteString(pad + cell)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// pct formats a fraction as a percentage with two decimals, or "-" for NaN.
func pct(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(100*v, 'f', 2, 64) + "%"
}
