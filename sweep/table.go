package sweep

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// format writes a value of the comparison's metric: a loss with 6
// decimals, an accuracy in per cent; "-" for NaN.
func (c *Comparison) format(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case c.Higher:
		return fmt.Sprintf("%.2f%%", 100*v)
	}
	return fmt.Sprintf("%.6f", v)
}

// Summary says in one line what was compared: the runs, how many are in
// each state, the keys that differ and the metric.
func (c *Comparison) Summary() string {
	n := c.Counts()
	var states []string
	for _, s := range []State{Finished, Running, Interrupted, Failed, Missing} {
		if n[s] > 0 {
			states = append(states, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	keys := "none"
	if len(c.Keys) > 0 {
		keys = strings.Join(c.Keys, ", ")
	}
	return fmt.Sprintf("%s: %d runs (%s); keys that differ: %s; metric: best %s",
		strings.Join(c.Sources, ", "), len(c.Runs), strings.Join(states, ", "), keys, c.Metric)
}

// WriteText writes the comparison as zoo runs compare prints it: the
// summary, a table of the runs (their values of the keys that differ,
// status, best metric and its epoch, epochs and seconds), and a table of
// the mean, standard deviation, minimum and maximum over seeds of each
// variant, with the best variant named.
func (c *Comparison) WriteText(w io.Writer) error {
	fmt.Fprintln(w, c.Summary())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := append(append([]string{"run"}, c.Keys...), "status", "best "+c.Metric, "epoch", "epochs", "seconds")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range c.Runs {
		row := []string{r.Name}
		for _, k := range c.Keys {
			row = append(row, r.Values[k])
		}
		row = append(row, r.Status.String(), c.format(r.Best), strconv.Itoa(r.BestEpoch), strconv.Itoa(r.Epochs), fmt.Sprintf("%.1f", r.Seconds))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nbest %s over seeds (finished runs):\n", c.Metric)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	swept := c.Swept()
	head = append(append([]string{}, swept...), "runs", "mean", "std", "min", "max")
	if len(swept) == 0 {
		head[0] = "all runs"
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, g := range c.Groups {
		var row []string
		for _, k := range swept {
			row = append(row, g.Values[k])
		}
		if len(swept) == 0 {
			row = append(row, "")
		}
		row = append(row, fmt.Sprintf("%d of %d", g.N, len(g.Runs)), c.format(g.Mean), c.format(g.Std), c.format(g.Min), c.format(g.Max))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if best := c.Sorted()[0]; len(c.Groups) > 1 && c.Groups[best].N > 0 {
		g := c.Groups[best]
		_, err := fmt.Fprintf(w, "best: %s (mean %s over %d runs)\n", g.Label, c.format(g.Mean), g.N)
		return err
	}
	return nil
}

// WriteCSV writes one row per run: its name and folder, its values of the
// keys that differ, state, the failure's reason, best metric, its epoch,
// epochs and seconds.
func (c *Comparison) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	metric := strings.ReplaceAll("best "+c.Metric, " ", "_")
	cw.Write(append(append([]string{"run", "dir"}, c.Keys...), "state", "reason", metric, "best_epoch", "epochs", "seconds"))
	for _, r := range c.Runs {
		row := []string{r.Name, r.Dir}
		for _, k := range c.Keys {
			row = append(row, r.Values[k])
		}
		best := ""
		if !math.IsNaN(r.Best) {
			best = strconv.FormatFloat(r.Best, 'g', -1, 64)
		}
		cw.Write(append(row, string(r.Status.State), r.Status.Reason, best, strconv.Itoa(r.BestEpoch), strconv.Itoa(r.Epochs), strconv.FormatFloat(r.Seconds, 'f', 3, 64)))
	}
	cw.Flush()
	return cw.Error()
}

// jsonGroup is a Group as JSON writes it, NaN as null.
type jsonGroup struct {
	Group
	Mean *float64 `json:"mean"`
	Std  *float64 `json:"std"`
	Min  *float64 `json:"min"`
	Max  *float64 `json:"max"`
}

// jsonResult is a Result as JSON writes it, NaN as null.
type jsonResult struct {
	Result
	Best *float64 `json:"best"`
}

// WriteJSON writes the comparison as indented JSON: sources, keys, metric,
// runs (with their values, status, best metric and curve) and groups (with
// their statistics); a value that is not a number is null.
func (c *Comparison) WriteJSON(w io.Writer) error {
	num := func(v float64) *float64 {
		if math.IsNaN(v) {
			return nil
		}
		return &v
	}
	out := struct {
		*Comparison
		Runs   []jsonResult `json:"runs"`
		Groups []jsonGroup  `json:"groups"`
	}{Comparison: c}
	for _, r := range c.Runs {
		out.Runs = append(out.Runs, jsonResult{Result: r, Best: num(r.Best)})
	}
	for _, g := range c.Groups {
		out.Groups = append(out.Groups, jsonGroup{Group: g, Mean: num(g.Mean), Std: num(g.Std), Min: num(g.Min), Max: num(g.Max)})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
