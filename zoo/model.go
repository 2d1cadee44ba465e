// Package zoo describes the architectures of the model zoo as data.
//
// A Model is a named, ordered list of Parts, each an ordered list of Layers,
// together with the training Recipe of the notebook it comes from. The
// training lowering (package train) and the ONNX lowering (package export)
// both read the same Model, and parameters are named as in PyTorch's
// state_dict ("encoder.0.weight"), so weights move between zoo and PyTorch
// without renaming. This package knows no engine.
package zoo

import (
	"fmt"
	"slices"
	"strings"
)

// A Model is an architecture and its training recipe.
type Model struct {
	// Name is the registry name, such as "relu-ae-30".
	Name string
	// Family names the notebook the architecture comes from.
	Family string
	// Class names the notebook's PyTorch class whose state_dict keys the
	// parameters carry, such as "CNN" or "ShallowAutoencoder(64)" (the
	// class is parameterised by the hidden width).
	Class string
	// Note says, where it matters, how the notebook's class and zoo's
	// differ, or how to move the notebook's weights into zoo's names.
	Note string
	// Description is one line for listings.
	Description string
	// Task is what the model's output means: Reconstruct or Classify.
	Task Task
	// Input is the per-example input shape, such as [784] or [1, 28, 28].
	Input []int
	// Dataset is the name of the default dataset in package dataset's catalogue.
	Dataset string
	// Parts are the named sub-networks in order: "encoder" and "decoder" for
	// autoencoders, "features" and "classifier" for classifiers.
	Parts []Part
	// Recipe is the training recipe of the notebook.
	Recipe Recipe
}

// A Part is a named sequence of layers: the encoder or decoder of an
// autoencoder, the features or classifier of a classifier. Export writes a
// part that runs on its own to a file named after it (encoder.onnx).
//
// Each layer has a state_dict prefix, the path of its module in the
// notebook's PyTorch class. Without Keys, the part is an nn.Sequential
// attribute called Name, and layer i has the prefix "Name.i" (activations
// count, as they do in nn.Sequential). With Keys, layer i has the prefix
// Keys[i], such as "convBlock1.0" or "encoder.conv1"; layers without
// parameters, which the notebooks often apply as functions, get a name that
// says what they are ("relu1", "pool2").
type Part struct {
	Name   string
	Layers []Layer
	// Keys, when set, holds one state_dict prefix per layer.
	Keys []string
}

// Prefix returns the state_dict prefix of layer i of the part.
func (p Part) Prefix(i int) string {
	if p.Keys != nil {
		return p.Keys[i]
	}
	return fmt.Sprintf("%s.%d", p.Name, i)
}

// Step is one layer of a model in order, with its place and shapes.
type Step struct {
	// Part is the name of the part the layer belongs to, and Index its index there.
	Part  string
	Index int
	// Prefix is the state_dict prefix of the layer, such as "encoder.0"
	// or "convBlock1.0".
	Prefix string
	Layer  Layer
	// In and Out are the per-example input and output shapes.
	In, Out []int
	// Params are the layer's parameters.
	Params []Param
}

// Steps walks the model's layers in order and computes their shapes. It
// fails when a layer cannot take the shape its predecessor produces.
func (m *Model) Steps() ([]Step, error) {
	shape := clone(m.Input)
	var steps []Step
	for _, p := range m.Parts {
		for i, l := range p.Layers {
			prefix := p.Prefix(i)
			out, err := l.OutShape(shape)
			if err != nil {
				return nil, fmt.Errorf("model %s: layer %s: %w", m.Name, prefix, err)
			}
			steps = append(steps, Step{Part: p.Name, Index: i, Prefix: prefix, Layer: l, In: shape, Out: out, Params: l.Params(prefix)})
			shape = out
		}
	}
	return steps, nil
}

// steps returns the steps of a model whose shapes chain, as registered
// models' do; nil when they do not.
func (m *Model) steps() []Step {
	s, _ := m.Steps()
	return s
}

