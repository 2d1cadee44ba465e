package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/zoo-ml/zoo/dataset"
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
--data is a data set name (its train images train, its test images validate) or an IDX file; without
a downloaded data set, the embedded mnist-mini set is used, with a notice. Classifiers train on the
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
   zoo export runs/relu-ae-30/20261123-101500 --out models/`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Usage: "data set `NAME` or IDX image file to train on (default: the model's)"},
			&cli.StringFlag{Name: "val-data", Usage: "IDX image `FILE` to validate on (default: the data set's test images)"},
			&cli.StringFlag{Name: "labels", Usage: "IDX u8 label `FILE` of the --data file (classifiers)"},
			&cli.StringFlag{Name: "val-labels", Usage: "IDX u8 label `FILE` of the --val-data file (classifiers)"},
			&cli.IntFlag{Name: "val-split", Usage: "validate on a seeded hold-out of `N` training images instead"},
			&cli.IntFlag{Name: "limit", Usage: "train on the first `N` images only"},
			&cli.IntFlag{Name: "epochs", Usage: "epochs (default: the recipe's)"},
			&cli.Int64Flag{Name: "seed", Usage: "seed of initialisation, shuffling and noise (default: the recipe's)"},
			&cli.IntFlag{Name: "batch", Usage: "batch size (default: the recipe's)"},
			&cli.IntFlag{Name: "patience", Usage: "stop after `N` epochs without a better validation loss"},
			&cli.StringSliceFlag{Name: "set", Usage: "override a recipe value, `KEY=VALUE` (repeatable)"},
			&cli.StringFlag{Name: "out", Usage: "runs folder", Value: "runs"},
			&cli.StringFlag{Name: "name", Usage: "run name (default: the start time)"},
			&cli.StringFlag{Name: "resume", Usage: "continue the run in `DIR` exactly where it stopped"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
		},
		Action: runTrain,
	}
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
	args := map[string]string{"data": c.String("data"), "val-data": c.String("val-data"), "limit": strconv.Itoa(c.Int("limit")),
		"labels": c.String("labels"), "val-labels": c.String("val-labels")}
	if args["data"] == "" {
		args["data"] = m.Dataset
	}
	tr, val, err := loadTrainData(args, m)
	if err != nil {
		return err
	}
	name := c.String("name")
	if name == "" {
		name = time.Now().Format("20060102-150405")
	}
	dir := filepath.Join(c.String("out"), m.Name, name)
	return doTrain(c, train.Options{Model: m, Train: tr, Val: val, Dir: dir, Args: args})
}

func resumeTrain(c *cli.Context, dir string, a []string) error {
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		return err
	}
	if len(a) > 1 || len(a) == 1 && a[0] != info.Model {
		return usagef("--resume %s continues %s; give no other model", dir, info.Model)
	}
	for _, f := range []string{"data", "val-data", "labels", "val-labels", "val-split", "limit", "epochs", "seed", "batch", "patience", "set", "name"} {
		if c.IsSet(f) {
			return usagef("--resume takes the run's own settings; --%s cannot change them", f)
		}
	}
	m, err := zoo.Lookup(info.Model)
	if err != nil {
		return err
	}
	m.Recipe = info.Recipe
	if err := m.Validate(); err != nil {
		return fmt.Errorf("resume %s: %w", dir, err)
	}
	tr, val, err := loadTrainData(info.Args, m)
	if err != nil {
		return err
	}
	return doTrain(c, train.Options{Model: m, Train: tr, Val: val, Dir: dir, Resume: true, Args: info.Args})
}

func doTrain(c *cli.Context, opt train.Options) error {
	var progress *trainProgress
	if !c.Bool("quiet") {
		progress = newTrainProgress(os.Stderr, term.IsTerminal(int(os.Stderr.Fd())), opt.Model.Name)
		opt.OnStep, opt.OnEpoch = progress.step, progress.epoch
		fmt.Fprintf(os.Stderr, "training %s on %s (%d images), validating on %s (%d images); run folder %s\n",
			opt.Model.Name, opt.Train.Name, opt.Train.N, valName(opt), valN(opt), opt.Dir)
	}
	info, err := train.Run(c.Context, opt)
	progress.finish()
	if err != nil {
		return trainHint(err)
	}
	last := info.Epochs[len(info.Epochs)-1]
	acc := ""
	if opt.Model.Task == zoo.Classify {
		acc = fmt.Sprintf(", validation accuracy %.2f%%", 100*last.ValAccuracy)
	}
	fmt.Printf("%s: %s after %d epochs, train loss %.6f, validation loss %.6f%s (best epoch %d)\n",
		opt.Model.Name, info.Status, info.Epoch, last.TrainLoss, last.ValLoss, acc, info.BestEpoch)
	fmt.Printf("run folder %s; export with: zoo export %s --out models/\n", opt.Dir, opt.Dir)
	return nil
}

func valName(opt train.Options) string {
	if opt.Val != nil {
		return opt.Val.Name
	}
	return fmt.Sprintf("a hold-out of %d", opt.Model.Recipe.ValSplit)
}

func valN(opt train.Options) int {
	if opt.Val != nil {
		return opt.Val.N
	}
	return opt.Model.Recipe.ValSplit
}

// loadTrainData loads the training and validation images that args name:
// "data" a data set or an IDX file, "val-data" an IDX file, "limit" a cap on
// the training images. Without a validation file or split, a data set
// validates on its test images; a data set whose files are not found falls
// back to the embedded mnist-mini set with a hold-out of 500 images. val is
// nil when the recipe's hold-out split applies. For classifiers (labels)
// the labels come with the data set, or from "labels" and "val-labels".
func loadTrainData(args map[string]string, m *zoo.Model) (tr, val *train.Data, err error) {
	labels := m.Task == zoo.Classify
	tr, val, err = loadImages(args, m)
	if err != nil {
		return nil, nil, err
	}
	limit, _ := strconv.Atoi(args["limit"])
	if !labels {
		tr.Limit(limit)
		return tr, val, nil
	}
	for _, c := range []struct {
		d    *train.Data
		role string
	}{{tr, dataset.TrainImages}, {val, dataset.TestImages}} {
		if c.d == nil {
			continue
		}
		if err := attachLabels(c.d, args, c.role); err != nil {
			return nil, nil, err
		}
	}
	tr.Limit(limit)
	return tr, val, nil
}

// attachLabels reads the labels of d, whose images have the given role:
// from the file args names ("labels" for the training images, "val-labels"
// for the validation images), or from the label file of the data set that
// d's images came from.
func attachLabels(d *train.Data, args map[string]string, imageRole string) error {
	file := args["labels"]
	if imageRole != dataset.TrainImages {
		file = args["val-labels"]
	}
	if file != "" {
		l, err := dataset.ReadLabels(file)
		if err != nil {
			return err
		}
		sum, err := dataset.FileSHA256(file)
		if err != nil {
			return err
		}
		return d.SetLabels(l, file, sum)
	}
	set := args["data"]
	if imageRole != dataset.TrainImages && args["val-data"] != "" {
		set = args["val-data"]
	}
	if strings.ContainsRune(set, os.PathSeparator) || fileExists(set) {
		// CIFAR-10 files carry their labels; IDX images need a label file.
		if dataset.HoldsLabels(set) {
			role := dataset.TrainLabels
			if imageRole != dataset.TrainImages {
				role = dataset.TestLabels
			}
			return readFileLabels(d, set, role)
		}
		if imageRole == dataset.TrainImages {
			return usagef("a classifier trained on the file %s needs its labels: --labels FILE", set)
		}
		return usagef("a classifier validated on %s needs its labels: --val-labels FILE", args["val-data"])
	}
	role := dataset.TrainLabels
	if imageRole != dataset.TrainImages || set == dataset.MiniName {
		role = dataset.TestLabels
	}
	r, src, err := dataset.Open(set, role)
	if err != nil {
		return err
	}
	defer r.Close()
	sum := "embedded"
	if !src.Embedded {
		if sum, err = dataset.FileSHA256(src.Path); err != nil {
			return err
		}
	}
	return setLabels(d, r, src.Path, sum)
}

// setLabels reads every label of r and attaches them to d, with the name
// and digest of where they came from.
func setLabels(d *train.Data, r *dataset.Reader, name, sum string) error {
	l := make([]uint8, r.Remaining())
	if _, err := r.ReadUint8(l); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return d.SetLabels(l, name, sum)
}

// readFileLabels attaches the labels of the given role of the CIFAR-10
// data at path to d.
func readFileLabels(d *train.Data, path, role string) error {
	r, err := dataset.OpenFile(path, role)
	if err != nil {
		return err
	}
	defer r.Close()
	sum, err := dataset.FileSHA256(path)
	if err != nil {
		return err
	}
	return setLabels(d, r, r.Name(), sum)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// loadImages loads the training and validation images (see loadTrainData).
func loadImages(args map[string]string, m *zoo.Model) (tr, val *train.Data, err error) {
	r := &m.Recipe
	data := args["data"]
	if _, serr := os.Stat(data); serr == nil || strings.ContainsRune(data, os.PathSeparator) {
		if tr, err = readFile(data, dataset.TrainImages); err != nil {
			return nil, nil, err
		}
	} else {
		if data != dataset.MiniName {
			tr, err = readSet(data, dataset.TrainImages)
			if errors.Is(err, dataset.ErrNotFound) && zoo.Numel(m.Input) != 28*28 {
				return nil, nil, fmt.Errorf("%w; fetch it with: zoo data fetch %s (or give --data FILE)", err, data)
			}
			if errors.Is(err, dataset.ErrNotFound) {
				fmt.Fprintf(os.Stderr, "zoo: %v\nzoo: training on the embedded %s set instead (2,000 MNIST test images); fetch the real data with: zoo data fetch %s\n", err, dataset.MiniName, data)
				data = dataset.MiniName
				args["data"] = data
			} else if err != nil {
				return nil, nil, err
			}
		}
		if data == dataset.MiniName {
			if tr, err = readSet(data, dataset.TestImages); err != nil {
				return nil, nil, err
			}
			if r.ValSplit == 0 && args["val-data"] == "" {
				r.ValSplit, r.SplitSeed = 500, 1
			}
		}
	}
	switch {
	case args["val-data"] != "":
		val, err = readFile(args["val-data"], dataset.TestImages)
	case r.ValSplit > 0:
		// the trainer takes the hold-out
	case data != "" && !strings.ContainsRune(data, os.PathSeparator):
		val, err = readSet(data, dataset.TestImages)
	default:
		err = usagef("training on a file needs --val-data FILE or --val-split N")
	}
	return tr, val, err
}

// readFile reads the images at path: an IDX file, or the images of the
// given role of CIFAR-10 data.
func readFile(path, role string) (*train.Data, error) {
	r, err := dataset.OpenFile(path, role)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return train.ReadData(r, path)
}

func readSet(name, role string) (*train.Data, error) {
	r, src, err := dataset.Open(name, role)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	path := src.Path
	if src.Embedded {
		path = ""
	}
	return train.ReadData(r, path)
}
