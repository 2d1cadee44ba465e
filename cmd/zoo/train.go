package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/progress"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/train"
	"github.com/zoo-ml/zoo/zoo"
)

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:      "train",
		Usage:     "train a model with its notebook recipe (gorgonia)",
		ArgsUsage: "MODEL",
		Description: `Trains MODEL and writes a run folder OUT/MODEL/RUN/ with model.safetensors (PyTorch state_dict names),
optimizer.safetensors, run.json, metrics.csv and loss.png, all rewritten atomically after every epoch.
--data is a data set name (its train images train, its test images validate; ./NAME for a file or
folder of the same name) or an IDX file; without a downloaded data set, the embedded mnist-mini set
is used, with a notice. Only the images trained on are read (--limit); more than 2 GiB of them are
not held in memory but streamed from disk every epoch, shuffled by chunks within 64 MB windows. Classifiers train on the
data set's labels, or on --labels and --val-labels (IDX u8 or CIFAR-10 files) next to image files. Ctrl-C finishes the current
batch, saves a checkpoint and says how to resume.

Recipe keys for --set: ` + strings.Join(zoo.RecipeKeys(), ", ") + `.

Example:
   zoo train relu-ae-30
   zoo train deep-ae --data fashion-mnist --epochs 5 --seed 1 --out runs/
   zoo train sparse-ae --set sparsity=4e-6
   zoo train denoise-ae --set noise=gaussian:0.5
   zoo train tiny-ae-2 --val-split 10000 --patience 20
   zoo train cnn --data fashion-mnist
   zoo train cnn --data train-images.idx.gz --labels train-labels.idx.gz --val-split 5000
   zoo train relu-ae-30 --resume runs/relu-ae-30/20261123-101500
   zoo train cnn --init-from cnn-init.safetensors --set shuffle=false
   zoo export runs/relu-ae-30/20261123-101500 --out models/`,
		Flags: append(trainDataFlags(&cli.Int64Flag{Name: "seed", Usage: "seed of initialisation, shuffling and noise (default: the recipe's)"}),
			&cli.StringSliceFlag{Name: "set", Usage: "override a recipe value, `KEY=VALUE` (repeatable)"},
			&cli.StringFlag{Name: "out", Usage: "runs folder", Value: "runs"},
			&cli.StringFlag{Name: "name", Usage: "run name, one folder name (default: the start time, made unique)"},
			&cli.StringFlag{Name: "resume", Usage: "continue the run in `DIR` exactly where it stopped"},
			&cli.StringFlag{Name: "init-from", Usage: "start from the weights in `FILE` (.safetensors, PyTorch state_dict names, as export --weights)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"}),
		Action: runTrain,
	}
}

// trainDataFlags are the flags of zoo train and zoo sweep that choose the
// data and the recipe's shortcuts, with seed (zoo train's) after epochs.
func trainDataFlags(seed ...cli.Flag) []cli.Flag {
	return append(append([]cli.Flag{
		&cli.StringFlag{Name: "data", Usage: "data set `NAME` or IDX image file to train on (default: the model's)"},
		&cli.StringFlag{Name: "val-data", Usage: "IDX image `FILE` to validate on (default: the data set's test images)"},
		&cli.StringFlag{Name: "labels", Usage: "IDX u8 label `FILE` of the --data file (classifiers)"},
		&cli.StringFlag{Name: "val-labels", Usage: "IDX u8 label `FILE` of the --val-data file (classifiers)"},
		&cli.IntFlag{Name: "val-split", Usage: "validate on a seeded hold-out of `N` training images instead"},
		&cli.IntFlag{Name: "limit", Usage: "train on the first `N` images only"},
		&cli.IntFlag{Name: "epochs", Usage: "epochs (default: the recipe's)"}}, seed...),
		&cli.IntFlag{Name: "batch", Usage: "batch size (default: the recipe's)"},
		&cli.IntFlag{Name: "patience", Usage: "stop after `N` epochs without a better validation loss"})
}

// trainSpec is the data of the flags of trainDataFlags.
func trainSpec(c *cli.Context) train.DataSpec {
	return train.DataSpec{Data: c.String("data"), ValData: c.String("val-data"), Labels: c.String("labels"),
		ValLabels: c.String("val-labels"), Limit: c.Int("limit")}
}

