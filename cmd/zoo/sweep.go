package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/sweep"
	"github.com/zoo-ml/zoo/train"
)

func sweepCommand() *cli.Command {
	return &cli.Command{
		Name:      "sweep",
		Usage:     "train a grid of variants (recipe values, models, seeds) and compare them",
		ArgsUsage: "MODEL | SWEEP_DIR",
		Description: `Expands the grid into runs OUT/MODEL/sweep-NAME/KEY=VALUE-...-seed=S/ (recorded in sweep.json; for
--models, under their common name, such as shallow-ae), trains those not finished, --jobs at a time
in processes of their own (output in logs/), and prints zoo runs compare's table. Run again, or as zoo
sweep SWEEP_DIR, it resumes interrupted and killed runs and skips finished ones. --slurm writes a Slurm
array job script (task i trains run i), --index I trains run I alone. Data flags as zoo train's.

Example:
   zoo sweep --models shallow-ae-64,shallow-ae-128,shallow-ae-256 --seeds 0,1,2 --epochs 2 --data fashion-mnist
   zoo sweep sparse-ae --set sparsity=0.6e-6,1.5e-6,4e-6 --seeds 0,1,2 --jobs 2
   zoo sweep --models tiny-ae-2,tiny-ae-4 --seeds 0,1,2 --slurm    # then: sbatch runs/tiny-ae/sweep-model/sweep.sbatch
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
	return append([]cli.Flag{
		&cli.StringFlag{Name: "models", Usage: "models to compare, `A,B,...` (instead of MODEL)"},
		&cli.GenericFlag{Name: "set", Usage: "sweep a recipe key over values, `KEY=V1,V2,...` (repeatable)", Value: &sweep.Sets{}},
		&cli.StringFlag{Name: "seeds", Usage: "seeds of every variant, `S1,S2,...` (default: the recipe's)"},
		&cli.StringFlag{Name: "name", Usage: "sweep name (default: the keys it varies, such as model or sparsity)"},
		&cli.StringFlag{Name: "out", Usage: "runs folder", Value: "runs"}}, trainDataFlags()...)
}

func runSweep(c *cli.Context) error {
	p, err := sweepPlan(c)
	if err != nil {
		return err
	}
	if c.IsSet("index") {
		act, err := p.Run(c.Context, c.Int("index"), func(_ context.Context, j sweep.Job) error {
			fmt.Printf("sweep %s: run %d, %s: %s\n", p.Dir(), j.Variant.Index, j.Variant.Name, map[bool]string{true: "resumed from its last checkpoint", false: "started"}[j.Resume])
			opt, err := train.JobOptions(j.Dir, j.Model, j.Data, j.Resume, trainNotice)
			if err != nil {
				return trainDataError(err)
			}
			return doTrain(c, opt)
		})
		if ie := (*sweep.IndexError)(nil); errors.As(err, &ie) {
			return usageError{err}
		} else if act == sweep.Skipped {
			fmt.Printf("%s: finished already\n", p.RunDir(c.Int("index")))
		}
		return err
	}
	exe, err := os.Executable()
	if err != nil || !c.Bool("slurm") {
		return sweepLocal(c, p, exe, err)
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
	if models := c.String("models"); models != "" && len(a) == 0 {
		a = strings.Split(models, ",")
	} else if models != "" || len(a) == 0 {
		return nil, usagef("sweep: give MODEL, --models A,B,... or a sweep folder (see zoo help sweep)")
	}
	var fixed []sweep.Setting
	for _, key := range []string{"epochs", "batch", "patience", "val-split"} {
		if c.IsSet(key) {
			fixed = append(fixed, sweep.Setting{Key: key, Value: fmt.Sprint(c.Int(key))})
		}
	}
	g, err := sweep.ParseGrid(a, *c.Generic("set").(*sweep.Sets), c.String("seeds"), fixed)
	var p *sweep.Plan
	if err == nil {
		p, err = sweep.NewPlan(c.String("out"), c.String("name"), g, trainSpec(c).Args())
	}
	if err != nil {
		return nil, usageError{err}
	}
	return p, p.Save()
}

// sweepLocal trains the runs not finished yet on this machine, then prints
// the comparison; runs that did not finish make it fail.
func sweepLocal(c *cli.Context, p *sweep.Plan, exe string, err error) error {
	if err != nil {
		return err
	}
	fmt.Printf("sweep %s: %d runs, %d to train, %d at a time\n", p.Dir(), len(p.Runs), len(p.Pending()), c.Int("jobs"))
	statuses, err := p.RunLocal(c.Context, sweep.Local{Exe: exe, Jobs: c.Int("jobs"),
		OnEnd: func(v sweep.Variant, st sweep.Status, took time.Duration) {
			fmt.Printf("  [%d] %s: %s (%.1f s)\n", v.Index, v.Name, st, took.Seconds())
		}})
	cmp, cerr := sweep.Compare(p.Dir())
	if err == nil && cerr == nil {
		fmt.Println()
		err = cmp.WriteText(os.Stdout)
	}
	if err != nil || cerr != nil {
		return errors.Join(err, cerr)
	}
	if err := p.Unfinished(statuses); err != nil {
		return fmt.Errorf("%w; run the sweep again to resume them", err)
	}
	return nil
}
