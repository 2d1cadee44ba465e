package main

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/sweep"
)

func runsCommand() *cli.Command {
	return &cli.Command{
		Name:        "runs",
		Usage:       "look at training runs",
		Description: "Example:\n   zoo runs compare runs/shallow-ae/sweep-model --csv runs.csv",
		Subcommands: []*cli.Command{{
			Name:      "compare",
			Usage:     "a table of runs: recipe keys that differ, best validation metric, epochs, time, mean and spread over seeds",
			ArgsUsage: "RUN_OR_SWEEP_DIR...",
			Description: `Compares run folders, sweep folders (runs not started: missing; whose process died: failed) and
folders holding them: per run its values of the recipe keys (and model) that differ, status, best
validation loss (accuracy, for classifiers), its epoch, epochs and seconds; then the mean, std, min
and max over the seeds of each variant (finished runs). --figure draws zoo figure sweep.

Example:
   zoo runs compare runs/shallow-ae/sweep-model
   zoo runs compare runs/sparse-ae/sweep-sparsity --csv sparsity.csv --json sparsity.json --figure sparsity.png`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "json", Usage: "write the comparison as JSON to `FILE`"},
				&cli.StringFlag{Name: "csv", Usage: "write one row per run as CSV to `FILE`"},
				&cli.StringFlag{Name: "figure", Usage: "draw validation curves and the metric against each swept value to `FILE`.png"},
				&cli.BoolFlag{Name: "force", Usage: "replace existing output files"},
			},
			Action: runsCompare,
		}},
	}
}

func runsCompare(c *cli.Context) error {
	a, err := args(c, 1, 1<<20)
	if err != nil {
		return err
	}
	cmp, err := sweep.Compare(a...)
	if err != nil {
		return err
	}
	writers := map[string]func(io.Writer) error{c.String("json"): cmp.WriteJSON, c.String("csv"): cmp.WriteCSV}
	if path := c.String("figure"); path != "" {
		f, err := figure.SweepOf(cmp, "sweep "+strings.Join(a, ", "))
		if err != nil {
			return err
		}
		writers[path] = f.EncodePNG
	}
	files := map[string][]byte{}
	for path, write := range writers {
		var b bytes.Buffer
		if err := write(&b); path != "" && err != nil {
			return err
		} else if path != "" {
			files[path] = b.Bytes()
		}
	}
	if err := atomicfile.WriteAll("", files, c.Bool("force")); err != nil {
		return err
	}
	return cmp.WriteText(os.Stdout)
}
