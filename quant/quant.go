package quant

import (
	"errors"
	"fmt"
	"math"
)

// MinFeatures is the fewest inputs and outputs of a Linear layer that an
// int8 export quantizes. A narrower layer stays float32: its product is too
// small for integer kernels to gain anything (a code of 2 to 4 values, the
// layer into or out of it), quantizing its input costs a pass of its own,
// and in float32 onnxruntime fuses the activation that follows into the
// product, which it does not for the quantized product.
const MinFeatures = 16

// Quantized reports whether an int8 export quantizes a Linear layer of in
// inputs and out outputs (see MinFeatures).
func Quantized(in, out int) bool { return in >= MinFeatures && out >= MinFeatures }

// Rows is a weight matrix [Out, In] quantized per row (per output
// feature): row j stands for Scale[j] * Q[j*In:(j+1)*In].
type Rows struct {
	Out, In int
	Q       []int8
	Scale   []float32
}

// QuantizeRows quantizes the rows of the weight matrix w, [out, in] row
// major, symmetrically to int8: a row's scale is its largest magnitude
// divided by 127 (1 for a row of zeros), and each weight is rounded to the
// nearest multiple of it, halves away from zero. NaN or infinite weights
// are an error naming the row.
func QuantizeRows(w []float32, out, in int) (Rows, error) {
	if out <= 0 || in <= 0 || len(w) != out*in {
		return Rows{}, fmt.Errorf("quantize %d weights as [%d, %d]: sizes do not match", len(w), out, in)
	}
	r := Rows{Out: out, In: in, Q: make([]int8, out*in), Scale: make([]float32, out)}
	for j := range out {
		row := w[j*in : (j+1)*in]
		m := 0.0
		for i, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return Rows{}, fmt.Errorf("quantize: weight [%d, %d] is %v", j, i, v)
			}
			m = max(m, math.Abs(float64(v)))
		}
		s := float32(m / 127)
		if s == 0 {
			s = 1
		}
		r.Scale[j] = s
		for i, v := range row {
			q := math.Round(float64(v) / float64(s))
			r.Q[j*in+i] = int8(min(127, max(-127, q)))
		}
	}
	return r, nil
}

// Dequantize returns the float32 matrix [Out, In] that r stands for.
func (r Rows) Dequantize() []float32 {
	w := make([]float32, len(r.Q))
	for j := range r.Out {
		for i := range r.In {
			w[j*r.In+i] = r.Scale[j] * float32(r.Q[j*r.In+i])
		}
	}
	return w
}

// Transposed returns Q as an [In, Out] matrix of bytes (two's complement),
// the layout of MatMulInteger's B.
func (r Rows) Transposed() []byte {
	t := make([]byte, len(r.Q))
	for j := range r.Out {
		for i := range r.In {
			t[i*r.Out+j] = byte(r.Q[j*r.In+i])
		}
	}
	return t
}

// Uint8 is a tensor quantized to uint8 with one scale and zero point:
// Q[i] stands for Scale * (Q[i] - Zero).
type Uint8 struct {
	Q     []uint8
	Scale float32
	Zero  uint8
}

// ErrNonFinite is returned by Dynamic for inputs holding NaN or ±Inf,
// which have no quantization.
var ErrNonFinite = errors.New("quantize: input holds NaN or an infinity")

// Dynamic quantizes x as ONNX's DynamicQuantizeLinear does: the range
// [min(0, min x), max(0, max x)] maps onto [0, 255], so the scale is its
// width / 255 and the zero point round(-min / scale); each value becomes
// round(x / scale) + zero, saturated, with halves rounded to even. A range
// of width 0 (x all zeros) gives scale 0, zero point 0 and zeros.
func Dynamic(x []float32) (Uint8, error) {
	lo, hi := float32(0), float32(0)
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Uint8{}, ErrNonFinite
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	u := Uint8{Q: make([]uint8, len(x))}
	u.Scale = (hi - lo) / 255
	if u.Scale == 0 {
		return u, nil
	}
	u.Zero = saturate(math.RoundToEven(float64(0 - lo/u.Scale)))
	for i, v := range x {
		u.Q[i] = saturate(math.RoundToEven(float64(v/u.Scale)) + float64(u.Zero))
	}
	return u, nil
}

func saturate(v float64) uint8 { return uint8(min(255, max(0, v))) }

// Linear computes y = dequantize(Dynamic(x)) · dequantize(w)^T + b for the
// batch x [n, in], as DynamicQuantizeMatMul does: the integer products
// (x_q - zero) * w_q summed exactly, then scaled by Scale * w.Scale[j] and
// offset by b[j]. The whole batch shares one input scale, so an example's
// output depends (slightly) on the others of its batch.
func Linear(x []float32, n int, w Rows, b []float32) ([]float32, error) {
	if len(x) != n*w.In || len(b) != w.Out {
		return nil, fmt.Errorf("quantized linear: %d inputs for [%d, %d] and %d biases for %d outputs", len(x), n, w.In, len(b), w.Out)
	}
	u, err := Dynamic(x)
	if err != nil {
		return nil, err
	}
	y := make([]float32, n*w.Out)
	for i := range n {
		xq := u.Q[i*w.In : (i+1)*w.In]
		for j := range w.Out {
			wq := w.Q[j*w.In : (j+1)*w.In]
			var acc int64
			for k, q := range xq {
				acc += (int64(q) - int64(u.Zero)) * int64(wq[k])
			}
			y[i*w.Out+j] = float32(float64(acc)*float64(u.Scale*w.Scale[j]) + float64(b[j]))
		}
	}
	return y, nil
}
