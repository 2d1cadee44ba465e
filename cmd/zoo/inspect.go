package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/inspect"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "describe ONNX files: producer, opset, inputs and outputs, operators, parameters, metadata, whether onnxruntime loads them",
		ArgsUsage: "FILE.onnx...",
		Description: `Reads each file's protobuf (no onnxruntime needed) and prints its producer, IR version and opsets,
its inputs and outputs with their types and shapes (symbolic dimensions by name), the number of
nodes of each operator, the parameter count and size of its initializers, and its metadata; then
tries to load it in onnxruntime and says whether it does, with onnxruntime's reason when not.

Example:
   zoo inspect models/cnn/model.onnx
   zoo inspect mnist-8/model.onnx --json mnist-8.json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "json", Usage: "also write the descriptions as JSON to `FILE`"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing --json file"},
		},
		Action: runInspect,
	}
}

// runInspect describes each file.
func runInspect(c *cli.Context) error {
	files, err := args(c, 1, 1<<20)
	if err != nil {
		return err
	}
	var all []*inspect.Summary
	for _, f := range files {
		s, err := inspect.File(f, inspect.Options{})
		if err != nil {
			return err
		}
		if err := s.WriteText(os.Stdout); err != nil {
			return err
		}
		all = append(all, s)
	}
	if f := c.String("json"); f != "" {
		return inspect.WriteJSON(f, all, c.Bool("force"))
	}
	return nil
}
