package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/zoo"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the registered models",
		Description: `Prints every model of the zoo with its task, input shape, parameter count and notebook family.

Example:
   zoo list`,
		Action: func(c *cli.Context) error {
			if _, err := args(c, 0, 0); err != nil {
				return err
			}
			return zoo.WriteTable(os.Stdout, zoo.All())
		},
	}
}

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show a model's layers, output shapes, parameters and recipe",
		ArgsUsage: "MODEL",
		Description: `Prints the layer table of a registered model as PyTorch names its state_dict.

Example:
   zoo show relu-ae-30
   zoo show --params deep-ae    # also list every parameter tensor`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "params", Usage: "list every parameter tensor with its shape"},
		},
		Action: runShow,
	}
}

// runShow prints the layer table, the parameters and the recipe of a model.
func runShow(c *cli.Context) error {
	m, err := modelArg(c)
	if err != nil {
		return err
	}
	return m.WriteText(os.Stdout, c.Bool("params"))
}
