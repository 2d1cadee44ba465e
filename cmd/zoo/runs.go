package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/sweep"
)

func runsCommand() *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "look at training runs",
		Subcommands: []*cli.Command{{
			Name:      "compare",
			Usage:     "a table of runs: recipe keys that differ, best validation metric, epochs, time, mean and spread over seeds",
			ArgsUsage: "RUN_OR_SWEEP_DIR...",
			Description: `Compares run folders of zoo train, sweep folders of zoo sweep (their runs not started yet are listed
as missing, those whose process died as failed) and folders holding them (such as runs/MODEL). The
table has one row per run: its values of the recipe keys (and model) that differ between the runs,
its status, its best validation loss (validation accuracy, for classifiers) and that epoch, its
epochs and seconds; then the mean, standard deviation, minimum and maximum of the best metric over
the seeds of each variant (finished runs only). --figure draws the sweep figure of zoo figure.

Example:
   zoo runs compare runs/shallow-ae/sweep-model
   zoo runs compare runs/sparse-ae/sweep-sparsity --csv sparsity.csv --json sparsity.json --figure sparsity.png
   zoo runs compare runs/relu-ae-30/20261123-101500 runs/relu-ae-30/20261124-090000`,
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
	files := map[string][]byte{}
	for flag, write := range map[string]func(*bytes.Buffer) error{
		"json": func(b *bytes.Buffer) error { return cmp.WriteJSON(b) },
		"csv":  func(b *bytes.Buffer) error { return cmp.WriteCSV(b) },
	} {
		if path := c.String(flag); path != "" {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				return err
			}
			files[path] = b.Bytes()
		}
	}
	if path := c.String("figure"); path != "" {
		f, err := figure.SweepOf(cmp, "sweep "+strings.Join(a, ", "))
		if err != nil {
			return err
		}
		if files[path], err = f.PNG(); err != nil {
			return err
		}
	}
	for path := range files { // refuse before writing any
		if _, err := os.Stat(path); err == nil && !c.Bool("force") {
			return fmt.Errorf("%s already exists (use --force to replace it)", path)
		}
	}
	for path, b := range files {
		if err := atomicfile.WriteFile(path, b, c.Bool("force")); err != nil {
			return err
		}
	}
	return cmp.WriteText(os.Stdout)
}
