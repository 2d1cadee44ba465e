package infer

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zoo-ml/zoo/zoo"
)

// WriteText writes what the run did as zoo infer prints it: the examples,
// the model and the speed, an autoencoder's reconstruction error, a
// classifier's scores (see Scores.writeText), and the files written.
func (rep *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	name := rep.Model
	if name == "" {
		name = filepath.Base(rep.File)
	}
	fmt.Fprintf(&b, "%s %d examples of %s with %s (%s) in %.3f s: %.0f images/s\n",
		rep.Task.Verb(), rep.Images, rep.Input, name, rep.Provider, rep.Seconds, rep.PerSecond)
	if rep.MSE != nil {
		fmt.Fprintf(&b, "reconstruction MSE %.6f (mean per pixel)\n", *rep.MSE)
	}
	if rep.Task == zoo.Classify {
		rep.writeClassification(&b)
	}
	if rep.Predictions != "" {
		fmt.Fprintf(&b, "wrote %s (predicted classes, %s)\n", rep.Predictions, rep.PredictionsFormat)
	}
	if rep.Probs != "" {
		fmt.Fprintf(&b, "wrote %s (probabilities)\n", rep.Probs)
	}
	if rep.Output != "" {
		what := ""
		if rep.Task == zoo.Classify {
			what = "logits, "
		}
		fmt.Fprintf(&b, "wrote %s (%s%s)\n", rep.Output, what, rep.Format)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeClassification writes the accuracy, the per-class table and the
// confusion matrix, or without labels how often each class was predicted.
func (rep *Report) writeClassification(b *bytes.Buffer) {
	names := rep.ClassNames
	if rep.Confusion == nil {
		var counts strings.Builder
		for k, n := range rep.PredictedCounts {
			if names != nil {
				fmt.Fprintf(&counts, " %d %s: %d,", k, names[k], n)
			} else {
				fmt.Fprintf(&counts, " %d: %d,", k, n)
			}
		}
		fmt.Fprintf(b, "predicted classes (no labels, no accuracy):%s\n", strings.TrimSuffix(counts.String(), ","))
		return
	}
	conf := rep.Confusion
	fmt.Fprintf(b, "accuracy %.2f%% (%d/%d correct), log loss %.4f, labels %s\n\n",
		100*conf.Accuracy(), conf.Correct(), conf.Total(), *rep.LogLoss, rep.Labels)
	_ = conf.WriteClassTable(b, names) // writes to a bytes.Buffer do not fail
	fmt.Fprintln(b, "\nconfusion matrix (rows: true class, columns: predicted class)")
	_ = conf.WriteMatrix(b, names)
	fmt.Fprintln(b)
}

// WriteText writes the evaluation as zoo eval prints it: the model, the
// data and the time; a classifier's accuracy, log loss, per-class table and
// confusion matrix; an autoencoder's reconstruction error, per class when
// labels are known, and its worst reconstructions; then the files written
// (Files: the JSON file, the confusion matrix's text, then the others by
// name).
func (ev *Evaluation) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (%s) on %d images of %s in %.2f s\n", ev.ModelName(), ev.Model.Task, ev.Images, ev.Data, ev.Seconds)
	if conf := ev.Confusion; conf != nil {
		fmt.Fprintf(&b, "accuracy %.2f%% (%d of %d)", 100*conf.Accuracy(), conf.Correct(), conf.Total())
		if ev.LogLoss != nil {
			fmt.Fprintf(&b, ", log loss %.4f", *ev.LogLoss)
		}
		fmt.Fprint(&b, "\n\n")
		_ = conf.WriteClassTable(&b, ev.ClassNames) // writes to a bytes.Buffer do not fail
		fmt.Fprintln(&b, "\nconfusion matrix (rows true, columns predicted)")
		_ = conf.WriteMatrix(&b, ev.ClassNames)
	}
	if r := ev.Reconstruction; r != nil {
		var names []string
		if ev.Examples != nil {
			names = ev.Examples.ClassNames
		}
		fmt.Fprintf(&b, "reconstruction MSE %.6f (mean per pixel)\n", r.MSE)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		if r.ClassMSE != nil {
			fmt.Fprintf(tw, "\nclass\timages\tMSE\n")
			for c, n := range r.ClassCounts {
				if n > 0 {
					fmt.Fprintf(tw, "%s\t%d\t%.6f\n", classLabel(c, names), n, *r.ClassMSE[c])
				}
			}
		}
		if len(r.Worst) > 0 {
			fmt.Fprintf(tw, "\nworst\tlabel\tMSE\n")
			for _, e := range r.Worst {
				l := "-"
				if e.Label >= 0 {
					l = classLabel(e.Label, names)
				}
				fmt.Fprintf(tw, "%d\t%s\t%.6f\n", e.Index, l, e.MSE)
			}
		}
		tw.Flush()
	}
	writeFiles(&b, ev.Files, "json", ConfusionFile)
	_, err := w.Write(b.Bytes())
	return err
}

// classLabel returns "c" or "c name".
func classLabel(c int, names []string) string {
	if c < len(names) {
		return strconv.Itoa(c) + " " + names[c]
	}
	return strconv.Itoa(c)
}

// writeFiles writes "wrote PATH" for each of files: those of the kinds
// first, in order, then the others by kind.
func writeFiles(b *bytes.Buffer, files map[string]string, first ...string) {
	kinds := slices.Clone(first)
	for _, k := range slices.Sorted(maps.Keys(files)) {
		if !slices.Contains(first, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		if p := files[k]; p != "" {
			fmt.Fprintf(b, "wrote %s\n", p)
		}
	}
}

// WriteText writes the comparison as zoo compare pca prints it: the data,
// the mean squared error per pixel of the autoencoder and of PCA for each
// k (with its explained variance), per class when labels are known, the
// squared error of each chosen image, and the files written (Files: the
// JSON file, then the figure).
func (rep *PCAReport) WriteText(w io.Writer) error {
	var b bytes.Buffer
	name := rep.Model.Name
	if name == "" {
		name = filepath.Base(rep.Model.File)
	}
	fmt.Fprintf(&b, "test: %d images %v from %s; PCA fitted to %d images from %s in %.2f s\n",
		rep.Test.Images, rep.Test.Dims, rep.Test.Data, rep.Train.Images, rep.Train.Data, rep.FitSeconds)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "reconstruction\tMSE per pixel\texplained variance\n")
	fmt.Fprintf(tw, "autoencoder %s\t%.6f\t\n", name, rep.Autoencoder.MSE)
	for _, r := range rep.PCA {
		fmt.Fprintf(tw, "PCA k=%d\t%.6f\t%.4f\n", r.K, r.MSE, r.ExplainedVarianceRatio)
	}
	tw.Flush()
	header := func(first string) {
		fmt.Fprintf(tw, "%s\tAE", first)
		for _, r := range rep.PCA {
			fmt.Fprintf(tw, "\tPCA k=%d", r.K)
		}
		fmt.Fprintln(tw)
	}
	if rep.Autoencoder.ClassMSE != nil {
		fmt.Fprintf(&b, "\nMSE per pixel by class (labels %s)\n", rep.Test.Labels)
		header("class\timages")
		for c, n := range rep.ClassCounts {
			if n == 0 {
				continue
			}
			fmt.Fprintf(tw, "%d\t%d\t%.6f", c, n, *rep.Autoencoder.ClassMSE[c])
			for _, r := range rep.PCA {
				fmt.Fprintf(tw, "\t%.6f", *r.ClassMSE[c])
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	fmt.Fprintf(&b, "\nsquared error of the chosen images (summed over the %d pixels)\n", rep.Test.Set.ItemLen())
	header("index\tlabel")
	for j, i := range rep.Index {
		label := "-"
		if rep.IndexLabels != nil {
			label = strconv.Itoa(rep.IndexLabels[j])
		}
		fmt.Fprintf(tw, "%d\t%s\t%.4f", i, label, rep.Autoencoder.SquaredError[j])
		for _, r := range rep.PCA {
			fmt.Fprintf(tw, "\t%.4f", r.SquaredError[j])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	writeFiles(&b, rep.Files, "json", "png")
	_, err := w.Write(b.Bytes())
	return err
}
