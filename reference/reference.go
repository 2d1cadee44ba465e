// Package reference runs a zoo model forward in plain Go, one loop per layer,
// with float64 accumulation. It is deliberately simple and independent of
// every engine: the ONNX export and the gorgonia lowering are both tested
// against it on the same weights.
//
// The forward pass is always in evaluation mode, as PyTorch's model.eval():
// BatchNorm2d normalises with its running statistics and Dropout passes its
// input through. Tensors are float32, row-major, with the batch first:
// images are [N, C, H, W]. MaxPool2d keeps the position of each maximum
// within its input plane (h*W + w), as PyTorch's return_indices=True does,
// and MaxUnpool2d scatters with the indices of the pool it names.
//
// The layer functions (Linear, Conv2d, ConvTranspose2d, MaxPool2d,
// MaxUnpool2d, BatchNorm2d) are exported for tests of other lowerings.
// Package analysis/figure runs a model's first layer, read from its ONNX
// initializers, through Forward.
package reference

import (
	"fmt"
	"math"

	"github.com/zoo-ml/zoo/quant"
	"github.com/zoo-ml/zoo/zoo"
)

// Forward runs the model m with weights w on a batch of n examples, x holding
// n per-example inputs of m.Input's shape back to back, and returns the n
// outputs back to back with their per-example shape.
func Forward(m *zoo.Model, w zoo.Weights, x []float32, n int) ([]float32, []int, error) {
	return forward(m, w, x, n, false)
}

// ForwardInt8 is Forward as the int8 export of m computes it (see
// export.Int8): each Linear layer that quant.Quantized selects with its
// weight quantized per row and its input quantized per batch, with the
// arithmetic of package quant; every other layer as Forward runs it.
func ForwardInt8(m *zoo.Model, w zoo.Weights, x []float32, n int) ([]float32, []int, error) {
	return forward(m, w, x, n, true)
}

func forward(m *zoo.Model, w zoo.Weights, x []float32, n int, quantized bool) ([]float32, []int, error) {
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
	indices := map[string][]int{} // pool prefix -> per-plane indices of its maxima
	for _, s := range steps {
		if l, ok := s.Layer.(zoo.Linear); ok && quantized && quant.Quantized(l.In, l.Out) {
			cur, err = linearInt8(s.Prefix, l, w, cur, n)
		} else {
			cur, err = step(s, w, cur, n, indices)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("model %s: layer %s: %w", m.Name, s.Prefix, err)
		}
		shape = s.Out
	}
	return cur, shape, nil
}

func step(s zoo.Step, w zoo.Weights, x []float32, n int, indices map[string][]int) ([]float32, error) {
	weight := func(name string) []float32 { return w[s.Prefix+"."+name].Data }
	switch l := s.Layer.(type) {
	case zoo.Linear:
		return Linear(x, n, l.In, l.Out, weight("weight"), weight("bias")), nil
	case zoo.Conv2d:
		return Conv2d(x, n, s.In, l, weight("weight"), weight("bias")), nil
	case zoo.ConvTranspose2d:
		return ConvTranspose2d(x, n, s.In, l, weight("weight"), weight("bias")), nil
	case zoo.MaxPool2d:
		y, idx := MaxPool2d(x, n, s.In, l)
		indices[s.Prefix] = idx
		return y, nil
	case zoo.MaxUnpool2d:
		idx, ok := indices[l.Pool]
		if !ok {
			return nil, fmt.Errorf("%s: no indices of pool %q (it must come earlier)", l, l.Pool)
		}
		if len(idx) != len(x) {
			return nil, fmt.Errorf("%s: pool %s kept %d indices for %d inputs", l, l.Pool, len(idx), len(x))
		}
		return MaxUnpool2d(x, idx, n, s.In, s.Out), nil
	case zoo.BatchNorm2d:
		return BatchNorm2d(x, n, s.In, weight("weight"), weight("bias"), weight("running_mean"), weight("running_var")), nil
	case zoo.ReLU:
		return apply(x, func(v float64) float64 { return math.Max(v, 0) }), nil
	case zoo.Tanh:
		return apply(x, math.Tanh), nil
	case zoo.Sigmoid:
		return apply(x, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }), nil
	case zoo.Identity, zoo.Flatten, zoo.Unflatten, zoo.Dropout:
		return x, nil
	default:
		return nil, fmt.Errorf("no reference implementation of %s", s.Layer.Kind())
	}
}

// linearInt8 runs a Linear layer as its int8 export computes it.
func linearInt8(prefix string, l zoo.Linear, w zoo.Weights, x []float32, n int) ([]float32, error) {
	r, err := quant.QuantizeRows(w[prefix+".weight"].Data, l.Out, l.In)
	if err != nil {
		return nil, err
	}
	return quant.Linear(x, n, r, w[prefix+".bias"].Data)
}

// Linear computes the Linear layer y = x W^T + b for x [n, in], W [out, in]
// and b [out], accumulating in float64.
func Linear(x []float32, n, in, out int, wt, b []float32) []float32 {
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

// Conv2d computes the convolution c (a cross-correlation, as nn.Conv2d) of x
// [n, in[0], in[1], in[2]] with weight [Out, In, K, K] and bias [Out], and
// returns y [n, Out, H', W'] as c.OutShape gives. Positions outside the
// input are zero padding. in must be a shape c accepts.
func Conv2d(x []float32, n int, in []int, c zoo.Conv2d, weight, bias []float32) []float32 {
	ci, h, wd := in[0], in[1], in[2]
	k, s, p := c.Kernel, c.StrideOr1(), c.Padding
	oh, ow := (h+2*p-k)/s+1, (wd+2*p-k)/s+1
	y := make([]float32, n*c.Out*oh*ow)
	for b := 0; b < n; b++ {
		xb := x[b*ci*h*wd:]
		for o := 0; o < c.Out; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					acc := float64(bias[o])
					for q := 0; q < ci; q++ {
						for u := 0; u < k; u++ {
							r := i*s - p + u
							if r < 0 || r >= h {
								continue
							}
							for v := 0; v < k; v++ {
								col := j*s - p + v
								if col < 0 || col >= wd {
									continue
								}
								acc += float64(xb[(q*h+r)*wd+col]) * float64(weight[((o*ci+q)*k+u)*k+v])
							}
						}
					}
					y[((b*c.Out+o)*oh+i)*ow+j] = float32(acc)
				}
			}
		}
	}
	return y
}

