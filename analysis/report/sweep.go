package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/sweep"
	"github.com/zoo-ml/zoo/zoo"
)

// BuildSweep lays out the comparison of the runs of paths (a sweep
// folder of zoo sweep, or any folders sweep.Compare reads) as a page with
// one section, the sweep's (see SweepSection).
func BuildSweep(paths ...string) (*Report, error) {
	start := time.Now()
	c, err := sweep.Compare(paths...)
	if err != nil {
		return nil, err
	}
	name := strings.Join(paths, ", ")
	fig, err := figure.SweepOf(c, "sweep "+name)
	if err != nil {
		return nil, err
	}
	page := &Page{Title: "zoo report: sweep " + name}
	if err := SweepSection(page.Section("sweep", "Sweep"), c, fig); err != nil {
		return nil, err
	}
	page.Lines = append(page.Lines, fmt.Sprintf("written by zoo %s on %s in %.1f s", zoo.Version, time.Now().Format("2006-01-02 15:04"), time.Since(start).Seconds()))
	return &Report{Page: page, Model: "sweep " + name, Data: fmt.Sprintf("%d runs", len(c.Runs)), Figures: 1}, nil
}

// SweepSection fills s with the comparison c of a sweep's runs: its
// summary, the table of runs, the table over seeds with the best variant,
// and the figure fig (figure.SweepOf) when not nil.
func SweepSection(s *Section, c *sweep.Comparison, fig *figure.Figure) error {
	s.Text = append(s.Text, c.Summary()+".")
	head, rows := c.RunTable()
	s.Tables = append(s.Tables, &Table{Caption: "runs", Head: head, Rows: rows})
	head, rows = c.GroupTable()
	s.Tables = append(s.Tables, &Table{Caption: "best " + c.Metric + " over seeds (finished runs)", Head: head, Rows: rows})
	if best := c.Best(); best != "" {
		s.Text = append(s.Text, strings.ToUpper(best[:1])+best[1:]+".")
	}
	if fig == nil {
		return nil
	}
	im, err := NewImage("sweep-figure", fig.Title, fig.Image, fig.Notes...)
	if err != nil {
		return err
	}
	s.Images = append(s.Images, im)
	return nil
}
