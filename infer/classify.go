package infer

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// MaxClasses is the largest number of classes a classifier may have: a
// predicted class is stored as one byte.
const MaxClasses = 256

// Classes returns the number of classes of a classifier: the length of its
// output when that is a vector, its dimensions of size 1 aside ([10],
// [10, 1, 1] and [1, 10] are 10 classes); 0 for any other output.
func (s *Session) Classes() int {
	k := 0
	for _, d := range s.outShape {
		switch {
		case d == 1:
		case k != 0:
			return 0
		default:
			k = d
		}
	}
	return k
}

// ClassNames returns the names of the classes, indexed by class, when they
// are known: from the metadata key zoo.classes, else from the data set
// catalogue entry of the registry model the metadata names (zoo.model) when
// it has one name per class. It returns nil otherwise.
func (s *Session) ClassNames() []string {
	return classNames(s.meta, s.Classes())
}

func classNames(meta map[string]string, k int) []string {
	if k <= 0 {
		return nil
	}
	if v, ok := meta[zoo.MetaClasses]; ok {
		var names []string
		if err := json.Unmarshal([]byte(v), &names); err == nil && len(names) == k {
			return names
		}
	}
	m, err := zoo.Lookup(meta[zoo.MetaModel])
	if err != nil || m.Task != zoo.Classify {
		return nil
	}
	return dataset.ClassNames(m.Dataset, k)
}

// ReadClassNames reads a file of class names, one a line (blank lines at
// the end ignored), which must name the k classes of a classifier.
func ReadClassNames(path string, k int) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("class names: %w", err)
	}
	names := strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n \t"), "\n")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	if len(names) != k {
		return nil, fmt.Errorf("class names %s: %d names, one a line, for the model's %d classes", path, len(names), k)
	}
	return names, nil
}

// checkClassifier checks that the session's output is one logit per class.
func (s *Session) checkClassifier() error {
	k := s.Classes()
	if k < 2 || k > MaxClasses {
		return fmt.Errorf("%s outputs %v per example: classify needs one logit per class, 2 to %d classes", s.path, s.outShape, MaxClasses)
	}
	return nil
}

// checkLabels checks that r holds one u8 label per example of images.
func checkLabels(r *dataset.Reader, images *dataset.Reader) error {
	h := r.Header()
	if len(h.Dims) != 1 || h.Type != dataset.U8 {
		return fmt.Errorf("labels %s: want one u8 label per image (a 1-D u8 IDX file), the file holds %v", r.Name(), h)
	}
	if r.Remaining() != images.Remaining() {
		return fmt.Errorf("labels %s: %d labels for %d images in %s; the counts must match", r.Name(), r.Remaining(), images.Remaining(), images.Name())
	}
	return nil
}

// classifier turns batches of logits into predictions, probabilities and,
// with labels, metrics. Its buffers hold one batch; nothing grows with the
// number of examples.
type classifier struct {
	k      int
	names  []string
	probs  []float32 // one batch of probabilities
	preds  []uint8   // one batch of predicted classes
	labels []uint8   // one batch of true classes
	lr     *dataset.Reader
	conf   *analysis.Confusion
	counts []int64 // examples predicted per class
	nll    float64 // sum of -log p(true class)
	done   int     // examples seen
}

