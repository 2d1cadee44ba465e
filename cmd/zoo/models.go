package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

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
			w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tTASK\tINPUT\tPARAMS\tFAMILY\tDESCRIPTION")
			for _, m := range zoo.All() {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", m.Name, m.Task, zoo.ShapeString(m.Input), m.NumParams(), m.Family, m.Description)
			}
			return w.Flush()
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
	steps, err := m.Steps()
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s\nnotebook class %s (family %s), task %s, input %s, default data %s\n\n",
		m.Name, m.Description, m.Class, m.Family, m.Task, zoo.ShapeString(m.Input), m.Dataset)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "LAYER\tKIND\tOUTPUT\tPARAMS\t")
	for _, s := range steps {
		n, b := 0, 0
		for _, p := range s.Params {
			if p.Buffer {
				b += p.Size()
			} else {
				n += p.Size()
			}
		}
		note := ""
		if b > 0 {
			note = fmt.Sprintf("+ %d in buffers", b)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", s.Prefix, s.Layer, zoo.ShapeString(s.Out), n, note)
	}
	note := ""
	if b := m.NumBuffers(); b > 0 {
		note = fmt.Sprintf("+ %d in buffers (running statistics, not trained)", b)
	}
	fmt.Fprintf(w, "total\t\t\t%d\t%s\n", m.NumParams(), note)
	if err := w.Flush(); err != nil {
		return err
	}
	if c.Bool("params") {
		fmt.Println()
		for _, p := range m.Params() {
			kind := ""
			if p.Buffer {
				kind = " (buffer)"
			}
			fmt.Printf("%-24s %v %s%s\n", p.Name, p.Shape, p.Init, kind)
		}
	}
	recipe, err := json.Marshal(m.Recipe)
	if err != nil {
		return err
	}
	fmt.Printf("\nrecipe %s\n", recipe)
	return nil
}
