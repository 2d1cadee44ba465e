package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/report"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/interrupt"
	"github.com/zoo-ml/zoo/present"
	"github.com/zoo-ml/zoo/sweep"
	"github.com/zoo-ml/zoo/zoo"
)

// reportFile is the page zoo report writes into --out.
const reportFile = "report.html"

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "write one self-contained HTML page with the model card, metrics, PCA comparison and figures",
		ArgsUsage: "RUN_MODEL_OR_SWEEP_DIR",
		Description: `RUN_OR_MODEL_DIR is a run folder of zoo train (it is exported to a temporary folder first, and
its run.json and metrics.csv give the training curves) or an export folder of zoo export (with
--run RUN for the curves of the run it came from). A sweep folder of zoo sweep gives a page of its
comparison: zoo runs compare's tables and the sweep figure.

The page, OUT/report.html, holds: the model card (README.md); the training metrics per epoch and
their curves; the evaluation of zoo eval on --data (classifiers: accuracy, per-class metrics,
confusion matrix; autoencoders: MSE, MSE per class, worst reconstructions); for autoencoders the
comparison with PCA fitted to --train (as zoo compare pca; skipped without --train); and every
figure of zoo figure that applies to the model, with the reason for each one that does not.
Images are embedded (base64 PNG), so the page is one file. It is written to a temporary name
and renamed when complete; an existing one is replaced only with --force.

Example:
   zoo report runs/relu-ae-30/20261123-101500 --data fashion-mnist --train fashion-mnist:train --out report/
   zoo report models/relu-ae-30 --data t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz \
       --train train-images-idx3-ubyte.gz --k 2,8,10,30,64 --out report/
   zoo report models/cnn --data fashion-mnist --out report/`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Usage: "test images: IDX `FILE` or data set name", Value: "mnist"},
			&cli.StringFlag{Name: "labels", Usage: "labels of the test images, IDX u8 `FILE` (default: the data set's)"},
			&cli.StringFlag{Name: "train", Usage: "autoencoders: training images to fit PCA to, IDX `FILE` or data set name"},
			&cli.StringFlag{Name: "k", Usage: "PCA components: a number or a comma-separated sweep", Value: "2,8,10,30,64"},
			&cli.StringFlag{Name: "run", Usage: "run folder of an export folder, for the training metrics", DefaultText: "none"},
			&cli.StringFlag{Name: "classifier", Usage: "classifier export `DIR` for the class-map figure of a 2-D autoencoder"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "write report.html to `DIR`"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing report.html"},
			&cli.IntFlag{Name: "batch", Aliases: []string{"b"}, Usage: "examples per onnxruntime run", Value: 256},
			&cli.StringFlag{Name: "device", Usage: "cpu, cuda, cuda:N or auto", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "onnxruntime intra-op threads (0: one per physical core)"},
		},
		Action: runReport,
	}
}

func runReport(c *cli.Context) error {
	a, err := args(c, 1, 1)
	if err != nil {
		return err
	}
	outDir := c.String("out")
	if outDir == "" {
		return usagef("report: --out DIR is required")
	}
	o, err := pcaRunFlags(c, "")
	if err != nil {
		return err
	}
	outPath := filepath.Join(outDir, reportFile)
	in := o
	in.Model, in.Train, in.Test = a[0], c.String("train"), c.String("data")
	if err := in.CheckOutputs(outDir, c.Bool("force"), reportFile); err != nil {
		return err
	}
	start := time.Now()
	modelDir, run, cleanup, err := present.ExportFolder(a[0], c.String("run"))
	defer cleanup()
	var rep *report.Report
	if sweep.IsFolder(a[0]) {
		rep, err = report.BuildSweep(a[0])
	} else if err == nil {
		rep, err = report.Build(c.Context, reportInputs(c, modelDir, run, o, start))
	}
	if err != nil {
		return err
	}
	if err := interrupt.Check(c.Context); err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := rep.Page.WriteFile(outPath, c.Bool("force")); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %s on %s, %d figures (%d not applicable) in %.1f s\n", outPath, rep.Model, rep.Data, rep.Figures, len(rep.Skipped), time.Since(start).Seconds())
	for _, s := range rep.Skipped {
		fmt.Printf("  %s\n", s)
	}
	return nil
}

// reportInputs maps the flags of zoo report to the steps of report.Build:
// zoo eval's evaluation, zoo compare pca's comparison (with --train, as o
// has it), and the models and data of zoo figure.
func reportInputs(c *cli.Context, modelDir, run string, o infer.PCAOptions, start time.Time) report.Inputs {
	o.Model, o.Train, o.Test = filepath.Join(modelDir, zoo.ModelFile), c.String("train"), c.String("data")
	in := report.Inputs{Dir: modelDir, Run: run, Start: start}
	in.Evaluate = func(ctx context.Context) (*report.Evaluation, error) {
		ev, err := evaluate(ctx, infer.EvalOptions{Model: o.Model, Data: o.Test, Labels: o.Labels, Worst: 16, Batch: o.Batch, Session: o.Session})
		if err != nil {
			return nil, err
		}
		return present.Evaluation(ev, os.Stderr), nil
	}
	if o.Train != "" {
		in.ComparePCA = func(ctx context.Context) (*report.PCA, error) {
			rep, err := comparePCA(ctx, o, "")
			if err != nil {
				return nil, err
			}
			return present.PCA(rep)
		}
	}
	in.Figures = func(ev *report.Evaluation) (*report.Figures, error) {
		return present.Figures(modelDir, c.String("classifier"), c.String("data"), c.String("labels"), ev, o.Session, dataNotice)
	}
	return in
}