// Validate checks that the model is well formed: a name, an input shape,
// parts with distinct names, and layers whose shapes chain.
func (m *Model) Validate() error {
	if m.Name == "" {
		return fmt.Errorf("model has no name")
	}
	if len(m.Input) == 0 || prod(m.Input) <= 0 {
		return fmt.Errorf("model %s: bad input shape %v", m.Name, m.Input)
	}
	if m.Task != Reconstruct && m.Task != Classify {
		return fmt.Errorf("model %s: unknown task %q", m.Name, m.Task)
	}
	seen, prefixes := map[string]bool{}, map[string]bool{}
	for _, p := range m.Parts {
		if p.Name == "" || seen[p.Name] {
			return fmt.Errorf("model %s: part name %q empty or repeated", m.Name, p.Name)
		}
		seen[p.Name] = true
		if len(p.Layers) == 0 {
			return fmt.Errorf("model %s: part %s has no layers", m.Name, p.Name)
		}
		if p.Keys != nil && len(p.Keys) != len(p.Layers) {
			return fmt.Errorf("model %s: part %s has %d keys for %d layers", m.Name, p.Name, len(p.Keys), len(p.Layers))
		}
		for i := range p.Layers {
			k := p.Prefix(i)
			if k == "" || prefixes[k] || strings.HasPrefix(k, ".") || strings.HasSuffix(k, ".") {
				return fmt.Errorf("model %s: part %s: layer %d has an empty, malformed or repeated state_dict prefix %q", m.Name, p.Name, i, k)
			}
			prefixes[k] = true
		}
	}
	out, err := m.OutShape()
	if err != nil {
		return err
	}
	if err := m.checkUnpools(); err != nil {
		return err
	}
	if m.Task == Reconstruct && prod(out) != prod(m.Input) {
		return fmt.Errorf("model %s: reconstruct model outputs %v for input %v", m.Name, out, m.Input)
	}
	if err := m.Recipe.Validate(); err != nil {
		return err
	}
	switch l := m.Recipe.Loss; {
	case l.Task() == m.Task:
	case m.Task == Classify:
		return fmt.Errorf("model %s is a classifier: loss %s is for autoencoders; a classifier trains with %s", m.Name, l, LossCrossEntropy)
	default:
		return fmt.Errorf("model %s is an autoencoder (task %s): loss %s is for classifiers; an autoencoder trains with %s or %s", m.Name, m.Task, l, LossMSE, LossMSESum)
	}
	return nil
}

// OutShape returns the per-example output shape of the whole model.
func (m *Model) OutShape() ([]int, error) {
	steps, err := m.Steps()
	if err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return clone(m.Input), nil
	}
	return steps[len(steps)-1].Out, nil
}

// Part returns the part with the given name.
func (m *Model) Part(name string) (Part, bool) {
	for _, p := range m.Parts {
		if p.Name == name {
			return p, true
		}
	}
	return Part{}, false
}

// PartNames returns the names of the parts in order.
func (m *Model) PartNames() []string {
	names := make([]string, len(m.Parts))
	for i, p := range m.Parts {
		names[i] = p.Name
	}
	return names
}

// Sub returns the model made of the named part alone, with the input shape
// that part receives in the whole model; the name becomes "NAME/part". It is
// how an autoencoder's encoder and decoder are exported and run on their own.
// Parameter names keep their part prefix.
func (m *Model) Sub(part string) (*Model, error) {
	shape := clone(m.Input)
	for _, p := range m.Parts {
		if p.Name == part {
			own := map[string]bool{}
			for i, l := range p.Layers {
				if u, ok := l.(MaxUnpool2d); ok && !own[u.Pool] {
					return nil, fmt.Errorf("model %s: part %s cannot run on its own: layer %s needs the pool indices of %s",
						m.Name, part, p.Prefix(i), u.Pool)
				}
				own[p.Prefix(i)] = true
			}
			sub := m.Clone()
			sub.Name = m.Name + "/" + part
			sub.Input = shape
			sub.Parts = []Part{p}
			return sub, nil
		}
		for i, l := range p.Layers {
			out, err := l.OutShape(shape)
			if err != nil {
				return nil, fmt.Errorf("model %s: layer %s: %w", m.Name, p.Prefix(i), err)
			}
			shape = out
		}
	}
	return nil, fmt.Errorf("model %s has no part %q (parts: %s)", m.Name, part, strings.Join(m.PartNames(), ", "))
}