// ConvTranspose2d computes the transposed convolution c (as
// nn.ConvTranspose2d) of x [n, in[0], in[1], in[2]] with weight [In, Out, K,
// K] and bias [Out], and returns y [n, Out, H', W'] as c.OutShape gives:
// every input value x[q, i, j] adds x[q, i, j] * weight[q, o, u, v] to
// y[o, i*Stride - Padding + u, j*Stride - Padding + v], where that lies in
// the output.
func ConvTranspose2d(x []float32, n int, in []int, c zoo.ConvTranspose2d, weight, bias []float32) []float32 {
	ci, h, wd := in[0], in[1], in[2]
	k, s, p := c.Kernel, c.StrideOr1(), c.Padding
	oh, ow := (h-1)*s-2*p+k, (wd-1)*s-2*p+k
	y := make([]float32, n*c.Out*oh*ow)
	acc := make([]float64, c.Out*oh*ow)
	for b := 0; b < n; b++ {
		for o := 0; o < c.Out; o++ {
			for e := 0; e < oh*ow; e++ {
				acc[o*oh*ow+e] = float64(bias[o])
			}
		}
		xb := x[b*ci*h*wd:]
		for q := 0; q < ci; q++ {
			for i := 0; i < h; i++ {
				for j := 0; j < wd; j++ {
					xv := float64(xb[(q*h+i)*wd+j])
					for o := 0; o < c.Out; o++ {
						for u := 0; u < k; u++ {
							r := i*s - p + u
							if r < 0 || r >= oh {
								continue
							}
							for v := 0; v < k; v++ {
								col := j*s - p + v
								if col < 0 || col >= ow {
									continue
								}
								acc[(o*oh+r)*ow+col] += xv * float64(weight[((q*c.Out+o)*k+u)*k+v])
							}
						}
					}
				}
			}
		}
		yb := y[b*c.Out*oh*ow:]
		for e, v := range acc {
			yb[e] = float32(v)
		}
	}
	return y
}

// MaxPool2d takes the maximum of every Kernel x Kernel window of x [n, C, H,
// W] moved by the pool's stride, rounding the output size down, and returns
// y [n, C, H', W'] and, for every output, the position h*W + w of its
// maximum within its input plane, as PyTorch's return_indices=True. The
// first maximum of a window wins a tie; a NaN wins over numbers.
func MaxPool2d(x []float32, n int, in []int, p zoo.MaxPool2d) ([]float32, []int) {
	c, h, wd := in[0], in[1], in[2]
	k, s := p.Kernel, p.StrideOrKernel()
	oh, ow := (h-k)/s+1, (wd-k)/s+1
	y := make([]float32, n*c*oh*ow)
	idx := make([]int, len(y))
	for pl := 0; pl < n*c; pl++ {
		xp := x[pl*h*wd : (pl+1)*h*wd]
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best := (i*s)*wd + j*s
				for u := 0; u < k; u++ {
					for v := 0; v < k; v++ {
						at := (i*s+u)*wd + j*s + v
						if xp[at] > xp[best] || (math.IsNaN(float64(xp[at])) && !math.IsNaN(float64(xp[best]))) {
							best = at
						}
					}
				}
				o := (pl*oh+i)*ow + j
				y[o], idx[o] = xp[best], best
			}
		}
	}
	return y, idx
}

// MaxUnpool2d puts every value of x [n, in[0], in[1], in[2]] at the position
// idx gives within its plane of the output [n, in[0], out[1], out[2]] (out
// is the per-example output shape) and zeros elsewhere, as nn.MaxUnpool2d
// with the indices of MaxPool2d. idx must hold one in-range index per value
// of x.
func MaxUnpool2d(x []float32, idx []int, n int, in, out []int) []float32 {
	c := in[0]
	inPlane, outPlane := in[1]*in[2], out[1]*out[2]
	y := make([]float32, n*c*outPlane)
	for pl := 0; pl < n*c; pl++ {
		for e := 0; e < inPlane; e++ {
			y[pl*outPlane+idx[pl*inPlane+e]] = x[pl*inPlane+e]
		}
	}
	return y
}

// BatchNorm2d normalises x [n, C, H, W] in evaluation form, channel by
// channel, with the running statistics: y = (x - mean) / sqrt(var +
// zoo.BatchNormEps) * weight + bias.
func BatchNorm2d(x []float32, n int, in []int, weight, bias, mean, variance []float32) []float32 {
	c, plane := in[0], in[1]*in[2]
	y := make([]float32, len(x))
	for b := 0; b < n; b++ {
		for q := 0; q < c; q++ {
			scale := float64(weight[q]) / math.Sqrt(float64(variance[q])+zoo.BatchNormEps)
			off := (b*c + q) * plane
			for e := 0; e < plane; e++ {
				y[off+e] = float32((float64(x[off+e])-float64(mean[q]))*scale + float64(bias[q]))
			}
		}
	}
	return y
}
