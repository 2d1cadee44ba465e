// Package reference runs a zoo model forward in plain Go, one loop per layer,
// with float64 accumulation. It is deliberately simple and independent of
// every engine: the ONNX export and the gorgonia lowering are both tested
// against it on the same weights.
package reference

import (
	"fmt"
	"math"

	"github.com/zoo-ml/zoo/zoo"
)

// Forward runs the model m with weights w on a batch of n examples, x holding
// n per-example inputs of m.Input's shape back to back, and returns the n
// outputs back to back with their per-example shape.
func Forward(m *zoo.Model, w zoo.Weights, x []float32, n int) ([]float32, []int, error) {
	if err := m.CheckWeights(w); err != nil {
		return nil, nil, err
	}
	steps, err := m.Steps()
	if err != nil {
		return nil, nil, err
	}
	inLen := zoo.Numel(m.Input)
	if n < 0 || len(x) != n*inLen {
		return nil, nil, fmt.Errorf("model %s: input holds %d values, want %d examples of %v", m.Name, len(x), n, m.Input)
	}
	cur := append([]float32(nil), x...)
	shape := m.Input
	for _, s := range steps {
		cur, err = step(s, w, cur, n)
		if err != nil {
			return nil, nil, fmt.Errorf("model %s: layer %s: %w", m.Name, s.Prefix, err)
		}
		shape = s.Out
	}
	return cur, shape, nil
}

func step(s zoo.Step, w zoo.Weights, x []float32, n int) ([]float32, error) {
	switch l := s.Layer.(type) {
	case zoo.Linear:
		return linear(x, n, l.In, l.Out, w[s.Prefix+".weight"].Data, w[s.Prefix+".bias"].Data), nil
	case zoo.ReLU:
		return apply(x, func(v float64) float64 { return math.Max(v, 0) }), nil
	case zoo.Tanh:
		return apply(x, math.Tanh), nil
	case zoo.Sigmoid:
		return apply(x, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }), nil
	case zoo.Identity, zoo.Flatten, zoo.Unflatten:
		return x, nil
	default:
		return nil, fmt.Errorf("no reference implementation of %s", s.Layer.Kind())
	}
}

// linear computes y = x W^T + b for x [n, in], W [out, in], b [out].
func linear(x []float32, n, in, out int, wt, b []float32) []float32 {
	y := make([]float32, n*out)
	for i := 0; i < n; i++ {
		xi := x[i*in : (i+1)*in]
		for o := 0; o < out; o++ {
			wo := wt[o*in : (o+1)*in]
			acc := float64(b[o])
			for k, v := range xi {
				acc += float64(v) * float64(wo[k])
			}
			y[i*out+o] = float32(acc)
		}
	}
	return y
}

func apply(x []float32, f func(float64) float64) []float32 {
	for i, v := range x {
		x[i] = float32(f(float64(v)))
	}
	return x
}
