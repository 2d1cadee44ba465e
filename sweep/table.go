package sweep

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
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

// RunTable returns the table of runs: a head and one row per run, with
// its name, its values of the keys that differ, status, best metric, its
// epoch, epochs and seconds.
func (c *Comparison) RunTable() ([]string, [][]string) {
	head := append(append([]string{"run"}, c.Keys...), "status", "best "+c.Metric, "epoch", "epochs", "seconds")
	var rows [][]string
	for _, r := range c.Runs {
		row := []string{r.Name}
		for _, k := range c.Keys {
			row = append(row, r.Values[k])
		}
		rows = append(rows, append(row, r.Status.String(), c.format(r.Best), strconv.Itoa(r.BestEpoch), strconv.Itoa(r.Epochs), fmt.Sprintf("%.1f", r.Seconds)))
	}
	return head, rows
}

// GroupTable returns the table over seeds: a head and one row per variant
// (group), with its values of the swept keys, its finished runs of all,
// and the mean, standard deviation, minimum and maximum of their best
// metric.
func (c *Comparison) GroupTable() ([]string, [][]string) {
	swept := c.Swept()
	head := append(slices.Clone(swept), "runs", "mean", "std", "min", "max")
	if len(swept) == 0 {
		head = append([]string{"variant"}, head...)
	}
	var rows [][]string
	for _, g := range c.Groups {
		var row []string
		for _, k := range swept {
			row = append(row, g.Values[k])
		}
		if len(swept) == 0 {
			row = append(row, "all runs")
		}
		rows = append(rows, append(row, fmt.Sprintf("%d of %d", g.N, len(g.Runs)), c.format(g.Mean), c.format(g.Std), c.format(g.Min), c.format(g.Max)))
	}
	return head, rows
}

// Best says which variant has the best mean, "" when fewer than two
// variants finished a run.
func (c *Comparison) Best() string {
	best := c.Sorted()[0]
	if g := c.Groups[best]; len(c.Groups) > 1 && g.N > 0 {
		return fmt.Sprintf("best: %s (mean %s over %d runs)", g.Label, c.format(g.Mean), g.N)
	}
	return ""
}

// WriteText writes the comparison as zoo runs compare prints it: the
// summary, the table of runs (RunTable), the table over seeds (GroupTable)
// and the best variant.
func (c *Comparison) WriteText(w io.Writer) error {
	fmt.Fprintln(w, c.Summary())
	head, rows := c.RunTable()
	if err := writeTable(w, head, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nbest %s over seeds (finished runs):\n", c.Metric)
	head, rows = c.GroupTable()
	if err := writeTable(w, head, rows); err != nil {
		return err
	}
	if best := c.Best(); best != "" {
		_, err := fmt.Fprintln(w, best)
		return err
	}
	return nil
}

// writeTable writes a head and rows as aligned columns.
func writeTable(w io.Writer, head []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{head}, rows...) {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
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
