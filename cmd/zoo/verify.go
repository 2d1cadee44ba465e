package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/verify"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check an export folder, an ONNX Model Zoo folder (models load, test data reproduces, parts agree, card present) or a run folder",
		ArgsUsage: "DIR...",
		Description: `Loads every .onnx file of each folder in onnxruntime, runs each test_data_set_* through model.onnx
(inputs input_N.pb matched to the model's by the tensor's name, else by position, as onnxruntime's
test runner) and compares with output_N.pb: |got - want| <= atol + rtol*|want| for floats, equality
for integers and bools. For zoo's exports (zoo.model metadata) it also checks the metadata against
the graph, that decoder.onnx after encoder.onnx gives model.onnx's output, and that README.md names
the model and every file it lists is there; for other folders these checks do not apply. A run
folder of zoo train is checked as resuming and exporting it would read it: run.json's position, and
the SHA-256 of every checkpoint file's data against its own metadata and run.json. The exit code is
0 only when every check of every folder passes.

Example:
   zoo verify models/relu-ae-30
   zoo verify runs/relu-ae-30/20261123-101500
   zoo verify models/* --rtol 1e-5 --atol 1e-6 --json verify.json`,
		Flags: []cli.Flag{
			&cli.Float64Flag{Name: "rtol", Usage: "relative tolerance", Value: verify.DefaultRTol},
			&cli.Float64Flag{Name: "atol", Usage: "absolute tolerance", Value: verify.DefaultATol},
			&cli.StringFlag{Name: "json", Usage: "also write the reports as JSON to `FILE`"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing --json file"},
		},
		Action: runVerify,
	}
}

// runVerify checks each export folder and prints every check.
func runVerify(c *cli.Context) error {
	dirs, err := args(c, 1, 1<<20)
	if err != nil {
		return err
	}
	if c.Float64("rtol") < 0 || c.Float64("atol") < 0 {
		return usagef("--rtol and --atol must not be negative")
	}
	opt := verify.Options{RTol: c.Float64("rtol"), ATol: c.Float64("atol")}
	var reports []*verify.Report
	failed := 0
	for _, dir := range dirs {
		r, err := verify.Dir(dir, opt)
		if err != nil {
			return err
		}
		reports = append(reports, r)
		if err := r.WriteText(os.Stdout); err != nil {
			return err
		}
		if !r.OK() {
			failed++
		}
	}
	if f := c.String("json"); f != "" {
		if err := verify.WriteJSON(f, reports, c.Bool("force")); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("verify: %d of %d folders failed (rtol %g, atol %g)", failed, len(dirs), opt.RTol, opt.ATol)
	}
	fmt.Printf("all %d folders verified (rtol %g, atol %g)\n", len(dirs), opt.RTol, opt.ATol)
	return nil
}
