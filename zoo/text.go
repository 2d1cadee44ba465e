package zoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable writes the models as a table, one row each: name, task,
// input shape, parameter count, notebook family and description (zoo list).
func WriteTable(w io.Writer, models []*Model) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTASK\tINPUT\tPARAMS\tFAMILY\tDESCRIPTION")
	for _, m := range models {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", m.Name, m.Task, ShapeString(m.Input), m.NumParams(), m.Family, m.Description)
	}
	return tw.Flush()
}

// WriteText writes a description of the model (zoo show): its name,
// family, task, input and default data, the table of its layers as PyTorch
// names them with their output shapes and parameter counts, with params
// every parameter tensor with its shape and initialiser, and its recipe as
// JSON.
func (m *Model) WriteText(w io.Writer, params bool) error {
	steps, err := m.Steps()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\nnotebook class %s (family %s), task %s, input %s, default data %s\n\n",
		m.Name, m.Description, m.Class, m.Family, m.Task, ShapeString(m.Input), m.Dataset)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tKIND\tOUTPUT\tPARAMS\t")
	for _, s := range steps {
		n, buf := 0, 0
		for _, p := range s.Params {
			if p.Buffer {
				buf += p.Size()
			} else {
				n += p.Size()
			}
		}
		note := ""
		if buf > 0 {
			note = fmt.Sprintf("+ %d in buffers", buf)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Prefix, s.Layer, ShapeString(s.Out), n, note)
	}
	note := ""
	if buf := m.NumBuffers(); buf > 0 {
		note = fmt.Sprintf("+ %d in buffers (running statistics, not trained)", buf)
	}
	fmt.Fprintf(tw, "total\t\t\t%d\t%s\n", m.NumParams(), note)
	tw.Flush()
	if params {
		fmt.Fprintln(&b)
		for _, p := range m.Params() {
			kind := ""
			if p.Buffer {
				kind = " (buffer)"
			}
			fmt.Fprintf(&b, "%-24s %v %s%s\n", p.Name, p.Shape, p.Init, kind)
		}
	}
	recipe, err := json.Marshal(m.Recipe)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nrecipe %s\n", recipe)
	_, err = w.Write(b.Bytes())
	return err
}