// PartTask returns the task a part performs on its own: the model's task
// for the whole model ("" or WholeModel); for a reconstruct model, Encode
// for its first part and Decode for its last; otherwise the part's name.
func (m *Model) PartTask(part string) Task {
	switch {
	case part == "" || part == WholeModel:
		return m.Task
	case m.Task == Reconstruct && len(m.Parts) > 0 && part == m.Parts[0].Name:
		return Encode
	case m.Task == Reconstruct && len(m.Parts) > 0 && part == m.Parts[len(m.Parts)-1].Name:
		return Decode
	default:
		return Task(part)
	}
}

// Params lists every parameter of the model in state_dict order.
func (m *Model) Params() []Param {
	var ps []Param
	for _, p := range m.Parts {
		for i, l := range p.Layers {
			ps = append(ps, l.Params(p.Prefix(i))...)
		}
	}
	return ps
}

// Trainable lists the parameters that are trained, in state_dict order:
// Params without the buffers.
func (m *Model) Trainable() []Param {
	var ps []Param
	for _, p := range m.Params() {
		if !p.Buffer {
			ps = append(ps, p)
		}
	}
	return ps
}

// checkUnpools checks that every MaxUnpool2d names an earlier MaxPool2d
// that keeps its indices, with the same kernel and stride, and restores
// that pool's input shape.
func (m *Model) checkUnpools() error {
	steps, err := m.Steps()
	if err != nil {
		return err
	}
	byPrefix := map[string]Step{}
	for _, s := range steps {
		if u, ok := s.Layer.(MaxUnpool2d); ok {
			ps, ok := byPrefix[u.Pool]
			if !ok {
				return fmt.Errorf("model %s: layer %s: %s names no earlier layer %q", m.Name, s.Prefix, u, u.Pool)
			}
			p, ok := ps.Layer.(MaxPool2d)
			switch {
			case !ok:
				return fmt.Errorf("model %s: layer %s: %q is a %s, not a MaxPool2d", m.Name, s.Prefix, u.Pool, ps.Layer.Kind())
			case !p.Indices:
				return fmt.Errorf("model %s: layer %s: pool %s does not keep its indices", m.Name, s.Prefix, u.Pool)
			case p.Kernel != u.Kernel || p.StrideOrKernel() != u.StrideOrKernel():
				return fmt.Errorf("model %s: layer %s: kernel and stride differ from pool %s", m.Name, s.Prefix, u.Pool)
			case !slices.Equal(ps.Out, s.In) || !slices.Equal(ps.In, s.Out):
				return fmt.Errorf("model %s: layer %s: unpools %v to %v, but pool %s took %v to %v",
					m.Name, s.Prefix, s.In, s.Out, u.Pool, ps.In, ps.Out)
			}
		}
		byPrefix[s.Prefix] = s
	}
	return nil
}

// NumParams returns the number of trained parameter elements, as
// PyTorch's sum(p.numel() for p in model.parameters()): buffers do not count.
func (m *Model) NumParams() int {
	return m.numParams(false)
}

// numParams sums the sizes of the buffers (buffers) or of the trained
// parameters (!buffers).
func (m *Model) numParams(buffers bool) int {
	n := 0
	for _, p := range m.Params() {
		if p.Buffer == buffers {
			n += p.Size()
		}
	}
	return n
}

// NumBuffers returns the number of buffer elements: state that is saved
// and exported but not trained, such as BatchNorm's running statistics.
func (m *Model) NumBuffers() int {
	return m.numParams(true)
}

// Clone returns a deep copy of m, so that a caller may change the recipe of
// a registry model without changing the registry.
func (m *Model) Clone() *Model {
	c := *m
	c.Input = clone(m.Input)
	c.Parts = make([]Part, len(m.Parts))
	for i, p := range m.Parts {
		c.Parts[i] = Part{Name: p.Name, Layers: slices.Clone(p.Layers), Keys: slices.Clone(p.Keys)}
	}
	return &c
}

// ShapeString formats a per-example shape with a leading batch dimension N,
// such as "[N, 784]".
func ShapeString(s []int) string {
	parts := []string{"N"}
	for _, d := range s {
		parts = append(parts, fmt.Sprint(d))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
