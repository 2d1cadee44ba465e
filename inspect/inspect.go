// Package inspect describes an ONNX file from its protobuf: who wrote it
// (producer, IR version, opsets), its inputs and outputs with their types
// and shapes, how many of each operator its graph holds, its parameters,
// its metadata, and whether onnxruntime loads it. Everything but the last
// is read without onnxruntime, so a file is described even where the
// library is missing or refuses the model.
package inspect

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/onnxpb"
)

// A Summary describes one ONNX file.
type Summary struct {
	// File is the path read and Bytes its size.
	File  string `json:"file"`
	Bytes int64  `json:"bytes"`
	// Producer is the tool that wrote the file, with its version.
	Producer string `json:"producer"`
	// IRVersion is the ONNX IR version; Opsets the operator sets imported.
	IRVersion int64   `json:"ir_version"`
	Opsets    []Opset `json:"opsets"`
	// Graph is the main graph's name.
	Graph string `json:"graph"`
	// Inputs are the graph's inputs that are not initializers; Outputs its
	// outputs.
	Inputs  []Port `json:"inputs"`
	Outputs []Port `json:"outputs"`
	// Ops counts the nodes of each operator, subgraphs included, most
	// frequent first; Nodes is their total.
	Ops   []OpCount `json:"ops"`
	Nodes int       `json:"nodes"`
	// Params is the number of values in the initializers (subgraphs
	// included), ParamBytes their size, Initializers their number.
	Params       int64 `json:"parameters"`
	ParamBytes   int64 `json:"parameter_bytes"`
	Initializers int   `json:"initializers"`
	// Metadata is the model's metadata_props.
	Metadata map[string]string `json:"metadata"`
	// Runtime says whether onnxruntime loads the file.
	Runtime Load `json:"onnxruntime"`
}

// An Opset is an imported operator set: "" is ONNX's default domain.
type Opset struct {
	Domain  string `json:"domain"`
	Version int64  `json:"version"`
}

// A Port is a graph input or output: a tensor's element type with its
// dimensions (numbers, symbolic names, or ? for unknown; none when even the
// rank is unknown), or another type in ONNX's notation, such as
// sequence(tensor(float)), without dimensions.
type Port struct {
	Name  string   `json:"name"`
	Type  string   `json:"type"`
	Shape []string `json:"shape,omitempty"`
}

// String gives the port as "input: float [N 1 28 28]".
func (p Port) String() string {
	if p.Shape == nil {
		return p.Name + ": " + p.Type
	}
	return fmt.Sprintf("%s: %s [%s]", p.Name, p.Type, strings.Join(p.Shape, " "))
}

// An OpCount is the number of nodes of one operator (domain-qualified when
// not in ONNX's default domain).
type OpCount struct {
	Op    string `json:"op"`
	Count int    `json:"count"`
}

// Load is whether onnxruntime loads the file.
type Load struct {
	// Available reports whether the onnxruntime library was found and
	// loaded; Version is its version.
	Available bool   `json:"available"`
	Version   string `json:"version,omitempty"`
	// Loads reports whether it loads the model; Err says why not (or why
	// onnxruntime is not available).
	Loads bool   `json:"loads"`
	Err   string `json:"error,omitempty"`
}

// Options are the settings of File.
type Options struct {
	// Session configures the onnxruntime session of the load check.
	Session infer.Options
}

// File describes the ONNX file at path. A file that cannot be read or is
// not an ONNX model is an error naming it; onnxruntime failing to load a
// model that decodes is not: Summary.Runtime says so.
func File(path string, opt Options) (*Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("inspect %s: not an ONNX model: %w", path, err)
	}
	if m.GetIrVersion() <= 0 || m.Graph == nil {
		return nil, fmt.Errorf("inspect %s: not an ONNX model: no IR version or no graph", path)
	}
	s := &Summary{File: path, Bytes: int64(len(b)), IRVersion: m.GetIrVersion(), Graph: m.Graph.GetName(),
		Producer: strings.TrimSpace(m.GetProducerName() + " " + m.GetProducerVersion()), Metadata: map[string]string{}}
	for _, o := range m.OpsetImport {
		s.Opsets = append(s.Opsets, Opset{Domain: o.GetDomain(), Version: o.GetVersion()})
	}
	for _, kv := range m.MetadataProps {
		s.Metadata[kv.GetKey()] = kv.GetValue()
	}
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializer {
		inits[t.GetName()] = true
	}
	for _, v := range m.Graph.Input {
		if !inits[v.GetName()] {
			s.Inputs = append(s.Inputs, portOf(v))
		}
	}
	for _, v := range m.Graph.Output {
		s.Outputs = append(s.Outputs, portOf(v))
	}
	ops := map[string]int{}
	s.count(m.Graph, ops)
	for op, n := range ops {
		s.Ops = append(s.Ops, OpCount{Op: op, Count: n})
	}
	slices.SortFunc(s.Ops, func(a, b OpCount) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Op, b.Op)) })
	s.Runtime = load(path, opt)
	return s, nil
}

// count adds the nodes and initializers of g and of its subgraphs.
func (s *Summary) count(g *onnxpb.GraphProto, ops map[string]int) {
	for _, t := range g.Initializer {
		n := int64(1)
		for _, d := range t.Dims {
			n *= d
		}
		s.Initializers++
		s.Params += n
		if size := onnxpb.ElemSize(onnxpb.TensorProto_DataType(t.GetDataType())); size > 0 {
			s.ParamBytes += n * int64(size)
		} else {
			for _, b := range t.StringData {
				s.ParamBytes += int64(len(b))
			}
		}
	}
	for _, node := range g.Node {
		op := node.GetOpType()
		if d := node.GetDomain(); d != "" && d != "ai.onnx" {
			op = d + "." + op
		}
		ops[op]++
		s.Nodes++
		for _, a := range node.Attribute {
			if a.G != nil {
				s.count(a.G, ops)
			}
			for _, sub := range a.Graphs {
				s.count(sub, ops)
			}
		}
	}
}

