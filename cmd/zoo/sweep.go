package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/sweep"
	"github.com/zoo-ml/zoo/train"
)

func sweepCommand() *cli.Command {
	return &cli.Command{
		Name:      "sweep",
		Usage:     "train a grid of variants (recipe values, models, seeds) and compare them",
		ArgsUsage: "MODEL | SWEEP_DIR",
		Description: `Expands the grid into named runs OUT/MODEL/sweep-NAME/KEY=VALUE-...-seed=S/ (with --models, the
folder of their common name, such as shallow-ae), records it in sweep.json, and trains every run not
finished yet, --jobs at a time, each in a process of its own (output in logs/NAME.log), then prints
the comparison of zoo runs compare. Running it again (or zoo sweep SWEEP_DIR) runs only what is
missing: finished runs are skipped, interrupted ones and those whose process died are resumed.
--slurm writes a Slurm array job script instead (task i trains run i; only the runs not finished),
and --index I trains run I alone, as each task does. --data and the other data flags are zoo
train's. Recipe keys for --set: as zoo train's.

Example:
   zoo sweep --models shallow-ae-64,shallow-ae-128,shallow-ae-256 --seeds 0,1,2 --epochs 2 --data fashion-mnist
   zoo sweep sparse-ae --set sparsity=0.6e-6,1.5e-6,4e-6 --seeds 0,1,2 --jobs 2
   zoo sweep denoise-ae --set noise=gaussian:0.3,gaussian:0.5,gaussian:0.8,gaussian:0.9
   zoo sweep --models tiny-ae-2,tiny-ae-4 --seeds 0,1,2 --slurm && sbatch runs/tiny-ae/sweep-model/sweep.sbatch
   zoo sweep runs/tiny-ae/sweep-model --index $SLURM_ARRAY_TASK_ID`,
		Flags: append(sweepGridFlags(),
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Usage: "train `N` runs at once", Value: 1},
			&cli.IntFlag{Name: "index", Usage: "train run `I` of the sweep only (a Slurm array task: $SLURM_ARRAY_TASK_ID)"},
			&cli.BoolFlag{Name: "slurm", Usage: "write the Slurm array job script sweep.sbatch into the sweep folder and print its path"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"}),
		Action: runSweep,
	}
}

// sweepGridFlags are the flags that say what a new sweep trains.
func sweepGridFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "models", Usage: "models to compare, `A,B,...` (instead of MODEL)"},
		&cli.StringSliceFlag{Name: "set", Usage: "sweep a recipe key over values, `KEY=V1,V2,...` (repeatable)"},
		&cli.StringFlag{Name: "seeds", Usage: "seeds of every variant, `S1,S2,...` (default: the recipe's)"},
		&cli.StringFlag{Name: "name", Usage: "sweep name (default: the keys it varies, such as model or sparsity)"},
		&cli.StringFlag{Name: "out", Usage: "runs folder", Value: "runs"},
		&cli.StringFlag{Name: "data", Usage: "data set `NAME` or IDX image file to train on (default: the model's)"},
		&cli.StringFlag{Name: "val-data", Usage: "IDX image `FILE` to validate on"},
		&cli.StringFlag{Name: "labels", Usage: "IDX u8 label `FILE` of the --data file (classifiers)"},
		&cli.StringFlag{Name: "val-labels", Usage: "IDX u8 label `FILE` of the --val-data file (classifiers)"},
		&cli.IntFlag{Name: "limit", Usage: "train on the first `N` images only"},
		&cli.IntFlag{Name: "val-split", Usage: "validate on a seeded hold-out of `N` training images"},
		&cli.IntFlag{Name: "epochs", Usage: "epochs (default: the recipe's)"},
		&cli.IntFlag{Name: "batch", Usage: "batch size (default: the recipe's)"},
		&cli.IntFlag{Name: "patience", Usage: "stop after `N` epochs without a better validation loss"},
	}
}

func runSweep(c *cli.Context) error {
	p, err := sweepPlan(c)
	if err != nil {
		return err
	}
	switch {
	case c.IsSet("index"):
		act, err := p.Run(c.Context, c.Int("index"), func(_ context.Context, j sweep.Job) error { return trainJob(c, j) })
		var ie *sweep.IndexError
		if errors.As(err, &ie) {
			return usageError{err}
		}
		if act == sweep.Skipped {
			fmt.Printf("%s: finished already\n", p.RunDir(c.Int("index")))
		}
		return err
	case c.Bool("slurm"):
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		path, runs, err := p.WriteScript(exe)
		if err == nil && path == "" {
			fmt.Fprintf(os.Stderr, "zoo: every run of %s has finished\n", p.Dir())
		} else if err == nil {
			fmt.Println(path)
			fmt.Fprintf(os.Stderr, "zoo: %d of %d runs as a Slurm array job (--array=%s); submit with: sbatch %s\n", len(runs), len(p.Runs), sweep.ArrayRange(runs), path)
		}
		return err
	}
	return sweepLocal(c, p)
}