func newClassifier(k, batch int, names []string, labels *dataset.Reader) (*classifier, error) {
	c := &classifier{k: k, names: names, probs: make([]float32, batch*k), preds: make([]uint8, batch), counts: make([]int64, k), lr: labels}
	if labels != nil {
		c.labels = make([]uint8, batch)
		var err error
		if c.conf, err = analysis.NewConfusion(k); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// add classifies n examples from their logits and writes what is asked.
func (c *classifier) add(logits []float32, n int, opt StreamOptions) error {
	k := c.k
	probs, preds := c.probs[:n*k], c.preds[:n]
	var truth []uint8
	if c.lr != nil {
		truth = c.labels[:n]
		got, err := c.lr.ReadUint8(truth)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("labels %s: %w", c.lr.Name(), err)
		}
		if got != n {
			return fmt.Errorf("labels %s: ended after %d labels, before the images", c.lr.Name(), c.done+got)
		}
	}
	for i := 0; i < n; i++ {
		z := logits[i*k : (i+1)*k]
		lse := analysis.Softmax(probs[i*k:(i+1)*k], z)
		p := analysis.Argmax(z)
		preds[i] = uint8(p)
		c.counts[p]++
		if truth != nil {
			t := int(truth[i])
			if t >= k {
				return fmt.Errorf("labels %s: label %d of example %d is not one of the model's %d classes (0..%d)", c.lr.Name(), t, c.done+i, k, k-1)
			}
			c.nll += lse - float64(z[t])
			if err := c.conf.Add(t, p); err != nil {
				return err
			}
		}
	}
	if opt.Predictions != nil {
		if err := opt.Predictions.Write(preds, probs, truth); err != nil {
			return err
		}
	}
	if opt.Probs != nil {
		if err := opt.Probs.Write(probs); err != nil {
			return err
		}
	}
	c.done += n
	return nil
}

// report records the predicted class counts and, with labels, the metrics.
func (c *classifier) report(rep *Report) {
	rep.Classes = c.k
	rep.ClassNames = c.names
	rep.PredictedCounts = c.counts
	if c.conf == nil || c.done == 0 {
		return
	}
	acc := c.conf.Accuracy()
	loss := c.nll / float64(c.done)
	sum := c.conf.Summary(c.names)
	rep.Accuracy, rep.LogLoss, rep.Classification, rep.Confusion = &acc, &loss, &sum, c.conf
}

// FormatCSV is the CSV format of a predictions file.
const FormatCSV = "csv"

// PredictionFormatOf returns the format of a predictions file named by
// flag, or, when flag is "", the one implied by the file extension: .csv is
// CSV, .npy NumPy, anything else IDX u8.
func PredictionFormatOf(path, flag string) (string, error) {
	switch flag {
	case FormatIDX, FormatNPY, FormatCSV:
		return flag, nil
	case "":
		switch strings.ToLower(filepath.Ext(path)) {
		case ".csv":
			return FormatCSV, nil
		case ".npy":
			return FormatNPY, nil
		}
		return FormatIDX, nil
	}
	return "", fmt.Errorf("unknown predictions format %q (want idx, npy or csv)", flag)
}

// PredictionsOptions describe a predictions file.
type PredictionsOptions struct {
	// Format is FormatIDX (IDX u8, magic 0x00000801, one byte per example),
	// FormatNPY (a 1-D NumPy uint8 array) or FormatCSV.
	Format string
	// Count is the number of examples; Classes the number of classes.
	Count, Classes int
	// Names are the class names for the CSV columns predicted_name and
	// label_name; nil leaves those columns out.
	Names []string
	// Labels adds the CSV columns label (label_name) and correct.
	Labels bool
	// Force replaces an existing file.
	Force bool
}

// Predictions is a file of predicted classes being written. Nothing appears
// under the final name until Commit; Abort removes what was written.
//
// A CSV file has a header line and one line per example:
//
//	index,predicted[,predicted_name],confidence[,label[,label_name],correct],prob_0,...,prob_K-1
//
// index counts examples from 0 in file order; confidence is the probability
// of the predicted class; correct is 1 or 0; prob_k is the softmax
// probability of class k. Names are quoted as CSV requires.
type Predictions struct {
	f       *atomicfile.File
	bw      *bufio.Writer
	idx     *dataset.Writer // IDX; nil otherwise
	opt     PredictionsOptions
	names   []string // CSV-quoted names, nil without names
	line    []byte
	written int
}

// CreatePredictions starts writing the predictions file path.
func CreatePredictions(path string, opt PredictionsOptions) (*Predictions, error) {
	if opt.Classes < 1 || opt.Classes > MaxClasses {
		return nil, fmt.Errorf("write %s: %d classes, want 1 to %d", path, opt.Classes, MaxClasses)
	}
	if opt.Names != nil && len(opt.Names) != opt.Classes {
		return nil, fmt.Errorf("write %s: %d class names for %d classes", path, len(opt.Names), opt.Classes)
	}
	f, err := atomicfile.Create(path, opt.Force)
	if err != nil {
		return nil, err
	}
	p := &Predictions{f: f, bw: bufio.NewWriterSize(f, 1<<20), opt: opt}
	switch opt.Format {
	case FormatIDX:
		p.idx, err = dataset.NewWriter(p.bw, dataset.U8, []int{opt.Count})
	case FormatNPY:
		_, err = p.bw.Write(npyHeaderOf("|u1", []int{opt.Count}))
	case FormatCSV:
		_, err = p.bw.WriteString(p.csvHeader())
	default:
		err = fmt.Errorf("unknown predictions format %q", opt.Format)
	}
	if err != nil {
		f.Abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return p, nil
}

func (p *Predictions) csvHeader() string {
	cols := []string{"index", "predicted"}
	if p.opt.Names != nil {
		cols = append(cols, "predicted_name")
		p.names = make([]string, len(p.opt.Names))
		for i, n := range p.opt.Names {
			p.names[i] = csvField(n)
		}
	}
	cols = append(cols, "confidence")
	if p.opt.Labels {
		cols = append(cols, "label")
		if p.names != nil {
			cols = append(cols, "label_name")
		}
		cols = append(cols, "correct")
	}
	for k := 0; k < p.opt.Classes; k++ {
		cols = append(cols, "prob_"+strconv.Itoa(k))
	}
	return strings.Join(cols, ",") + "\n"
}

// csvField quotes s when CSV needs it.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) == s {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Path returns the final path of the file.
func (p *Predictions) Path() string { return p.f.Path() }

// Format returns FormatIDX, FormatNPY or FormatCSV.
func (p *Predictions) Format() string { return p.opt.Format }

// Write appends the predicted classes pred of len(pred) examples, with
// their probabilities probs ([len(pred), Classes]) and true labels (nil
// without labels), which only CSV files use.
func (p *Predictions) Write(pred []uint8, probs []float32, labels []uint8) error {
	if p.written+len(pred) > p.opt.Count {
		return fmt.Errorf("write %s: %d more predictions would exceed the %d declared", p.f.Path(), len(pred), p.opt.Count)
	}
	var err error
	switch {
	case p.idx != nil:
		err = p.idx.WriteUint8(pred)
	case p.opt.Format == FormatNPY:
		_, err = p.bw.Write(pred)
	default:
		err = p.writeCSV(pred, probs, labels)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", p.f.Path(), err)
	}
	p.written += len(pred)
	return nil
}

func (p *Predictions) writeCSV(pred []uint8, probs []float32, labels []uint8) error {
	k := p.opt.Classes
	if len(probs) != len(pred)*k {
		return fmt.Errorf("%d probabilities for %d examples of %d classes", len(probs), len(pred), k)
	}
	if p.opt.Labels && len(labels) != len(pred) {
		return fmt.Errorf("%d labels for %d examples", len(labels), len(pred))
	}
	for i, c := range pred {
		b := strconv.AppendInt(p.line[:0], int64(p.written+i), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c), 10)
		if p.names != nil {
			b = append(append(b, ','), p.names[c]...)
		}
		row := probs[i*k : (i+1)*k]
		b = append(b, ',')
		b = strconv.AppendFloat(b, float64(row[c]), 'g', -1, 32)
		if p.opt.Labels {
			t := labels[i]
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(t), 10)
			if p.names != nil {
				name := ""
				if int(t) < k {
					name = p.names[t]
				}
				b = append(append(b, ','), name...)
			}
			if t == c {
				b = append(b, ",1"...)
			} else {
				b = append(b, ",0"...)
			}
		}
		for _, v := range row {
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
		}
		b = append(b, '\n')
		p.line = b
		if _, err := p.bw.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// Commit finishes the file and renames it into place. It is an error if
// fewer predictions were written than declared.
func (p *Predictions) Commit() error {
	if p.written != p.opt.Count {
		p.f.Abort()
		return fmt.Errorf("write %s: %d of the %d declared predictions were written", p.f.Path(), p.written, p.opt.Count)
	}
	if p.idx != nil {
		if err := p.idx.Close(); err != nil {
			p.f.Abort()
			return fmt.Errorf("write %s: %w", p.f.Path(), err)
		}
	}
	if err := p.bw.Flush(); err != nil {
		p.f.Abort()
		return fmt.Errorf("write %s: %w", p.f.Path(), err)
	}
	return p.f.Commit()
}

// Abort discards the file. It is safe to call after Commit.
func (p *Predictions) Abort() { p.f.Abort() }
