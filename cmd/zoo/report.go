package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/analysis/report"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/train"
	"github.com/zoo-ml/zoo/zoo"
)

// reportFile is the page zoo report writes into --out.
const reportFile = "report.html"

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "write one self-contained HTML page with the model card, metrics, PCA comparison and figures",
		ArgsUsage: "RUN_OR_MODEL_DIR",
		Description: `RUN_OR_MODEL_DIR is a run folder of zoo train (it is exported to a temporary folder first, and
its run.json and metrics.csv give the training curves) or an export folder of zoo export (with
--run RUN for the curves of the run it came from).

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
	ks, dev, err := pcaRunFlags(c)
	if err != nil {
		return err
	}
	outPath := filepath.Join(outDir, reportFile)
	if _, err := os.Stat(outPath); err == nil && !c.Bool("force") {
		return fmt.Errorf("%s already exists (use --force to replace it)", outPath)
	}

	start := time.Now()
	modelDir, run := a[0], c.String("run")
	if isRun(modelDir) {
		if run != "" {
			return usagef("%s is a run folder; --run applies to export folders", modelDir)
		}
		run = modelDir
		tmp, err := os.MkdirTemp("", "zoo-report-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if modelDir, err = exportRun(run, tmp); err != nil {
			return err
		}
	} else if fi, err := os.Stat(filepath.Join(modelDir, zoo.ModelFile)); err != nil || fi.IsDir() {
		return fmt.Errorf("%s is neither a run folder (no %s) nor an export folder (no %s)", modelDir, train.RunFile, zoo.ModelFile)
	}

	page := &report.Page{}
	card, err := os.ReadFile(filepath.Join(modelDir, "README.md"))
	if err == nil {
		page.Section("card", "Model card").Pre = string(card)
	}
	var info *train.Info
	if run != "" {
		if info, err = train.ReadInfo(run); err != nil {
			return err
		}
		trainingSection(page.Section("training", "Training"), run, info)
	}

	// Evaluation.
	evalStart := time.Now()
	res, err := evaluate(c.Context, evalOptions{model: filepath.Join(modelDir, zoo.ModelFile), data: c.String("data"),
		labels: c.String("labels"), worst: 16, batch: c.Int("batch"), threads: c.Int("threads"), dev: dev})
	if err != nil {
		return err
	}
	name := res.modelName()
	page.Title = "zoo report: " + name
	page.Lines = append(page.Lines, fmt.Sprintf("model %s (%s), data %s (%d images), written by zoo %s on %s",
		name, res.Model.Task, res.Data, res.Images, zoo.Version, time.Now().Format("2006-01-02 15:04")))
	if err := evalSection(page.Section("eval", "Evaluation"), res); err != nil {
		return err
	}
	evalSec := time.Since(evalStart).Seconds()

	// PCA comparison (autoencoders).
	var pcaSec float64
	if res.Reconstruction != nil {
		s := page.Section("pca", "Autoencoder against PCA")
		if tr := c.String("train"); tr == "" {
			s.Text = []string{"Not run: give --train (the training images) to fit PCA to."}
		} else {
			t0 := time.Now()
			cmp, err := comparePCA(c.Context, compareOptions{model: filepath.Join(modelDir, zoo.ModelFile), train: tr,
				test: c.String("data"), labels: c.String("labels"), ks: ks, batch: c.Int("batch"), threads: c.Int("threads"), dev: dev})
			if err != nil {
				return err
			}
			if err := pcaSection(s, cmp); err != nil {
				return err
			}
			pcaSec = time.Since(t0).Seconds()
		}
	}

	// Figures.
	figStart := time.Now()
	made, skipped, err := figuresSection(c, page.Section("figures", "Figures"), modelDir, run, res, dev)
	if err != nil {
		return err
	}
	figSec := time.Since(figStart).Seconds()
	page.Lines = append(page.Lines, fmt.Sprintf("made in %.1f s: evaluation %.1f s, PCA comparison %.1f s, %d figures %.1f s",
		time.Since(start).Seconds(), evalSec, pcaSec, made, figSec))

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := page.WriteFile(outPath, c.Bool("force")); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %s on %s, %d figures (%d not applicable) in %.1f s\n", outPath, name, res.Data, made, len(skipped), time.Since(start).Seconds())
	for _, s := range skipped {
		fmt.Printf("  %s\n", s)
	}
	return nil
}

// exportRun exports the weights of a run folder under dir and returns the
// export folder.
func exportRun(run, dir string) (string, error) {
	m, w, source, err := runWeights(run)
	if err != nil {
		return "", err
	}
	sample, err := sampleInputs(m, 1)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, m.Name)
	if _, err := export.WriteDir(out, m, w, export.DirOptions{Weights: source, Sample: sample, SampleN: 1}); err != nil {
		return "", fmt.Errorf("export %s: %w", run, err)
	}
	return out, nil
}

// trainingSection fills s with the epochs of a run and its curves.
func trainingSection(s *report.Section, run string, info *train.Info) {
	s.Text = append(s.Text, fmt.Sprintf("Run %s: %s on %s (%d images), validated on %s (%d images); status %s after %d epochs.",
		run, info.Model, info.Train.Name, info.Train.N, info.Val.Name, info.Val.N, info.Status, info.Epoch))
	cls := info.Recipe.Loss.Task() == zoo.Classify
	t := &report.Table{Caption: "metrics per epoch (metrics.csv)", Head: []string{"epoch", "train loss", "validation loss"}}
	if cls {
		t.Head = append(t.Head, "train accuracy", "validation accuracy")
	}
	t.Head = append(t.Head, "seconds", "images/s")
	for _, e := range info.Epochs {
		row := []string{strconv.Itoa(e.Epoch), fmt.Sprintf("%.6f", e.TrainLoss), fmt.Sprintf("%.6f", e.ValLoss)}
		if cls {
			row = append(row, fmt.Sprintf("%.2f%%", 100*e.TrainAccuracy), fmt.Sprintf("%.2f%%", 100*e.ValAccuracy))
		}
		row = append(row, fmt.Sprintf("%.1f", e.Seconds), fmt.Sprintf("%.0f", e.PerSecond))
		t.Rows = append(t.Rows, row)
	}
	s.Tables = append(s.Tables, t)
}

// evalSection fills s with the numbers and figures of zoo eval.
func evalSection(s *report.Section, res *evalResult) error {
	var text bytes.Buffer
	printEval(&text, res)
	s.Pre = text.String()
	for _, name := range []string{"confusion", "worst"} {
		if f := res.figures(evalOptions{})[name]; f != nil {
			im, err := report.NewImage("eval-"+name, f.Title, f.Image, f.Notes...)
			if err != nil {
				return err
			}
			s.Images = append(s.Images, im)
		}
	}
	return nil
}

// pcaSection fills s with the comparison of the autoencoder with PCA.
func pcaSection(s *report.Section, rep *compareReport) error {
	s.Text = append(s.Text, fmt.Sprintf("PCA fitted to the %d images of %s (%.2f s); %d test images of %s reconstructed by both.",
		rep.Train.Images, rep.Train.Data, rep.FitSeconds, rep.Test.Images, rep.Test.Data))
	t := &report.Table{Caption: "mean squared error per pixel", Head: []string{"reconstruction", "MSE", "explained variance"}}
	t.Rows = append(t.Rows, []string{"autoencoder", fmt.Sprintf("%.6f", rep.Autoencoder.MSE), ""})
	for _, r := range rep.PCA {
		t.Rows = append(t.Rows, []string{fmt.Sprintf("PCA k=%d", r.K), fmt.Sprintf("%.6f", r.MSE), fmt.Sprintf("%.4f", r.ExplainedVarianceRatio)})
	}
	s.Tables = append(s.Tables, t)
	if rep.Autoencoder.ClassMSE != nil {
		ct := &report.Table{Caption: "MSE per pixel by class", Head: []string{"class", "images", "autoencoder"}}
		for _, r := range rep.PCA {
			ct.Head = append(ct.Head, fmt.Sprintf("PCA k=%d", r.K))
		}
		for c, n := range rep.ClassCounts {
			if n == 0 {
				continue
			}
			row := []string{strconv.Itoa(c), strconv.Itoa(n), fmt.Sprintf("%.6f", *rep.Autoencoder.ClassMSE[c])}
			for _, r := range rep.PCA {
				row = append(row, fmt.Sprintf("%.6f", *r.ClassMSE[c]))
			}
			ct.Rows = append(ct.Rows, row)
		}
		s.Tables = append(s.Tables, ct)
	}
	var b bytes.Buffer
	if ok, err := rep.writeFigure(&b); err != nil {
		return err
	} else if ok {
		im, err := report.PNGImage("pca-figure", "originals, autoencoder and PCA reconstructions of the chosen test images", b.Bytes())
		if err != nil {
			return err
		}
		s.Images = append(s.Images, im)
	}
	return nil
}

// figuresSection draws every figure of package figure that applies to the
// model in modelDir on the evaluation's data, and says why each other one
// does not apply. It returns the number drawn and the reasons.
func figuresSection(c *cli.Context, s *report.Section, modelDir, run string, res *evalResult, dev infer.Device) (int, []string, error) {
	opt := infer.Options{Device: dev, Threads: c.Int("threads"), Warn: os.Stderr}
	m, closers, err := openFigureModel(modelDir, opt, true)
	defer closeAll(closers)
	if err != nil {
		return 0, nil, err
	}
	fopt := figure.Options{}
	if run != "" {
		fopt.Runs = []string{run}
	}
	if dir := c.String("classifier"); dir != "" {
		cm, closers, err := openFigureModel(dir, opt, false)
		defer closeAll(closers)
		if err != nil {
			return 0, nil, err
		}
		fopt.Classifier = cm
	}
	d := res.data
	if d == nil { // a classifier: the data was streamed, read it whole
		if d, err = loadFigureData(c.String("data"), c.String("labels"), 0, false); err != nil {
			return 0, nil, err
		}
	}
	if m.ClassNames == nil && len(d.ClassNames) == m.Classes {
		m.ClassNames = d.ClassNames
	}
	var skipped []string
	made := 0
	for _, name := range figure.Names() {
		f, err := figure.Make(name, []*figure.Model{m}, d, fopt)
		switch {
		case errors.Is(err, figure.ErrNotApplicable):
			skipped = append(skipped, err.Error())
			continue
		case err != nil:
			skipped = append(skipped, fmt.Sprintf("%s: failed: %v", name, err))
			continue
		}
		im, err := report.NewImage("figure-"+name, fmt.Sprintf("%s: %s", name, f.Title), f.Image, f.Notes...)
		if err != nil {
			return 0, nil, err
		}
		s.Images = append(s.Images, im)
		made++
	}
	s.Text = append(s.Text, fmt.Sprintf("%d of the %d figures of zoo figure apply to this model and data.", made, len(figure.Names())))
	if len(skipped) > 0 {
		s.Text = append(s.Text, "Not shown:")
		s.Pre = strings.Join(skipped, "\n")
	}
	return made, skipped, nil
}
