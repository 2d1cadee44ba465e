package zoo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// A Tensor is a dense float32 array in row-major order.
type Tensor struct {
	Shape []int
	Data  []float32
	// Int64 marks a tensor that files store as 64-bit integers, such as
	// BatchNorm's num_batches_tracked; Data then holds integers, exact up
	// to 2^24 in magnitude.
	Int64 bool
}

// MaxExactInt is the largest integer magnitude a float32 holds exactly:
// the limit of the values of an Int64 tensor.
const MaxExactInt = 1 << 24

// CounterSuffix ends the name of BatchNorm's num_batches_tracked, the
// count of training batches a PyTorch state_dict keeps beside the running
// statistics. zoo computes nothing with it: it writes it (as the number of
// training steps) so that a saved state_dict loads into the notebook's class
// with strict=True, and accepts it on input.
const CounterSuffix = ".num_batches_tracked"

// Counters returns the names of the model's num_batches_tracked tensors, one
// per BatchNorm2d, in state_dict order.
func (m *Model) Counters() []string {
	var names []string
	for _, s := range m.steps() {
		if _, ok := s.Layer.(BatchNorm2d); ok {
			names = append(names, s.Prefix+CounterSuffix)
		}
	}
	return names
}

// WithCounters returns a copy of w (sharing the tensors) with every
// num_batches_tracked of m set to n, as a scalar Int64 tensor.
func (m *Model) WithCounters(w Weights, n int64) Weights {
	c := make(Weights, len(w))
	for k, t := range w {
		c[k] = t
	}
	for _, name := range m.Counters() {
		c[name] = &Tensor{Shape: []int{}, Data: []float32{float32(n)}, Int64: true}
	}
	return c
}

// WithoutCounters returns a copy of w (sharing the tensors) without m's
// num_batches_tracked tensors.
func (m *Model) WithoutCounters(w Weights) Weights {
	c := make(Weights, len(w))
	for k, t := range w {
		c[k] = t
	}
	for _, name := range m.Counters() {
		delete(c, name)
	}
	return c
}

// NewTensor returns a zero tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: clone(shape), Data: make([]float32, prod(shape))}
}

// Weights maps state_dict names to tensors.
type Weights map[string]*Tensor

// Names returns the tensor names in sorted order.
func (w Weights) Names() []string {
	names := make([]string, 0, len(w))
	for k := range w {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// CheckWeights reports whether w holds exactly the parameters of m, each with
// its shape. It also accepts m's num_batches_tracked tensors (see
// CounterSuffix), which must then be scalars. The error names the first
// missing, misshapen or unexpected tensor.
func (m *Model) CheckWeights(w Weights) error {
	want := map[string]bool{}
	for _, name := range m.Counters() {
		if t, ok := w[name]; ok {
			if len(t.Data) != 1 || len(t.Shape) > 1 || len(t.Shape) == 1 && t.Shape[0] != 1 {
				return fmt.Errorf("model %s: tensor %q has shape %v, want a scalar", m.Name, name, t.Shape)
			}
			want[name] = true
		}
	}
	for _, p := range m.Params() {
		want[p.Name] = true
		t, ok := w[p.Name]
		if !ok {
			return fmt.Errorf("model %s: tensor %q is missing", m.Name, p.Name)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return fmt.Errorf("model %s: tensor %q has shape %v, want %v", m.Name, p.Name, t.Shape, p.Shape)
		}
		if len(t.Data) != p.Size() {
			return fmt.Errorf("model %s: tensor %q holds %d values, its shape %v needs %d", m.Name, p.Name, len(t.Data), p.Shape, p.Size())
		}
	}
	var extra []string
	for _, name := range w.Names() {
		if !want[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("model %s: unexpected tensor %q (the model has no such parameter; %d unexpected in all: %s)",
			m.Name, extra[0], len(extra), strings.Join(extra, ", "))
	}
	return nil
}

// InitWeights returns freshly initialised weights for m, drawn from a PCG
// generator seeded with seed, parameter by parameter in state_dict order.
// The same seed always gives the same weights.
func (m *Model) InitWeights(seed uint64) Weights {
	rng := rand.New(rand.NewPCG(seed, 0x7a6f6f)) // "zoo"
	w := Weights{}
	for _, p := range m.Params() {
		t := NewTensor(p.Shape...)
		var bound float64
		switch {
		case p.Init == InitOnes:
			for i := range t.Data {
				t.Data[i] = 1
			}
		case p.Init == InitZeros:
		case p.Init == InitGlorot && p.Bias:
			bound = 0
		case p.Init == InitGlorot:
			bound = math.Sqrt(6 / float64(p.FanIn+p.FanOut))
		default: // InitTorch: kaiming_uniform_(a=sqrt(5)) and the bias rule give the same bound.
			bound = 1 / math.Sqrt(float64(p.FanIn))
		}
		if bound > 0 {
			for i := range t.Data {
				t.Data[i] = float32((2*rng.Float64() - 1) * bound)
			}
		}
		w[p.Name] = t
	}
	return w
}