// sweepPlan returns the plan of the sweep folder argument, or that of the
// grid of the flags, saved into its folder (checked against the plan there).
func sweepPlan(c *cli.Context) (*sweep.Plan, error) {
	a, err := args(c, 0, 1)
	if err != nil {
		return nil, err
	}
	if len(a) == 1 && sweep.IsFolder(a[0]) {
		for _, f := range sweepGridFlags() {
			if c.IsSet(f.Names()[0]) {
				return nil, usagef("%s is a sweep folder, which keeps its own settings; --%s cannot change them", a[0], f.Names()[0])
			}
		}
		return sweep.Open(a[0])
	}
	var g sweep.Grid
	if models := c.String("models"); models != "" {
		if len(a) == 1 {
			return nil, usagef("sweep: give MODEL or --models, not both")
		}
		g.Models = strings.Split(models, ",")
	} else if len(a) == 0 {
		return nil, usagef("sweep: give MODEL, --models A,B,... or a sweep folder (see zoo help sweep)")
	} else {
		g.Models = a
	}
	for _, s := range c.StringSlice("set") {
		ax, err := sweep.ParseAxis(s)
		if err != nil {
			return nil, usageError{err}
		}
		g.Axes = append(g.Axes, ax)
	}
	if s := c.String("seeds"); s != "" {
		if g.Seeds, err = sweep.ParseSeeds(s); err != nil {
			return nil, usageError{err}
		}
	}
	for _, key := range []string{"epochs", "batch", "patience", "val-split"} {
		if c.IsSet(key) {
			g.Fixed = append(g.Fixed, sweep.Setting{Key: key, Value: fmt.Sprint(c.Int(key))})
		}
	}
	spec := train.DataSpec{Data: c.String("data"), ValData: c.String("val-data"), Labels: c.String("labels"),
		ValLabels: c.String("val-labels"), Limit: c.Int("limit")}
	p, err := sweep.NewPlan(c.String("out"), c.String("name"), g, spec.Args())
	if err != nil {
		return nil, usageError{err}
	}
	return p, p.Save()
}

// trainJob trains (or resumes) one run of a sweep as zoo train does.
func trainJob(c *cli.Context, j sweep.Job) error {
	if j.Resume {
		info, err := rundir.ReadInfo(j.Dir)
		if err != nil {
			return err
		}
		opt, err := train.ResumeOptions(j.Dir, info, trainNotice)
		if err != nil {
			return trainDataError(err)
		}
		return doTrain(c, opt)
	}
	spec := train.SpecOf(j.Data)
	if spec.Data == "" {
		spec.Data = j.Model.Dataset
	}
	tr, val, err := train.LoadData(&spec, j.Model, trainNotice)
	if err != nil {
		return trainDataError(err)
	}
	return doTrain(c, train.Options{Model: j.Model, Train: tr, Val: val, Dir: j.Dir, Args: spec.Args()})
}

// sweepLocal trains the runs not finished yet on this machine, then prints
// the comparison; runs that did not finish make it fail.
func sweepLocal(c *cli.Context, p *sweep.Plan) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("sweep %s: %d runs, %d to train, %d at a time\n", p.Dir(), len(p.Runs), len(p.Pending()), c.Int("jobs"))
	statuses, err := p.RunLocal(c.Context, sweep.Local{Exe: exe, Jobs: c.Int("jobs"),
		OnEnd: func(v sweep.Variant, st sweep.Status, took time.Duration) {
			fmt.Printf("  [%d] %s: %s (%.1f s)\n", v.Index, v.Name, st, took.Seconds())
		}})
	if err != nil {
		return err
	}
	cmp, err := sweep.Compare(p.Dir())
	if err != nil {
		return err
	}
	fmt.Println()
	if err := cmp.WriteText(os.Stdout); err != nil {
		return err
	}
	var bad []string
	for i, st := range statuses {
		if st.State != sweep.Finished {
			bad = append(bad, fmt.Sprintf("%s (%s)", p.Runs[i].Name, st))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d of %d runs did not finish: %s; their output is in %s/%s; run the sweep again to resume them",
			len(bad), len(p.Runs), strings.Join(bad, ", "), p.Dir(), sweep.LogDir)
	}
	return nil
}