// portOf describes a graph input or output.
func portOf(v *onnxpb.ValueInfoProto) Port {
	p := Port{Name: v.GetName()}
	t := v.GetType()
	if tt := t.GetTensorType(); tt != nil {
		p.Type = onnxpb.TypeName(onnxpb.TensorProto_DataType(tt.GetElemType()))
		if tt.Shape == nil {
			return p // rank unknown
		}
		p.Shape = []string{}
		for _, d := range tt.GetShape().GetDim() {
			switch v := d.Value.(type) {
			case *onnxpb.TensorShapeProto_Dimension_DimValue:
				p.Shape = append(p.Shape, fmt.Sprint(v.DimValue))
			case *onnxpb.TensorShapeProto_Dimension_DimParam:
				p.Shape = append(p.Shape, or(v.DimParam, "?"))
			default:
				p.Shape = append(p.Shape, "?")
			}
		}
		return p
	}
	p.Type = typeString(t)
	return p
}

// typeString writes a type in ONNX's notation: tensor(float),
// sequence(tensor(float)), map(int64,tensor(float)), optional(...).
func typeString(t *onnxpb.TypeProto) string {
	switch {
	case t.GetTensorType() != nil:
		return "tensor(" + onnxpb.TypeName(onnxpb.TensorProto_DataType(t.GetTensorType().GetElemType())) + ")"
	case t.GetSequenceType() != nil:
		return "sequence(" + typeString(t.GetSequenceType().GetElemType()) + ")"
	case t.GetMapType() != nil:
		return "map(" + onnxpb.TypeName(onnxpb.TensorProto_DataType(t.GetMapType().GetKeyType())) + "," + typeString(t.GetMapType().GetValueType()) + ")"
	case t.GetOptionalType() != nil:
		return "optional(" + typeString(t.GetOptionalType().GetElemType()) + ")"
	case t.GetSparseTensorType() != nil:
		return "sparse_tensor(" + onnxpb.TypeName(onnxpb.TensorProto_DataType(t.GetSparseTensorType().GetElemType())) + ")"
	}
	return "unknown"
}

// load tries the file in onnxruntime.
func load(path string, opt Options) Load {
	if err := infer.Init(""); err != nil {
		return Load{Err: "onnxruntime is not available: " + err.Error()}
	}
	l := Load{Available: true, Version: infer.Version()}
	g, err := infer.OpenGraph(path, opt.Session)
	if err != nil {
		l.Err = err.Error()
		return l
	}
	l.Loads = true
	g.Close()
	return l
}

// WriteText writes the summary for people, a line per item.
func (s *Summary) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (%s)\n", s.File, size(s.Bytes))
	row := func(k, format string, a ...any) { fmt.Fprintf(&b, "  %-12s "+format+"\n", append([]any{k}, a...)...) }
	row("producer", "%s", or(s.Producer, "(not given)"))
	var opsets []string
	for _, o := range s.Opsets {
		opsets = append(opsets, fmt.Sprintf("%s %d", or(o.Domain, "ai.onnx"), o.Version))
	}
	row("IR version", "%d, opset %s", s.IRVersion, or(strings.Join(opsets, ", "), "(none)"))
	row("graph", "%s", or(s.Graph, "(unnamed)"))
	for i, p := range s.Inputs {
		row(plural(i, "inputs"), "%s", p)
	}
	for i, p := range s.Outputs {
		row(plural(i, "outputs"), "%s", p)
	}
	var ops []string
	for _, o := range s.Ops {
		ops = append(ops, fmt.Sprintf("%s %d", o.Op, o.Count))
	}
	row("operators", "%s: %s", count(s.Nodes, "node"), or(strings.Join(ops, ", "), "(none)"))
	row("parameters", "%s in %s (%s)", count64(s.Params, "value"), count(s.Initializers, "initializer"), size(s.ParamBytes))
	if len(s.Metadata) == 0 {
		row("metadata", "(none)")
	}
	for i, k := range slices.Sorted(maps.Keys(s.Metadata)) {
		row(plural(i, "metadata"), "%s = %s", k, clip(s.Metadata[k], 100))
	}
	switch r := s.Runtime; {
	case !r.Available:
		row("onnxruntime", "%s; the load check did not run", r.Err)
	case r.Loads:
		row("onnxruntime", "loads it (onnxruntime %s)", r.Version)
	default:
		row("onnxruntime", "does not load it (onnxruntime %s): %s", r.Version, r.Err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteJSON writes the summaries as an indented JSON array to path, through
// a temporary file renamed into place; an existing path is replaced only
// with force.
func WriteJSON(path string, summaries []*Summary, force bool) error {
	b, err := json.MarshalIndent(summaries, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), force); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// plural returns the row label k for the first row of a list, "" after.
func plural(i int, k string) string {
	if i > 0 {
		return ""
	}
	return k
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// clip shortens s to n characters, marking the cut.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + fmt.Sprintf("... (%d characters)", len(r))
	}
	return s
}

// size writes a byte count as "31.7 kB", "1.2 MB" (powers of 1000).
func size(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// count writes "1 node", "12 nodes".
func count(n int, what string) string { return count64(int64(n), what) }

func count64(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return thousands(n) + " " + what + "s"
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
