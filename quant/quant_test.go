package quant

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuantizeRows(t *testing.T) {
	tests := []struct {
		name    string
		w       []float32
		out, in int
		q       []int8
		scale   []float32
	}{
		{"symmetric", []float32{1.27, -0.635, 0.01, 0}, 1, 4, []int8{127, -64, 1, 0}, []float32{0.01}},
		{"negative max", []float32{-2.54, 1.27}, 1, 2, []int8{-127, 64}, []float32{0.02}},
		{"zero row", []float32{0, 0, 0.5, -0.25}, 2, 2, []int8{0, 0, 127, -64}, []float32{1, float32(0.5 / 127)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := QuantizeRows(tc.w, tc.out, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.q {
				if r.Q[i] != tc.q[i] {
					t.Errorf("Q = %v, want %v", r.Q, tc.q)
					break
				}
			}
			for j := range tc.scale {
				if math.Abs(float64(r.Scale[j]-tc.scale[j])) > 1e-7 {
					t.Errorf("Scale = %v, want %v", r.Scale, tc.scale)
				}
			}
		})
	}
}

// TestQuantizeRowsBound: on random rows of several magnitudes, each weight
// is within half a step of its quantized value, the largest magnitude of
// each row quantizes to ±127, and Transposed is Q's transpose.
func TestQuantizeRowsBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const out, in = 7, 33
	w := make([]float32, out*in)
	for i := range w {
		w[i] = float32(rng.NormFloat64() * math.Pow(10, float64(i/in-3)))
	}
	r, err := QuantizeRows(w, out, in)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Dequantize()
	tr := r.Transposed()
	for j := range out {
		peak := 0
		for i := range in {
			k := j*in + i
			if diff := math.Abs(float64(w[k] - d[k])); diff > float64(r.Scale[j])/2*(1+1e-6) {
				t.Errorf("w[%d,%d] = %g, dequantized %g: off by %g > scale/2 = %g", j, i, w[k], d[k], diff, r.Scale[j]/2)
			}
			peak = max(peak, int(math.Abs(float64(r.Q[k]))))
			if int8(tr[i*out+j]) != r.Q[k] {
				t.Fatalf("Transposed[%d,%d] = %d, want %d", i, j, int8(tr[i*out+j]), r.Q[k])
			}
		}
		if peak != 127 {
			t.Errorf("row %d: largest |q| = %d, want 127", j, peak)
		}
	}
}

func TestQuantizeRowsErrors(t *testing.T) {
	if _, err := QuantizeRows([]float32{1, 2, 3}, 2, 2); err == nil {
		t.Error("3 weights as [2, 2]: no error")
	}
	if _, err := QuantizeRows([]float32{1, float32(math.NaN())}, 1, 2); err == nil {
		t.Error("NaN weight: no error")
	}
	if _, err := QuantizeRows([]float32{float32(math.Inf(-1))}, 1, 1); err == nil {
		t.Error("infinite weight: no error")
	}
}

// TestDynamic checks DynamicQuantizeLinear by hand: the example of the ONNX
// operator's documentation, a range of positive values only (zero point
// 0), halves rounded to even, and all zeros.
func TestDynamic(t *testing.T) {
	tests := []struct {
		name  string
		x     []float32
		q     []uint8
		scale float32
		zero  uint8
	}{
		// onnx/docs/Operators.md, DynamicQuantizeLinear: its two examples.
		{"onnx example max_adjusted", []float32{-1.0, -2.1, -1.3, -2.5, -3.34, -4.0}, []uint8{191, 121, 172, 96, 42, 0}, 0.0156862754, 255},
		{"onnx example", []float32{0, 2, -3, -2.5, 1.34, 0.5}, []uint8{153, 255, 0, 26, 221, 179}, 0.0196078438, 153},
		{"halves to even", []float32{0, 2.5 * 255 / 255, 255}, []uint8{0, 2, 255}, 1, 0},
		{"zeros", []float32{0, 0}, []uint8{0, 0}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := Dynamic(tc.x)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(float64(u.Scale-tc.scale)) > 1e-9 || u.Zero != tc.zero {
				t.Errorf("scale %.10g, zero %d; want %.10g, %d", u.Scale, u.Zero, tc.scale, tc.zero)
			}
			for i := range tc.q {
				if u.Q[i] != tc.q[i] {
					t.Errorf("Q = %v, want %v", u.Q, tc.q)
					break
				}
			}
		})
	}
	if _, err := Dynamic([]float32{1, float32(math.NaN())}); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN input: %v, want ErrNonFinite", err)
	}
}

// TestLinear: the quantized layer is within its error bound of the float64
// product of the same inputs and weights: per output, the sum over inputs
// of |x| * (weight step / 2) + |w| * (input step / 2), plus the product of
// the steps.
func TestLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, in, out = 5, 40, 6
	x := make([]float32, n*in)
	for i := range x {
		x[i] = float32(rng.Float64()*2 - 0.5)
	}
	w := make([]float32, out*in)
	for i := range w {
		w[i] = float32(rng.NormFloat64() * 0.1)
	}
	b := []float32{0.1, -0.2, 0.3, 0, 1, -1}
	r, err := QuantizeRows(w, out, in)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := Dynamic(x)
	y, err := Linear(x, n, r, b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for j := range out {
			exact, bound := float64(b[j]), 0.0
			for k := range in {
				xv, wv := float64(x[i*in+k]), float64(w[j*in+k])
				exact += xv * wv
				bound += math.Abs(xv)*float64(r.Scale[j])/2 + math.Abs(wv)*float64(u.Scale)/2 + float64(r.Scale[j]*u.Scale)/4
			}
			if d := math.Abs(float64(y[i*out+j]) - exact); d > bound {
				t.Errorf("y[%d,%d] = %g, exact %g: off by %g > bound %g", i, j, y[i*out+j], exact, d, bound)
			}
		}
	}
	if _, err := Linear(x[:in], 2, r, b); err == nil {
		t.Error("too few inputs: no error")
	}
}

func TestQuantized(t *testing.T) {
	for _, tc := range []struct {
		in, out int
		want    bool
	}{{784, 512, true}, {16, 16, true}, {50, 4, false}, {2, 784, false}, {15, 784, false}, {784, 16, true}} {
		if got := Quantized(tc.in, tc.out); got != tc.want {
			t.Errorf("Quantized(%d, %d) = %v, want %v", tc.in, tc.out, got, tc.want)
		}
	}
}
