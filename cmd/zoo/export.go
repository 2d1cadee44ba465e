package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/present"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "export a model to ONNX, with test data and a model card",
		ArgsUsage: "MODEL|RUN",
		Description: `Writes OUT/MODEL/: model.onnx (opset 17, input "input" [N, ...], output "output"), encoder.onnx and
decoder.onnx for autoencoders, test_data_set_0/{input_0,output_0}.pb and a README.md model card.
With --quantize int8 it also writes model.int8.onnx (and encoder.int8.onnx, decoder.int8.onnx):
Linear weights in int8, one scale per output feature, inputs quantized per batch at run time, for
onnxruntime's integer kernels. The card gives the difference from float32 on the test data, and
the reconstruction MSE or accuracy of both files on --eval-data (default: the model's data set,
test split, skipped with a warning when it is not found; none to skip).
Weights come from a .safetensors file with PyTorch state_dict names (--weights) or from PyTorch's
default initialiser, seeded (--init), or from a run folder of zoo train (RUN), whose recipe goes
into the metadata. An existing folder is kept unless --force is given.

Example:
   zoo export relu-ae-30 --init --seed 0 --out models/
   zoo export relu-ae-30 --weights relu-ae-30.safetensors --out models/ --force
   zoo export runs/relu-ae-30/20261123-101500 --out models/
   zoo export runs/relu-ae-30/20261123-101500 --out models/ --quantize int8`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "weights", Usage: "read weights from `FILE` (.safetensors, PyTorch state_dict names)"},
			&cli.BoolFlag{Name: "init", Usage: "initialise the weights as PyTorch does, seeded"},
			&cli.Uint64Flag{Name: "seed", Usage: "seed for --init", Value: 0},
			&cli.StringFlag{Name: "out", Usage: "write the export folder under `DIR`", Value: "models"},
			&cli.IntFlag{Name: "samples", Usage: "examples in test_data_set_0 (from the embedded mnist-mini set)", Value: 8},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing export folder"},
			&cli.StringFlag{Name: "quantize", Usage: "also write the model quantized: `int8` (model.int8.onnx, ...)"},
			&cli.StringFlag{Name: "eval-data", Usage: "with --quantize, measure float32 against int8 on `DATA` (default: the model's data set, test split; none: skip)"},
		},
		Action: runExport,
	}
}

// runExport exports a registered model with the weights the flags name, or
// the weights of a run folder.
func runExport(c *cli.Context) error {
	var m *zoo.Model
	var w zoo.Weights
	var source, run string
	var err error
	if a := c.Args().First(); rundir.IsFolder(a) {
		run = a
		if _, err := args(c, 1, 1); err != nil {
			return err
		}
		if c.IsSet("weights") || c.IsSet("init") {
			return usagef("%s is a run folder: its weights are exported; drop --weights and --init", a)
		}
		m, w, source, err = rundir.Weights(a)
	} else if m, err = modelArg(c); err == nil {
		w, source, err = loadWeights(c, m)
	} else if fi, serr := os.Stat(a); serr == nil && fi.IsDir() {
		err = fmt.Errorf("%s is not a run folder: it has no %s (and no model is named so)", a, rundir.RunFile)
	}
	if err != nil {
		return err
	}
	q, err := export.ParseQuantization(c.String("quantize"))
	if err != nil {
		return usagef("--%v", err)
	}
	n := c.Int("samples")
	if n < 0 {
		return usagef("--samples %d is negative", n)
	}
	sample, err := export.SampleInputs(m, n)
	if err != nil {
		return err
	}
	dir := filepath.Join(c.String("out"), m.Name)
	opt := export.DirOptions{Weights: source, Sample: sample, SampleN: n, Force: c.Bool("force"), Quantize: q}
	if data := c.String("eval-data"); q != export.Float32 && data != "none" {
		if data == "" {
			data = present.QuantEvalData(m, run)
		}
		opt.Measure = present.MeasureQuantized(q, data, !c.IsSet("eval-data"), infer.Options{Warn: os.Stderr}, dataNotice, os.Stderr)
	}
	files, err := export.WriteDir(dir, m, w, opt)
	if err != nil {
		return err
	}
	fmt.Printf("exported %s (%d parameters, weights: %s)\n", m.Name, m.NumParams(), source)
	for _, f := range files {
		fmt.Println(" ", f)
	}
	return nil
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
		w, source := export.InitWeights(m, c.Uint64("seed"))
		return w, source, nil
	}
	return readWeights(m, file)
}

// readWeights reads the weights of m from file (none for ""), as
// export.ReadWeights does, saying on stderr when the file holds another
// layout that zoo renames.
func readWeights(m *zoo.Model, file string) (zoo.Weights, string, error) {
	if file == "" {
		return nil, "", nil
	}
	w, source, layout, err := export.ReadWeights(m, file)
	if layout != "" {
		fmt.Fprintf(os.Stderr, "zoo: %s holds %s\n", file, layout)
	}
	return w, source, err
}