func runTrain(c *cli.Context) error {
	a := c.Args().Slice()
	if dir := c.String("resume"); dir != "" {
		return resumeTrain(c, dir, a)
	}
	m, err := modelArg(c)
	if err != nil {
		return err
	}
	name, err := runName(c)
	if err != nil {
		return err
	}
	r := &m.Recipe
	for _, kv := range c.StringSlice("set") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return usagef("--set %q: want KEY=VALUE", kv)
		}
		if err := r.Set(k, v); err != nil {
			return usageError{err}
		}
	}
	for flag, key := range map[string]string{"epochs": "epochs", "seed": "seed", "batch": "batch", "patience": "patience", "val-split": "val-split"} {
		if c.IsSet(flag) {
			if err := r.Set(key, fmt.Sprint(c.Value(flag))); err != nil {
				return usageError{fmt.Errorf("--%s: %w", flag, err)}
			}
		}
	}
	if err := m.Validate(); err != nil { // the recipe against the model: its loss
		return usageError{err}
	}
	spec := trainSpec(c)
	if spec.Data == "" {
		spec.Data = m.Dataset
	}
	init, from, err := readWeights(m, c.String("init-from"))
	if err != nil {
		return err
	}
	tr, val, err := train.LoadData(&spec, m, trainNotice)
	if err != nil {
		return trainDataError(err)
	}
	defer func() { tr.Close(); val.Close() }()
	dir := filepath.Join(c.String("out"), m.Name, name)
	return doTrain(c, train.Options{Model: m, Train: tr, Val: val, Dir: dir, Unique: !c.IsSet("name"), Args: spec.Args(), Init: init, InitFrom: from})
}

// runName returns the run's name: --name, checked, or the start time
// (which train.Run makes unique).
func runName(c *cli.Context) (string, error) {
	if !c.IsSet("name") {
		return rundir.DefaultName(time.Now()), nil
	}
	if err := rundir.CheckName(c.String("name")); err != nil {
		return "", usageError{fmt.Errorf("--name: %w", err)}
	}
	return c.String("name"), nil
}

func resumeTrain(c *cli.Context, dir string, a []string) error {
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		return err
	}
	if len(a) > 1 || len(a) == 1 && a[0] != info.Model {
		return usagef("--resume %s continues %s; give no other model", dir, info.Model)
	}
	for _, f := range []string{"data", "val-data", "labels", "val-labels", "val-split", "limit", "epochs", "seed", "batch", "patience", "set", "name", "init-from"} {
		if c.IsSet(f) {
			return usagef("--resume takes the run's own settings; --%s cannot change them", f)
		}
	}
	opt, err := train.ResumeOptions(dir, info, trainNotice)
	if err != nil {
		return trainDataError(err)
	}
	defer func() { opt.Train.Close(); opt.Val.Close() }()
	return doTrain(c, opt)
}

func doTrain(c *cli.Context, opt train.Options) error {
	var bar *progress.Train
	opt.OnNotice = func(msg string) { fmt.Fprintln(os.Stderr, "zoo:", msg) }
	if !c.Bool("quiet") {
		bar = progress.New(os.Stderr, term.IsTerminal(int(os.Stderr.Fd())), opt.Model.Name)
		opt.OnStep, opt.OnEpoch = bar.Step, bar.Epoch
		fmt.Fprintln(os.Stderr, opt.Describe())
	}
	info, err := train.Run(c.Context, opt)
	bar.Finish()
	if err != nil {
		return trainHint(err)
	}
	fmt.Println(info.Summary(opt.Model.Task))
	fmt.Printf("run folder %s; export with: zoo export %s --out models/\n", info.Dir, info.Dir)
	return nil
}

// trainNotice says that mnist-mini stands in for a data set not found.
func trainNotice(n dataset.Notice) {
	fmt.Fprintf(os.Stderr, "zoo: %v\nzoo: training on the embedded %s set instead (2,000 MNIST test images); fetch the real data with: zoo data fetch %s\n",
		withHints(n.Err), dataset.MiniName, n.Set)
}

// trainDataError gives the errors of train.LoadData's spec with their flags.
func trainDataError(err error) error {
	var se *train.SpecError
	var md *train.MissingDataError
	switch {
	case errors.As(err, &se) && se.Field == "labels":
		return usagef("a classifier trained on the file %s needs its labels: --labels FILE", se.File)
	case errors.As(err, &se) && se.Field == "val-labels":
		return usagef("a classifier validated on %s needs its labels: --val-labels FILE", se.File)
	case errors.As(err, &se) && se.Field == "limit":
		return usagef("--%v", err)
	case errors.As(err, &se):
		return usagef("training on a file needs --val-data FILE or --val-split N")
	case errors.As(err, &md):
		return fmt.Errorf("%w; fetch it with: zoo data fetch %s (or give --data FILE)", err, md.Set)
	}
	return err
}

// trainHint adds to an error of train.Run the command line that goes on
// with the run, where there is one.
func trainHint(err error) error {
	var stopped *train.InterruptedError
	var exists *train.ExistsError
	switch {
	case errors.As(err, &stopped):
		return fmt.Errorf("%w; continue with: zoo train %s --resume %s", err, stopped.Model, stopped.Dir)
	case errors.As(err, &exists):
		return fmt.Errorf("%w: resume it with --resume %s, or choose another", err, exists.Dir)
	}
	return err
}
