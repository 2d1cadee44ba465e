package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/runs"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "export a model to ONNX, with test data and a model card",
		ArgsUsage: "MODEL|RUN",
		Description: `Writes OUT/MODEL/: model.onnx (opset 17, input "input" [N, ...], output "output"), encoder.onnx and
decoder.onnx for autoencoders, test_data_set_0/{input_0,output_0}.pb and a README.md model card.
Weights come from a .safetensors file with PyTorch state_dict names (--weights) or from PyTorch's
default initialiser, seeded (--init), or from a run folder of zoo train (RUN), whose recipe goes
into the metadata. An existing folder is kept unless --force is given.

Example:
   zoo export relu-ae-30 --init --seed 0 --out models/
   zoo export relu-ae-30 --weights relu-ae-30.safetensors --out models/ --force
   zoo export runs/relu-ae-30/20261123-101500 --out models/`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "weights", Usage: "read weights from `FILE` (.safetensors, PyTorch state_dict names)"},
			&cli.BoolFlag{Name: "init", Usage: "initialise the weights as PyTorch does, seeded"},
			&cli.Uint64Flag{Name: "seed", Usage: "seed for --init", Value: 0},
			&cli.StringFlag{Name: "out", Usage: "write the export folder under `DIR`", Value: "models"},
			&cli.IntFlag{Name: "samples", Usage: "examples in test_data_set_0 (from the embedded mnist-mini set)", Value: 8},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing export folder"},
		},
		Action: func(c *cli.Context) error {
			var m *zoo.Model
			var w zoo.Weights
			var source string
			var err error
			if a := c.Args().First(); isRun(a) {
				if _, err := args(c, 1, 1); err != nil {
					return err
				}
				if c.IsSet("weights") || c.IsSet("init") {
					return usagef("%s is a run folder: its weights are exported; drop --weights and --init", a)
				}
				m, w, source, err = runWeights(a)
			} else if m, err = modelArg(c); err == nil {
				w, source, err = loadWeights(c, m)
			}
			if err != nil {
				return err
			}
			n := c.Int("samples")
			if n < 0 {
				return usagef("--samples %d is negative", n)
			}
			sample, err := sampleInputs(m, n)
			if err != nil {
				return err
			}
			dir := filepath.Join(c.String("out"), m.Name)
			files, err := export.WriteDir(dir, m, w, export.DirOptions{
				Weights: source, Sample: sample, SampleN: n, Force: c.Bool("force"),
			})
			if err != nil {
				return err
			}
			fmt.Printf("exported %s (%d parameters, weights: %s)\n", m.Name, m.NumParams(), source)
			for _, f := range files {
				fmt.Println(" ", f)
			}
			return nil
		},
	}
}

// isRun reports whether path is a run folder of zoo train.
func isRun(path string) bool {
	_, err := os.Stat(filepath.Join(path, runs.RunFile))
	return err == nil
}

// runWeights returns the model (with the run's recipe) and the weights of
// a run folder.
func runWeights(dir string) (*zoo.Model, zoo.Weights, string, error) {
	info, err := runs.ReadInfo(dir)
	if err != nil {
		return nil, nil, "", err
	}
	m, err := zoo.Lookup(info.Model)
	if err != nil {
		return nil, nil, "", fmt.Errorf("run folder %s: %w", dir, err)
	}
	m.Recipe = info.Recipe
	path := filepath.Join(dir, runs.WeightsFile)
	w, _, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, "", err
	}
	if err := m.CheckWeights(w); err != nil {
		return nil, nil, "", fmt.Errorf("weights %s: %w", path, err)
	}
	if len(info.Epochs) == 0 {
		return nil, nil, "", fmt.Errorf("run folder %s has no finished epoch yet", dir)
	}
	ep := info.Epochs[len(info.Epochs)-1]
	if info.Status == runs.StatusEarlyStopped {
		for _, e := range info.Epochs {
			if e.Epoch == info.BestEpoch {
				ep = e // the weights are those of the best epoch
			}
		}
	}
	acc := ""
	if m.Task == zoo.Classify {
		acc = fmt.Sprintf(", validation accuracy %.2f%%", 100*ep.ValAccuracy)
	}
	src := fmt.Sprintf("trained by zoo (run %s, %s after %d epochs on %s, validation loss %.6g%s)",
		filepath.Base(dir), info.Status, info.Epoch, filepath.Base(info.Train.Name), ep.ValLoss, acc)
	return m, w, src, nil
}

// loadWeights returns the weights the flags ask for and a description of
// where they came from.
func loadWeights(c *cli.Context, m *zoo.Model) (zoo.Weights, string, error) {
	file, init := c.String("weights"), c.Bool("init")
	switch {
	case file != "" && init:
		return nil, "", usagef("give --weights FILE or --init, not both")
	case file == "" && !init:
		return nil, "", usagef("give --weights FILE or --init [--seed N]")
	case init:
		seed := c.Uint64("seed")
		return m.InitWeights(seed), fmt.Sprintf("initialised (%s, seed %d)", initName(m), seed), nil
	}
	w, _, err := safetensors.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	if err := m.CheckWeights(w); err != nil {
		return nil, "", fmt.Errorf("weights %s: %w", file, err)
	}
	sum, err := dataset.FileSHA256(file)
	if err != nil {
		return nil, "", err
	}
	return w, fmt.Sprintf("%s (sha256 %s)", filepath.Base(file), sum), nil
}

func initName(m *zoo.Model) string {
	if ps := m.Params(); len(ps) > 0 {
		return string(ps[0].Init)
	}
	return string(zoo.InitTorch)
}

// sampleInputs returns n example inputs for the test data: the first
// images of the embedded mnist-mini set for 28x28 models, seeded uniform
// noise otherwise.
func sampleInputs(m *zoo.Model, n int) ([]float32, error) {
	size := 1
	for _, d := range m.Input {
		size *= d
	}
	x := make([]float32, n*size)
	if n == 0 {
		return x, nil
	}
	if size == 28*28 {
		r, _, err := dataset.Open(dataset.MiniName, dataset.TestImages)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		got, err := r.ReadFloat32(x)
		if err != nil || got != n {
			return nil, fmt.Errorf("read %d sample images from %s: got %d: %v", n, r.Name(), got, err)
		}
		return x, nil
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	for i := range x {
		x[i] = rng.Float32()
	}
	return x, nil
}
